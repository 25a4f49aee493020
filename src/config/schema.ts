/**
 * Validation against schemas/stack.schema.json (compiled once), and the translation of Ajv's
 * errors into one message per location, in the user's words, at the user's file:line:column.
 */
import { readFileSync } from 'node:fs';
import type { ErrorObject } from 'ajv';
import { didYouMean, type Issues } from './issues.js';
import { KIND_NOUNS, type Kind } from './kinds.js';
import type { PathSeg, Positions } from './positions.js';

export const SCHEMA_URL = new URL('../../schemas/stack.schema.json', import.meta.url);

/**
 * Defined as `true` by the bundler (scripts/bundle.js): the bundle carries the validator compiled from
 * the schema in the same build, so neither the fingerprint check nor the run-time compiler is needed.
 */
declare const __BERTH_BUNDLED__: true | undefined;

/** FNV-1a over the UTF-16 code units, as 8 hex digits: cheap enough to check at every start. */
export function fingerprint(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

export interface Validator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

let compiled: Validator | undefined;

/**
 * Get the validator ready: the precompiled module when it was built from this very schema,
 * otherwise compile the schema now with Ajv (slow; only when the build step did not run).
 */
export async function prepareValidator(): Promise<Validator> {
  if (compiled) return compiled;
  // Written as one typeof test, so that the bundler drops the compiler (and Ajv with it) from the bundle.
  compiled =
    (await precompiled()) ??
    (typeof __BERTH_BUNDLED__ === 'undefined' ? (await import('./schema-compile.js')).compileSchema() : undefined);
  if (!compiled) throw new Error('the bundle was built without its schema validator');
  return compiled;
}

/** `./stack-validate.js` is written by `npm run build` (scripts/schema-compile.js) next to the built loader. */
async function precompiled(): Promise<Validator | undefined> {
  let mod: { default?: Validator; schemaHash?: string };
  try {
    mod = await import('./stack-validate.js');
  } catch {
    return undefined; // not built (running from the sources): compile at run time
  }
  if (typeof mod.default !== 'function') return undefined;
  if (typeof __BERTH_BUNDLED__ === 'undefined' && mod.schemaHash !== fingerprint(readFileSync(SCHEMA_URL, 'utf8')))
    return undefined;
  return mod.default;
}

function validator(): Validator {
  if (!compiled) throw new Error('the stack schema validator was used before prepareValidator()');
  return compiled;
}

/** Validate one file's tree; every problem is added to `issues`. Returns true when valid. */
export function validateTree(root: unknown, file: string, positions: Positions, issues: Issues): boolean {
  const validate = validator();
  if (validate(root)) return true;
  const located = translate(validate.errors ?? [], root).map((c) => ({
    ...c,
    pos: positions.locate(root, c.segs, c.target),
  }));
  located.sort((a, b) => (a.pos?.line ?? 0) - (b.pos?.line ?? 0) || (a.pos?.column ?? 0) - (b.pos?.column ?? 0));
  for (const c of located) issues.add(c.pos, c.segs, c.message, c.hint, file);
  return false;
}

interface Candidate {
  segs: PathSeg[];
  pointer: string;
  target: 'key' | 'value';
  /** type-like: the value's shape is wrong; composite: "none of the forms matched". */
  kind: 'type' | 'composite' | 'specific';
  noun?: string;
  message: string;
  hint?: string;
}

const NAME_PATTERN = '^[a-zA-Z0-9._-]+$';

const TYPE_NOUNS: Record<string, string> = {
  string: 'a string',
  object: 'a mapping',
  array: 'a list',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean (true or false)',
  null: 'empty (null)',
};

function segments(root: unknown, pointer: string): PathSeg[] {
  if (pointer === '') return [];
  const out: PathSeg[] = [];
  let node: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      const i = Number(seg);
      out.push(i);
      node = node[i];
    } else {
      out.push(seg);
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[seg] : undefined;
    }
  }
  return out;
}

function describeType(t: string, parentSchema: unknown): string {
  if (t === 'array') {
    const items = (parentSchema as { items?: { type?: unknown } } | undefined)?.items;
    if (items && items.type === 'string') return 'a list of strings';
  }
  return TYPE_NOUNS[t] ?? `a ${t}`;
}

type CandidateFields = Omit<Candidate, 'pointer'>;

const ANY_FORM = 'does not match any of the allowed forms';
type Params = Record<string, unknown>;

/** What each Ajv keyword says, in the user's words, at the location it names. */
const KEYWORD_CANDIDATES: Record<string, (e: ErrorObject, base: PathSeg[], params: Params) => CandidateFields> = {
  additionalProperties: (e, base, params) => {
    const key = String(params.additionalProperty);
    const known = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
    return {
      segs: [...base, key],
      target: 'key',
      kind: 'specific',
      message: `unknown key "${key}"`,
      hint: didYouMean(key, known) ?? (known.length ? undefined : undefined),
    };
  },
  propertyNames: (e, base, params) => {
    const key = String(params.propertyName);
    const pattern = (e.schema as { pattern?: string } | undefined)?.pattern;
    const message =
      pattern === NAME_PATTERN
        ? `invalid name "${key}": use only letters, digits, ".", "_" and "-"`
        : `invalid key "${key}"${pattern ? ` (must match ${pattern})` : ''}`;
    return { segs: [...base, key], target: 'key', kind: 'specific', message };
  },
  required: (_e, base, params) => ({
    segs: base,
    target: 'value',
    kind: 'specific',
    message: `missing required key "${String(params.missingProperty)}"`,
  }),
  type: (e, base, params) => {
    const types = Array.isArray(params.type) ? (params.type as string[]) : String(params.type).split(',');
    const noun = joinOr(types.map((t) => describeType(t, e.parentSchema)));
    return { segs: base, target: 'value', kind: 'type', noun, message: `must be ${noun}` };
  },
  'x-kind': (_e, base, params) => {
    const noun = KIND_NOUNS[params.kind as Kind];
    return { segs: base, target: 'value', kind: 'type', noun, message: `must be ${noun}` };
  },
  enum: (e, base, params) => {
    const allowed = (params.allowedValues as unknown[]).map((v) => String(v));
    return {
      segs: base,
      target: 'value',
      kind: 'specific',
      message: `must be one of: ${allowed.join(', ')}`,
      hint: typeof e.data === 'string' ? didYouMean(e.data, allowed) : undefined,
    };
  },
  pattern: (e, base, params) => ({
    segs: base,
    target: 'value',
    kind: 'specific',
    message: `"${String(e.data)}" is not a valid value (expected ${String(params.pattern)})`,
  }),
  anyOf: (_e, base) => ({ segs: base, target: 'value', kind: 'composite', message: ANY_FORM }),
  oneOf: (_e, base) => ({ segs: base, target: 'value', kind: 'composite', message: ANY_FORM }),
  uniqueItems: (_e, base, params) => ({
    segs: base,
    target: 'value',
    kind: 'specific',
    message: `must not contain duplicates (items ${String(params.j)} and ${String(params.i)} are equal)`,
  }),
};

function candidate(e: ErrorObject, root: unknown): Candidate | undefined {
  // Errors raised while checking a property name are reported by their propertyNames parent.
  if ((e as { propertyName?: string }).propertyName !== undefined) return undefined;
  const base = segments(root, e.instancePath);
  const params = e.params as Params;
  const describe = Object.hasOwn(KEYWORD_CANDIDATES, e.keyword) ? KEYWORD_CANDIDATES[e.keyword] : undefined;
  const c: CandidateFields = describe
    ? describe(e, base, params)
    : { segs: base, target: 'value', kind: 'specific', message: e.message ?? 'is not valid' };
  return { ...c, pointer: c.segs.map(String).join('/') };
}

function joinOr(nouns: string[]): string {
  const uniq = [...new Set(nouns)];
  const withoutNull = uniq.length > 1 ? uniq.filter((n) => n !== TYPE_NOUNS.null) : uniq;
  if (withoutNull.length <= 1) return withoutNull[0] ?? '';
  return `${withoutNull.slice(0, -1).join(', ')} or ${withoutNull[withoutNull.length - 1]!}`;
}

/** One message per location: the most specific one. Exported for tests. */
export function translate(
  errors: ErrorObject[],
  root: unknown,
): { segs: PathSeg[]; target: 'key' | 'value'; message: string; hint?: string }[] {
  const cands = errors.map((e) => candidate(e, root)).filter((c): c is Candidate => c !== undefined);
  const groups = new Map<string, Candidate[]>();
  for (const c of cands) {
    const k = `${c.target}\u0000${c.pointer}`;
    const g = groups.get(k);
    if (g) g.push(c);
    else groups.set(k, [c]);
  }
  const out: { segs: PathSeg[]; target: 'key' | 'value'; message: string; hint?: string }[] = [];
  for (const group of groups.values()) {
    const first = group[0]!;
    const prefix = first.pointer === '' ? '' : `${first.pointer}/`;
    // A deeper problem means some form matched the shape here: the shape errors are noise.
    const deeper =
      first.target === 'value' &&
      cands.some((c) => c.pointer !== first.pointer && (prefix === '' || c.pointer.startsWith(prefix)));
    const specific = group.filter((c) => c.kind === 'specific');
    if (specific.length > 0) {
      const messages = [...new Set(specific.map((c) => c.message))];
      out.push({
        segs: first.segs,
        target: first.target,
        message: messages.join('; '),
        hint: specific.find((c) => c.hint)?.hint,
      });
      continue;
    }
    if (deeper) continue;
    const types = group.filter((c) => c.kind === 'type');
    if (types.length > 0) {
      out.push({ segs: first.segs, target: first.target, message: `must be ${joinOr(types.map((c) => c.noun!))}` });
      continue;
    }
    out.push({ segs: first.segs, target: first.target, message: first.message });
  }
  return out;
}
