/**
 * The config hash of a service: sha256 of its normalized config in canonical form (keys sorted), after
 * removing what must not trigger a recreate. Stored in `com.docker.compose.config-hash`; per-key digests
 * of the same config, which name the fields that changed, in `dev.berth.config` (encodeConfig).
 *
 * Ignored, as Docker Compose ignores them: `build` and `pull_policy` (how the image is made, not what runs:
 * an image change is detected by id instead), `scale` and `deploy.replicas` (how many, not what),
 * `depends_on` (start order, not the container), `profiles` (selection). berth also ignores `name` (the key
 * itself), `extensions` and `develop` (what `berth watch` does), which no engine object reflects, and
 * the keys that reach no container (config/engine-keys.ts: those only Docker Swarm uses), so that editing
 * one never recreates a container that could not change.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { DROPPED_KEYS } from '../config/engine-keys.js';
import type { ServiceConfig } from '../config/model.js';

/** zlib only to read a label written by an earlier build (see encodeConfig). */
let zlibModule: typeof import('node:zlib') | undefined;
const zlib = (): typeof import('node:zlib') =>
  (zlibModule ??= createRequire(import.meta.url)('node:zlib') as typeof import('node:zlib'));

export type HashedConfig = Record<string, unknown>;

export function hashedConfig(service: ServiceConfig): HashedConfig {
  const {
    build: _build,
    pull_policy: _pull,
    scale: _scale,
    depends_on: _deps,
    profiles: _profiles,
    name: _name,
    extensions: _ext,
    develop: _develop,
    ...rest
  } = service;
  const out: HashedConfig = { ...rest };
  if (service.deploy) {
    const { replicas: _r, ...deploy } = service.deploy;
    if (Object.keys(deploy).length > 0) out.deploy = deploy;
    else delete out.deploy;
  }
  for (const key of DROPPED_KEYS) dropPath(out, key.path);
  return canonical(out) as HashedConfig;
}

/** A copy of the mappings along `path` without its last key, so that the frozen service is left alone. */
function dropPath(config: Record<string, unknown>, path: readonly string[]): void {
  const [first, ...rest] = path;
  if (first === undefined || !(first in config)) return;
  if (rest.length === 0) {
    delete config[first];
    return;
  }
  const child = config[first];
  if (child === null || typeof child !== 'object' || Array.isArray(child)) return;
  const copy = { ...(child as Record<string, unknown>) };
  config[first] = copy;
  dropPath(copy, rest);
}

export function configHash(service: ServiceConfig): string {
  return hashOf(hashedConfig(service));
}

/** The hash of an already reduced config (what `configHash` computes, without reducing twice). */
export function hashOf(config: HashedConfig): string {
  return createHash('sha256').update(JSON.stringify(config)).digest('hex');
}

/** Keys sorted at every level; `undefined` values, empty objects/arrays and nulls in objects dropped. */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = canonical((value as Record<string, unknown>)[k]);
      if (v === undefined) continue;
      if (Array.isArray(v) && v.length === 0) continue;
      if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) continue;
      out[k] = v;
    }
    return out;
  }
  return value;
}

/**
 * `dev.berth.config`: what the planner needs to name the fields a recreate changes, without the values.
 * The hashed config's shape is kept (maps stay maps, so `environment.FOO` is still a path of its own) and
 * every other value (a scalar, a list) becomes a short salted digest of its canonical JSON. An environment
 * value, interpolated from `.env` or the shell, is therefore never in a label: `docker inspect` or
 * `ps --format json` print digests. The salt is the config hash, which the container carries anyway: no
 * table of digests computed once serves every container, and a label is the same for the same config.
 * A digest lets whoever guesses a value confirm the guess, as the config hash itself does (Compose too);
 * it never gives the value. 8 base64url characters (48 bits) are plenty: a collision would only hide a
 * field's name in a reason, since the decision to recreate is the config hash's.
 *
 * Labels written by earlier builds hold the whole config (JSON, raw-deflated, base64): they still decode,
 * digested on read, so a stack they made converges with the same reasons as before.
 */
export type ConfigDigests = { [key: string]: string | ConfigDigests };

/** A decoded `dev.berth.config`: the digests, and the salt to digest the desired config with. */
export interface ConfigLabel {
  salt: string;
  digests: ConfigDigests;
}

const DIGEST_CHARS = 8;

/** The config's digests: maps kept key by key, every other value a salted digest (about 1 µs each). */
export function digestConfig(config: HashedConfig, salt: string): ConfigDigests {
  const out: ConfigDigests = {};
  for (const [k, v] of Object.entries(config)) out[k] = isMap(v) ? digestConfig(v, salt) : digestValue(v, salt);
  return out;
}

function digestValue(value: unknown, salt: string): string {
  return createHash('sha256')
    .update(`${salt}\0${JSON.stringify(value) ?? 'undefined'}`)
    .digest('base64url')
    .slice(0, DIGEST_CHARS);
}

/** The label: `{"salt":…,"digests":{…}}`, salted with the config hash (passed when already computed). */
export function encodeConfig(config: HashedConfig, hash: string = hashOf(config)): string {
  const salt = hash.slice(0, 16);
  return JSON.stringify({ salt, digests: digestConfig(config, salt) });
}

export function decodeConfig(label: string | undefined): ConfigLabel | undefined {
  if (!label) return undefined;
  try {
    if (label.startsWith('{')) {
      const parsed = JSON.parse(label) as unknown;
      if (!isMap(parsed) || typeof parsed.salt !== 'string' || !isDigests(parsed.digests)) return undefined;
      return { salt: parsed.salt, digests: parsed.digests };
    }
    // An earlier build's label: the whole config, deflated. Digest it now; the salt is only ever used in memory.
    const parsed: unknown = JSON.parse(zlib().inflateRawSync(Buffer.from(label, 'base64')).toString('utf8'));
    return isMap(parsed) ? { salt: '', digests: digestConfig(parsed, '') } : undefined;
  } catch {
    return undefined;
  }
}

function isDigests(value: unknown): value is ConfigDigests {
  return isMap(value) && Object.values(value).every((v) => typeof v === 'string' || isDigests(v));
}

/**
 * Field-level differences between two configs' digests, as document paths ("environment.FOO",
 * "ports", "image"). Maps are compared key by key; lists and scalars as a whole.
 */
export function diffConfig(before: ConfigDigests, after: ConfigDigests, prefix = ''): string[] {
  const out: string[] = [];
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  for (const k of keys) {
    const a = before[k];
    const b = after[k];
    const path = prefix ? `${prefix}.${k}` : k;
    if (isMap(a) && isMap(b)) out.push(...diffConfig(a, b, path));
    else if (a !== b) out.push(path);
  }
  return out;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
