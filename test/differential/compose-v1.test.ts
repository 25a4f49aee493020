/**
 * Differential test against the runnable reference, `docker-compose` v1.29 (Debian's package):
 * every case under test/fixtures/config/corpus is loaded by both. Where the reference accepts,
 * berth must accept and agree on every attribute both know; where it rejects, berth must reject.
 * The few cases where Compose v2 (which berth follows) and v1 disagree are marked in the case's
 * case.json with the reason; README.md beside this file lists them and every normalization.
 */
import { execFileSync } from 'node:child_process';
import { execa } from 'execa';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { loadProject } from '../../src/config/load.js';
import type { Project } from '../../src/config/model.js';
import { normResource, normService } from './normalize.js';

const CORPUS = resolve(import.meta.dirname, '../fixtures/config/corpus');
const REFERENCE = process.env.BERTH_COMPOSE_V1 ?? 'docker-compose';

interface Case {
  /** -f files, in order (default: compose.yaml). */
  files?: string[];
  /** The whole environment both tools see (plus PATH for the reference). */
  env?: Record<string, string>;
  envFile?: string;
  profiles?: string[];
  /** What the reference does with the case (default: accepts). */
  reference?: 'accepts' | 'rejects';
  /** Where berth (as Compose v2) must differ from v1; `why` says why. */
  berth?: 'accepts' | 'rejects';
  why?: string;
}

type Obj = Record<string, unknown>;

const cases = readdirSync(CORPUS, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

function readCase(name: string): Case {
  const p = join(CORPUS, name, 'case.json');
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as Case) : {};
}

/**
 * Runs the reference without blocking this worker: a synchronous spawn of the slow Python tool, on a
 * loaded machine, kept vitest's own messages waiting past their time-out.
 */
async function runReference(dir: string, c: Case): Promise<{ ok: boolean; doc?: Obj; stderr: string }> {
  const args = [...(c.files ?? ['compose.yaml']).flatMap((f) => ['-f', f])];
  if (c.envFile) args.push('--env-file', c.envFile);
  for (const p of c.profiles ?? []) args.push('--profile', p);
  args.push('config');
  const r = await execa(REFERENCE, args, {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...c.env },
    extendEnv: false,
    timeout: 60_000,
    reject: false,
  });
  if (r.failed && r.exitCode === undefined) throw new Error(`${REFERENCE} did not run: ${r.message}`);
  if (r.exitCode !== 0) return { ok: false, stderr: r.stderr };
  // PyYAML writes YAML 1.1 ("yes" is quoted, modes are plain numbers); `$` comes out as `$$`
  // so that the output reads back without a second interpolation: undo that to compare values.
  // Integers are read exactly: one beyond 2^53 keeps its digits (as text), the others become numbers.
  const doc = exactIntegers(parse(r.stdout, { version: '1.1', intAsBigInt: true }));
  return { ok: true, doc: unescapeDollars(doc) as Obj, stderr: r.stderr };
}

function exactIntegers(v: unknown): unknown {
  if (typeof v === 'bigint')
    return v >= Number.MIN_SAFE_INTEGER && v <= Number.MAX_SAFE_INTEGER ? Number(v) : String(v);
  if (Array.isArray(v)) return v.map(exactIntegers);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, exactIntegers(x)]));
  return v;
}

function unescapeDollars(v: unknown): unknown {
  if (typeof v === 'string') return v.replaceAll('$$', '$');
  if (Array.isArray(v)) return v.map(unescapeDollars);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unescapeDollars(x)]));
  return v;
}

async function runBerth(
  dir: string,
  c: Case,
): Promise<{ ok: true; project: Project } | { ok: false; error: ConfigError }> {
  try {
    const { project } = await loadProject({
      cwd: dir,
      env: { ...c.env },
      files: c.files ?? ['compose.yaml'],
      ...(c.envFile ? { envFiles: [c.envFile] } : {}),
      ...(c.profiles ? { profiles: c.profiles } : {}),
    });
    return { ok: true, project };
  } catch (e) {
    if (e instanceof ConfigError) return { ok: false, error: e };
    throw e;
  }
}

/** JSON with mapping keys sorted: mappings are unordered, lists are not. */
function canonical(v: unknown): string {
  const sort = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(sort);
    if (x !== null && typeof x === 'object')
      return Object.fromEntries(
        Object.keys(x)
          .sort()
          .map((k) => [k, sort((x as Obj)[k])]),
      );
    return x;
  };
  return JSON.stringify(sort(v)) ?? 'undefined';
}

const isEmpty = (v: unknown): boolean =>
  v === undefined ||
  (Array.isArray(v) ? v.length === 0 : v !== null && typeof v === 'object' && Object.keys(v).length === 0);

/**
 * Attributes berth's model carries that v1 does not print, and when that is expected: defaults
 * the model always fills in, and what v1 folds away (env_file goes into environment).
 */
function expectedExtra(key: string, value: unknown): boolean {
  if (key === 'name' || key === 'env_file' || isEmpty(value)) return true;
  if (key === 'networks') return JSON.stringify(value) === JSON.stringify({ default: null });
  return false;
}

/** Compare the v1 document with berth's project; returns the differences as readable lines. */
function differences(v1: Obj, project: Project): string[] {
  const diffs: string[] = [];
  const eq = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);
  // v1 prints every service, whatever the active profiles; berth keeps the inactive ones apart.
  const berthServices: Record<string, Obj> = { ...(project.disabled_services ?? {}), ...project.services } as Record<
    string,
    Obj
  >;
  const v1Services = (v1.services ?? {}) as Record<string, Obj>;
  expect(Object.keys(berthServices).sort(), 'service names').toEqual(Object.keys(v1Services).sort());
  for (const [name, ref] of Object.entries(v1Services)) {
    const mine = berthServices[name] ?? {};
    for (const [key, value] of Object.entries(ref)) {
      const a = normService(key, value);
      const b = normService(key, key.startsWith('x-') ? (mine.extensions as Obj | undefined)?.[key] : mine[key]);
      if (!eq(a, b)) diffs.push(`services.${name}.${key}: v1 ${JSON.stringify(a)} != berth ${JSON.stringify(b)}`);
    }
    for (const [key, value] of Object.entries(mine)) {
      if (key === 'extensions') continue;
      if (!(key in ref) && !expectedExtra(key, value))
        diffs.push(`services.${name}.${key}: only berth has ${JSON.stringify(value)}`);
    }
  }
  for (const kind of ['networks', 'volumes', 'secrets', 'configs'] as const) {
    const refGroup = (v1[kind] ?? {}) as Record<string, Obj | null>;
    const mineGroup = (project[kind] ?? {}) as unknown as Record<string, Obj>;
    // berth adds the implicit "default" network the services use; v1 leaves it out.
    const mineNames = Object.keys(mineGroup).filter(
      (n) => !(kind === 'networks' && n === 'default' && !(n in refGroup)),
    );
    if (!eq(mineNames.sort(), Object.keys(refGroup).sort()))
      diffs.push(`${kind}: v1 ${JSON.stringify(Object.keys(refGroup))} != berth ${JSON.stringify(mineNames)}`);
    for (const [name, ref] of Object.entries(refGroup)) {
      for (const [key, value] of Object.entries(ref ?? {})) {
        const a = normResource(key, value);
        const b = normResource(key, mineGroup[name]?.[key]);
        if (!eq(a, b)) diffs.push(`${kind}.${name}.${key}: v1 ${JSON.stringify(a)} != berth ${JSON.stringify(b)}`);
      }
    }
  }
  return diffs;
}

describe('config: berth agrees with docker-compose v1.29 on the corpus', () => {
  beforeAll(() => {
    let version: string;
    try {
      version = execFileSync(REFERENCE, ['version', '--short'], { encoding: 'utf8', timeout: 60_000 }).trim();
    } catch (e) {
      throw new Error(
        `the differential test needs the reference "${REFERENCE}" (Debian package docker-compose, v1.29); .ci/run installs it: ${(e as Error).message}`,
      );
    }
    expect(version, 'reference version').toMatch(/^1\.29\./);
  });

  it('has a corpus', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  for (const name of cases) {
    it(name, async () => {
      const c = readCase(name);
      const dir = join(CORPUS, name);
      const ref = await runReference(dir, c);
      expect(ref.ok ? 'accepts' : 'rejects', `reference on ${name}: ${ref.stderr.trim()}`).toBe(
        c.reference ?? 'accepts',
      );
      const mine = await runBerth(dir, c);
      const wanted = c.berth ?? (ref.ok ? 'accepts' : 'rejects');
      if (c.berth !== undefined) expect(c.why, 'a documented difference says why').toBeTruthy();
      const detail = mine.ok ? '' : (mine.error.detail ?? mine.error.message);
      expect(mine.ok ? 'accepts' : 'rejects', `berth on ${name}: ${detail}`).toBe(wanted);
      if (mine.ok && ref.ok) expect(differences(ref.doc!, mine.project)).toEqual([]);
      if (!mine.ok) for (const issue of mine.error.issues) expect(issue.message).not.toBe('');
    });
  }
});
