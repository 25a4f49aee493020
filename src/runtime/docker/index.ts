/**
 * runtime/docker: the `Runtime` interface on the Docker Engine API (also Podman's compatible socket).
 */
import { existsSync, readFileSync } from 'node:fs';
import { DockerRuntime } from './docker-runtime.js';
import { CredentialStore, defaultHelperRunner } from './auth.js';
import { resolveEndpoint, type ConfigFiles, type Env } from './endpoint.js';
import { Transport } from './transport.js';
import { DockerSwarm } from './swarm.js';
import { builderFor } from './buildkit.js';

export interface DockerRuntimeOptions {
  /**
   * The environment to read DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, DOCKER_CONTEXT,
   * DOCKER_CONFIG, DOCKER_API_VERSION, DOCKER_BUILDKIT and HOME from.
   */
  env: Env;
  /** How the docker CLI's config and context files are read (default: the real file system). */
  files?: ConfigFiles;
  /** Default per-request timeout in milliseconds (60 000). Waits and stops without a grace period never time out. */
  timeoutMs?: number;
  /** Concurrent connections to the engine (32). */
  maxSockets?: number;
}

/**
 * A runtime on the engine the environment points at. Nothing is contacted until the first call; the
 * API version is negotiated then. Throws EngineUnreachableError for an unsupported DOCKER_HOST or
 * unreadable TLS certificates.
 */
export function createDockerRuntime(options: DockerRuntimeOptions): DockerRuntime {
  const endpoint = resolveEndpoint(options.env, options.files ?? diskFiles);
  const apiVersion = options.env['DOCKER_API_VERSION']?.trim();
  const transport = new Transport(endpoint, {
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.maxSockets !== undefined ? { maxSockets: options.maxSockets } : {}),
    ...(apiVersion ? { apiVersion } : {}),
  });
  const files = options.files ?? diskFiles;
  const credentials = new CredentialStore({
    env: options.env,
    readText: (p) => files.readText(p),
    runHelper: defaultHelperRunner,
  });
  return new DockerRuntime(transport, credentials, undefined, () => builderFor(options.env));
}

/** The swarm side of the engine the environment points at (which must be a swarm manager to deploy). */
export function createDockerSwarm(options: DockerRuntimeOptions): DockerSwarm {
  const files = options.files ?? diskFiles;
  const endpoint = resolveEndpoint(options.env, files);
  const apiVersion = options.env['DOCKER_API_VERSION']?.trim();
  const credentials = new CredentialStore({
    env: options.env,
    readText: (p) => files.readText(p),
    runHelper: defaultHelperRunner,
  });
  return new DockerSwarm(
    new Transport(endpoint, {
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(apiVersion ? { apiVersion } : {}),
    }),
    credentials,
  );
}

const diskFiles: ConfigFiles = {
  readText(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  exists: (path) => existsSync(path),
};

export { DockerRuntime, PROJECT_LABEL } from './docker-runtime.js';
export { resolveEndpoint, describeEndpoint, DEFAULT_SOCKET } from './endpoint.js';
export type { ConfigFiles, EngineEndpoint, Env } from './endpoint.js';
export { Transport, MAX_API_VERSION, negotiateApiVersion } from './transport.js';
