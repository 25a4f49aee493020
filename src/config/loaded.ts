/**
 * The two steps that turn a loaded model into the project a command gets, shared by a fresh load
 * (load.ts) and a cache hit (cache.ts): the environment it runs with, and a frozen model. Kept apart
 * from load.ts so that a cache hit does not load the parser, the schema and the normalizer.
 */
import { put } from './positions.js';

/** LoadResult.environment: the whole shell environment over the .env values, and the project name. */
export function environmentOf(
  dotenv: Record<string, string>,
  env: Record<string, string | undefined>,
  name: string,
): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const layer of [dotenv, env]) {
    for (const [k, v] of Object.entries(layer)) if (v !== undefined) put(environment, k, v);
  }
  if (environment.COMPOSE_PROJECT_NAME === undefined) environment.COMPOSE_PROJECT_NAME = name;
  return environment;
}

export function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}
