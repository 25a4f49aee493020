/**
 * Scalar kinds the stack file writes loosely (a boolean may be `true` or "yes"; a size may be
 * 512 or "512m"): one checker and one converter for each, shared by the schema and the normalizer.
 */

export type Kind = 'boolean' | 'integer' | 'number' | 'duration' | 'bytes' | 'mode';

const TRUE = new Set(['true', 'yes', 'y', 'on']);
const INT = /^[-+]?\d+$/;
const NUM = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const BYTES = /^(\d+(?:\.\d+)?) ?([bkmgtp]?)(i?b)?$/i;

/** What each kind is, in the user's words: "must be " + this. */
export const KIND_NOUNS: Record<Kind, string> = {
  boolean: 'a boolean (true or false)',
  integer: 'an integer',
  number: 'a number',
  duration: 'a duration such as "10s", "1m30s" or "500ms"',
  bytes: 'a size in bytes such as 1024, "512m" or "1gb"',
  mode: 'a file mode such as 0440 or "0440"',
};

/**
 * What each kind accepts, as data, so that the schema keyword can be generated as code (for the
 * precompiled validator) from the same rules `fitsKind` applies: a string fits when its trimmed
 * text matches `text`; a number fits per `number` and `min`; booleans only where `boolean` says.
 */
export interface KindRule {
  text?: RegExp;
  number?: 'integer' | 'finite';
  min?: number;
  boolean?: true;
}

export const KIND_RULES: Record<Kind, KindRule> = {
  boolean: { text: /^(true|yes|y|on|false|no|n|off)$/i, boolean: true },
  integer: { text: INT, number: 'integer' },
  number: { text: NUM, number: 'finite' },
  duration: { text: /^(0|[-+]?((\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$/ },
  bytes: { text: /^(-1|(\d+(?:\.\d+)?) ?([bkmgtp]?)(i?b)?)$/i, number: 'integer', min: -1 },
  mode: { text: /^0?[0-7]{1,4}$/, number: 'integer', min: 0 },
};

/** Does `v` fit `kind`? Strings holding an unexpanded `$` pass (interpolation was turned off). */
export function fitsKind(kind: Kind, v: unknown): boolean {
  const rule = KIND_RULES[kind];
  if (typeof v === 'string') return v.includes('$') || (rule.text !== undefined && rule.text.test(v.trim()));
  if (typeof v === 'boolean') return rule.boolean === true;
  if (typeof v === 'number') {
    if (rule.number === undefined) return false;
    if (rule.number === 'integer' ? !Number.isInteger(v) : !Number.isFinite(v)) return false;
    return rule.min === undefined || v >= rule.min;
  }
  return false;
}

export function toBoolean(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  return TRUE.has(String(v).toLowerCase());
}

export function toInteger(v: unknown): number {
  return typeof v === 'number' ? v : parseInt(String(v).trim(), 10);
}

export function toNumber(v: unknown): number {
  return typeof v === 'number' ? v : Number(String(v).trim());
}

/** File modes: numbers are taken as written (YAML `0440` already reads as octal); strings are octal. */
export function toMode(v: unknown): number {
  return typeof v === 'number' ? v : parseInt(String(v).trim(), 8);
}

const BYTE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

/** "1gb" -> 1073741824; sizes use binary multiples, as Docker does. */
export function toBytes(v: unknown): number {
  if (typeof v === 'number') return v;
  const s = String(v).trim();
  if (s === '-1') return -1;
  const m = BYTES.exec(s);
  if (!m) return NaN;
  return Math.floor(parseFloat(m[1]!) * BYTE_UNITS[m[2]!.toLowerCase()]!);
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Duration string -> nanoseconds. */
export function durationNanos(v: string): number {
  const s = v.trim();
  if (s === '0') return 0;
  let sign = 1;
  let rest = s;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest.startsWith('-')) sign = -1;
    rest = rest.slice(1);
  }
  let total = 0;
  for (const m of rest.matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g))
    total += parseFloat(m[1]!) * DURATION_UNITS[m[2]!]!;
  return sign * Math.round(total);
}

/** Nanoseconds -> the canonical text Docker Compose prints ("1m30s", "500ms", "0s"). */
export function formatDuration(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let n = Math.abs(ns);
  let out: string;
  if (n < 1e9) {
    const [unit, size] = n < 1e3 ? ['ns', 1] : n < 1e6 ? ['µs', 1e3] : ['ms', 1e6];
    out = `${trimFloat(n / size)}${unit}`;
  } else {
    const h = Math.floor(n / 3600e9);
    n -= h * 3600e9;
    const m = Math.floor(n / 60e9);
    n -= m * 60e9;
    const s = `${trimFloat(n / 1e9)}s`;
    out = h > 0 ? `${h}h${m}m${s}` : m > 0 ? `${m}m${s}` : s;
  }
  return neg ? `-${out}` : out;
}

function trimFloat(x: number): string {
  return String(Number(x.toFixed(9)));
}

export function normalizeDuration(v: unknown): string {
  return formatDuration(durationNanos(String(v)));
}
