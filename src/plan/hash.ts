/**
 * The config hash of a service: sha256 of its normalized config in canonical form (keys sorted), after
 * removing what must not trigger a recreate. Stored in `com.docker.compose.config-hash`.
 *
 * Ignored, as Docker Compose ignores them: `build` and `pull_policy` (how the image is made, not what runs:
 * an image change is detected by id instead), `scale` and `deploy.replicas` (how many, not what),
 * `depends_on` (start order, not the container), `profiles` (selection). berth also ignores `name` (the key
 * itself) and `extensions`, which no engine object reflects.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { ServiceConfig } from '../config/model.js';

/** zlib only for the containers a command creates or diffs: most `up`s keep every container and never load it. */
let zlibModule: typeof import('node:zlib') | undefined;
const zlib = (): typeof import('node:zlib') => (zlibModule ??= createRequire(import.meta.url)('node:zlib') as typeof import('node:zlib'));

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
    ...rest
  } = service;
  const out: HashedConfig = { ...rest };
  if (service.deploy) {
    const { replicas: _r, ...deploy } = service.deploy;
    if (Object.keys(deploy).length > 0) out.deploy = deploy;
    else delete out.deploy;
  }
  return canonical(out) as HashedConfig;
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

/** The hashed config, compact enough for a label. */
export function encodeConfig(config: HashedConfig): string {
  return zlib().deflateRawSync(Buffer.from(JSON.stringify(config))).toString('base64');
}

export function decodeConfig(label: string | undefined): HashedConfig | undefined {
  if (!label) return undefined;
  try {
    const parsed: unknown = JSON.parse(zlib().inflateRawSync(Buffer.from(label, 'base64')).toString('utf8'));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as HashedConfig) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Field-level differences between two hashed configs, as document paths ("environment.FOO",
 * "ports", "image"). Maps are compared key by key; lists and scalars as a whole.
 */
export function diffConfig(before: HashedConfig, after: HashedConfig, prefix = ''): string[] {
  const out: string[] = [];
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  for (const k of keys) {
    const a = before[k];
    const b = after[k];
    const path = prefix ? `${prefix}.${k}` : k;
    if (isMap(a) && isMap(b)) out.push(...diffConfig(a, b, path));
    else if (JSON.stringify(a) !== JSON.stringify(b)) out.push(path);
  }
  return out;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
