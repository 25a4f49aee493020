/**
 * runtime/: the only layer that knows the engine. Build a `Runtime` with `createRuntime({ env })`
 * (the environment is passed in, never read here); call `close()` when done.
 */
import { createDockerRuntime, type DockerRuntimeOptions } from './docker/index.js';
import type { Runtime } from './runtime.js';

export type RuntimeOptions = DockerRuntimeOptions;

export function createRuntime(options: RuntimeOptions): Runtime {
  return createDockerRuntime(options);
}

export type * from './runtime.js';
