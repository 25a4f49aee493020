/**
 * The service keys that reach no container, and those an older Engine API cannot take, each with its
 * reason, in one table. berth's rule is that nothing in a stack file is dropped without a word: every
 * key Docker Compose turns into engine configuration reaches the engine, and a key that cannot (it is
 * for Docker Swarm, or the engine is too old for it) is named in a warning with its service and the
 * file:line that writes it. The warnings come from the loaded model, located through the loader's
 * positions as the privilege notices are (`Locate`).
 */
import { located } from './issues.js';
import type { ServiceConfig } from './model.js';
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
  let node: unknown = service;
  for (const seg of path)
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[seg] : undefined;
  return node;
}

/** Whether a value says something: set, and not an empty list or mapping. */
function isSet(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** The warnings for every enabled service's keys that reach no container or need a newer engine, in table order. */
export function engineKeyWarnings(services: Record<string, ServiceConfig>, locate: Locate): EngineKeyWarnings {
  const out: EngineKeyWarnings = { warnings: [], gated: [] };
  for (const [name, service] of Object.entries(services)) {
    const where = (path: readonly string[]): { pos: ReturnType<Locate>; full: PathSeg[] } => ({
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
