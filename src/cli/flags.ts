import { NoSuchServiceError, UsageError } from '../errors.js';
import type { Project } from '../config/model.js';

/** `--scale web=3` (repeatable) -> { web: 3 } */
export function parseScale(values: unknown): Record<string, number> | undefined {
  if (!Array.isArray(values) || values.length === 0) return undefined;
  const out: Record<string, number> = {};
  for (const v of values as string[]) {
    const m = /^([^=]+)=(\d+)$/.exec(v);
    if (!m) throw new UsageError(`--scale expects SERVICE=NUMBER, got "${v}"`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

export function parseSeconds(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(
      `${flag} expects a number of seconds, got "${typeof value === 'string' ? value : JSON.stringify(value)}"`,
    );
  return n;
}

/** Every name must be a service of the stack; a near miss gets a suggestion. */
export function checkServices(project: Project, names: string[]): void {
  const known = Object.keys(project.services);
  for (const n of names) {
    if (known.includes(n)) continue;
    if (project.disabled_services?.[n])
      throw new NoSuchServiceError(n, `"${n}" is disabled by its profiles; enable one with --profile`);
    const close = known.filter((k) => distance(k, n) <= Math.max(1, Math.floor(n.length / 3)));
    throw new NoSuchServiceError(
      n,
      close.length
        ? `did you mean ${close.map((c) => `"${c}"`).join(' or ')}?`
        : `services in this stack: ${known.join(', ')}`,
    );
  }
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * A boolean flag that also takes a value, as pflag's do (`--orphans=false`): absent is `fallback`,
 * bare is true, else true/false/1/0.
 */
export function parseBoolFlag(value: unknown, flag: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (value === true || value === 'true' || value === '1') return true;
  if (value === false || value === 'false' || value === '0') return false;
  throw new UsageError(`${flag} expects true or false, got ${JSON.stringify(value)}`);
}
