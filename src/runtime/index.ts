/**
 * runtime/: the only layer that knows the engine. Build a `Runtime` with `createRuntime({ env })`
 * (the environment is passed in, never read here); call `close()` when done.
 */
import { createDockerRuntime, createDockerSwarm, type DockerRuntimeOptions } from './docker/index.js';
import type { Runtime, SwarmRuntime } from './runtime.js';

export type RuntimeOptions = DockerRuntimeOptions;

export function createRuntime(options: RuntimeOptions): Runtime {
  return createDockerRuntime(options);
}

/** The swarm of the engine the environment points at, for `berth stack`. */
export function createSwarmRuntime(options: RuntimeOptions): SwarmRuntime {
  return createDockerSwarm(options);
}

export type * from './runtime.js';
