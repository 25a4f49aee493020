/**
 * The service keys that reach no container, and those an older Engine API cannot take, each with its
 * reason, in one table. berth's rule is that nothing in a stack file is dropped without a word: every
 * key Docker Compose turns into engine configuration reaches the engine, and a key that cannot (it is
 * for Docker Swarm, or the engine is too old for it) is named in a warning with its service and the
 * file:line that writes it. The warnings come from the loaded model, located through the loader's
 * positions as the privilege notices are (`Locate`).
 */
import { located } from './issues.js';
import type { Project, ServiceConfig } from './model.js';
import type { Locate } from './privileges.js';
import type { PathSeg } from './positions.js';

const SWARM_ONLY = 'only Docker Swarm uses it';

/** One key no container setting holds: its path under the service, why, and when it applies (default: when set). */
interface DroppedKey {
  path: readonly string[];
  reason: string;
  applies?: (value: unknown) => boolean;
}

/** Keys that reach no container, by their path under `services.<name>`. */
export const DROPPED_KEYS: readonly DroppedKey[] = [
  {
    path: ['deploy', 'mode'],
    reason: `${SWARM_ONLY} (berth runs the service's replicas, as for "replicated")`,
    applies: (v) => v !== 'replicated',
  },
  { path: ['deploy', 'endpoint_mode'], reason: SWARM_ONLY },
  { path: ['deploy', 'labels'], reason: `${SWARM_ONLY}: it labels the Swarm service; "labels" labels the container` },
  { path: ['deploy', 'placement'], reason: SWARM_ONLY },
  { path: ['deploy', 'update_config'], reason: SWARM_ONLY },
  { path: ['deploy', 'rollback_config'], reason: SWARM_ONLY },
  {
    path: ['deploy', 'resources', 'reservations', 'cpus'],
    reason:
      'only the Docker Swarm scheduler uses it; a container has no CPU reservation ("cpu_shares" weighs CPU time)',
  },
  { path: ['deploy', 'resources', 'reservations', 'generic_resources'], reason: SWARM_ONLY },
  {
    path: ['deploy', 'restart_policy', 'delay'],
    reason: `${SWARM_ONLY}; the engine restarts a container with its own back-off`,
  },
  { path: ['deploy', 'restart_policy', 'window'], reason: SWARM_ONLY },
  { path: ['credential_spec'], reason: 'only Windows containers use it; a Linux engine has no credential spec' },
  { path: ['provider'], reason: 'berth does not run provider services (Compose hands them to a plugin)' },
  { path: ['models'], reason: 'berth does not run models (Compose hands them to Docker Model Runner)' },
  { path: ['pull_refresh_after'], reason: 'berth does not read it yet: pull_policy alone decides when to pull' },
];

/** A key the engine takes from an API version on: older engines drop it without a word. */
interface ApiGatedKey {
  path: readonly string[];
  minApi: string;
  engine: string;
}

export const API_GATED_KEYS: readonly ApiGatedKey[] = [
  { path: ['annotations'], minApi: '1.43', engine: 'Docker Engine 24' },
];

/** A warning that holds only on an engine older than `minApi`: the caller knows the engine. */
export interface EngineGatedWarning {
  minApi: string;
  message: string;
}

/** The warnings of one load: those that always hold, and those that depend on the engine's API version. */
export interface EngineKeyWarnings {
  warnings: string[];
  gated: EngineGatedWarning[];
}

/** The value at `path` under a service, undefined when a step is missing. */
function valueAt(service: ServiceConfig, path: readonly string[]): unknown {
  return valueIn(service, path);
}

/** Whether a value says something: set, and not an empty list or mapping. */
function isSet(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/**
 * Keys of one entry of a service's `networks`, by name: the gateway priority needs API 1.48; a MAC
 * address on any network but the primary one needs 1.44 (before, only the container config holds
 * one, which berth fills with the primary network's, as Compose does).
 */
const NETWORK_GATED: Readonly<Record<string, Omit<ApiGatedKey, 'path'> & { primaryOk?: boolean }>> = {
  gw_priority: { minApi: '1.48', engine: 'Docker Engine 28' },
  mac_address: { minApi: '1.44', engine: 'Docker Engine 25', primaryOk: true },
  // Sent as the endpoint's `com.docker.network.endpoint.ifname` option, which older engines ignore.
  interface_name: { minApi: '1.48', engine: 'Docker Engine 28' },
};

/** Keys of a service's network entry no endpoint setting holds yet, with the reason. */
const NETWORK_DROPPED: Readonly<Record<string, string>> = {};

/** The key of the network a service's container is attached to first: highest `priority`, then by key. */
function primaryNetwork(service: ServiceConfig): string | undefined {
  return Object.entries(service.networks).sort(
    ([a, x], [b, y]) => (y?.priority ?? 0) - (x?.priority ?? 0) || a.localeCompare(b),
  )[0]?.[0];
}

type Where = (path: readonly PathSeg[]) => { pos: ReturnType<Locate>; full: PathSeg[] };

/** The warnings for the keys of each of a service's networks. */
function networkKeyWarnings(service: ServiceConfig, where: Where, out: EngineKeyWarnings): void {
  const primary = primaryNetwork(service);
  for (const [key, cfg] of Object.entries(service.networks)) {
    for (const [field, value] of Object.entries(cfg ?? {})) {
      const { pos, full } = where(['networks', key, field]);
      const dropped = NETWORK_DROPPED[field];
      if (dropped !== undefined && isSet(value))
        out.warnings.push(located(pos, full, `not sent to the engine: ${dropped}`));
      const gated = NETWORK_GATED[field];
      if (!gated || !isSet(value) || (gated.primaryOk && key === primary)) continue;
      const message = `not sent to the engine: it needs Engine API ${gated.minApi} (${gated.engine}) or later`;
      out.gated.push({ minApi: gated.minApi, message: located(pos, full, message) });
    }
  }
}

/** Keys of a long-syntax `volumes:` entry the engine takes from an API version on, by their path in the entry. */
const MOUNT_GATED: readonly (ApiGatedKey & { applies: (v: Record<string, unknown>) => boolean })[] = [
  { path: ['volume', 'subpath'], minApi: '1.45', engine: 'Docker Engine 26', applies: (v) => v.type === 'volume' },
  { path: ['type'], minApi: '1.48', engine: 'Docker Engine 28', applies: (v) => v.type === 'image' },
  {
    path: ['bind', 'recursive'],
    minApi: '1.44',
    engine: 'Docker Engine 25',
    applies: (v) => {
      const recursive = (v.bind as Record<string, unknown> | undefined)?.recursive;
      return recursive === 'writable' || recursive === 'readonly';
    },
  },
];

/** Keys of a `volumes:` entry no mount setting holds yet, with the reason. */
const MOUNT_DROPPED: readonly DroppedKey[] = [
  { path: ['volume', 'labels'], reason: 'no mount setting holds it (Docker Compose drops it too)' },
];

/** The warnings for the keys of each of a service's `volumes:` entries. */
function mountKeyWarnings(service: ServiceConfig, where: Where, out: EngineKeyWarnings): void {
  service.volumes.forEach((entry, i) => {
    const v = entry as Record<string, unknown>;
    for (const key of MOUNT_DROPPED) {
      if (!isSet(valueIn(v, key.path))) continue;
      const { pos, full } = where(['volumes', i, ...key.path]);
      out.warnings.push(located(pos, full, `not sent to the engine: ${key.reason}`));
    }
    for (const key of MOUNT_GATED) {
      if (!key.applies(v) || !isSet(valueIn(v, key.path))) continue;
      const { pos, full } = where(['volumes', i, ...key.path]);
      const message = `not sent to the engine: it needs Engine API ${key.minApi} (${key.engine}) or later`;
      out.gated.push({ minApi: key.minApi, message: located(pos, full, message) });
    }
  });
}

/** The value at `path` under a mapping, undefined when a step is missing. */
function valueIn(root: Record<string, unknown>, path: readonly string[]): unknown {
  let node: unknown = root;
  for (const seg of path)
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[seg] : undefined;
  return node;
}

/** The warnings for every enabled service's keys that reach no container or need a newer engine, in table order. */
export function engineKeyWarnings(services: Record<string, ServiceConfig>, locate: Locate): EngineKeyWarnings {
  const out: EngineKeyWarnings = { warnings: [], gated: [] };
  for (const [name, service] of Object.entries(services)) {
    const where: Where = (path) => ({
      pos: locate(name, [...path]),
      full: ['services', name, ...path],
    });
    for (const key of DROPPED_KEYS) {
      const value = valueAt(service, key.path);
      if (!isSet(value) || (key.applies && !key.applies(value))) continue;
      const { pos, full } = where(key.path);
      out.warnings.push(located(pos, full, `not sent to the engine: ${key.reason}`));
    }
    for (const key of API_GATED_KEYS) {
      if (!isSet(valueAt(service, key.path))) continue;
      const { pos, full } = where(key.path);
      const message = `not sent to the engine: it needs Engine API ${key.minApi} (${key.engine}) or later`;
      out.gated.push({ minApi: key.minApi, message: located(pos, full, message) });
    }
    networkKeyWarnings(service, where, out);
    mountKeyWarnings(service, where, out);
  }
  return out;
}

/** Keys of a top-level secret or config that only Docker Swarm's secret and config objects hold. */
const SWARM_OBJECT_KEYS: Readonly<Record<string, string>> = {
  external: 'an external secret or config exists only in Docker Swarm: nothing is mounted for it outside Swarm',
  driver: SWARM_ONLY,
  driver_opts: SWARM_ONLY,
  template_driver: SWARM_ONLY,
  labels: `${SWARM_ONLY}: they label the Swarm object`,
};

/** Keys of a top-level network the engine takes from an API version on. */
const NETWORK_DEF_GATED: Readonly<Record<string, Omit<ApiGatedKey, 'path'>>> = {
  enable_ipv4: { minApi: '1.48', engine: 'Docker Engine 28' },
};

/** Where a key of a top-level definition is written: `[kind, key, field]` to its position. */
export type LocateTop = (path: PathSeg[]) => ReturnType<Locate>;

/**
 * The warnings for the keys of the top-level secrets, configs and networks that reach nothing (those
 * only Swarm uses), and for those an older engine does not know.
 */
export function definitionKeyWarnings(
  project: Pick<Project, 'secrets' | 'configs' | 'networks'>,
  locate: LocateTop,
): EngineKeyWarnings {
  const out: EngineKeyWarnings = { warnings: [], gated: [] };
  const warn = (path: PathSeg[], reason: string): void =>
    void out.warnings.push(located(locate(path), path, `not sent to the engine: ${reason}`));
  for (const kind of ['secrets', 'configs'] as const) {
    for (const [key, def] of Object.entries(project[kind] ?? {})) {
      for (const [field, reason] of Object.entries(SWARM_OBJECT_KEYS))
        if (isSet((def as unknown as Record<string, unknown>)[field])) warn([kind, key, field], reason);
    }
  }
  for (const [key, def] of Object.entries(project.networks)) {
    for (const [field, gated] of Object.entries(NETWORK_DEF_GATED)) {
      if (!isSet((def as unknown as Record<string, unknown>)[field])) continue;
      const path = ['networks', key, field];
      const message = `not sent to the engine: it needs Engine API ${gated.minApi} (${gated.engine}) or later`;
      out.gated.push({ minApi: gated.minApi, message: located(locate(path), path, message) });
    }
  }
  return out;
}

/** "1.41" < "1.43": major then minor, as numbers. */
function olderApi(version: string, than: string): boolean {
  const [amaj = 0, amin = 0] = version.split('.').map((p) => Number.parseInt(p, 10) || 0);
  const [bmaj = 0, bmin = 0] = than.split('.').map((p) => Number.parseInt(p, 10) || 0);
  return amaj !== bmaj ? amaj < bmaj : amin < bmin;
}

/** The gated warnings that hold on an engine speaking `apiVersion`, saying which version it speaks. */
export function warningsForEngine(gated: readonly EngineGatedWarning[], apiVersion: string): string[] {
  return gated
    .filter((g) => olderApi(apiVersion, g.minApi))
    .map((g) => `${g.message}; this engine speaks API ${apiVersion}`);
}
