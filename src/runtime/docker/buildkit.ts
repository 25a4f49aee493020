/**
 * Builds with BuildKit through the engine's own endpoint (`POST /build?version=2`, the tar context as
 * the body, no session), as Docker Compose builds by default: which builder a run uses and what the
 * endpoint can take. The answer's stream is read by buildkit-trace.ts, loaded only for a build. Pure.
 */
import { BuildContextError } from '../../errors.js';
import type { BuildSpec } from '../runtime.js';
import { buildQuery } from './build.js';
import type { StreamQuery } from './json-stream.js';
import { compareApiVersions } from './transport.js';

export type Builder = 'buildkit' | 'classic';

const TRUE = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

/**
 * BuildKit unless `DOCKER_BUILDKIT` says no, as the docker CLI and Compose read it (Go's boolean
 * spellings); any other value is an error rather than a guess.
 */
export function builderFor(env: Record<string, string | undefined>): Builder {
  const raw = env['DOCKER_BUILDKIT'];
  if (raw === undefined || raw === '' || TRUE.has(raw)) return 'buildkit';
  if (FALSE.has(raw)) return 'classic';
  throw new BuildContextError(`DOCKER_BUILDKIT must be a boolean (1 or 0, true or false), not "${raw}"`, {
    hint: 'unset it to build with BuildKit, or set DOCKER_BUILDKIT=0 for the classic builder',
  });
}

/** The only `build.network` values the engine's BuildKit takes (its builder refuses any other). */
const BUILDKIT_NETWORKS = new Set(['default', 'host', 'none']);

/**
 * What this endpoint cannot do with BuildKit, said before anything is sent: a named network (the
 * classic builder can join one).
 */
export function checkBuildkitSpec(spec: BuildSpec): void {
  const who = spec.service ?? spec.tags[0] ?? spec.context;
  if (spec.network !== undefined && !BUILDKIT_NETWORKS.has(spec.network)) {
    throw new BuildContextError(
      `service "${who}": build.network "${spec.network}" cannot be used by BuildKit, which builds only on the default, host or none network`,
      { hint: 'set DOCKER_BUILDKIT=0 to build this service with the classic builder, which can join a named network' },
    );
  }
}

/** The classic query plus `version=2`; the classic builder's container clean-up flags mean nothing here. */
export function buildkitQuery(spec: BuildSpec, dockerfile: string): StreamQuery {
  const q = buildQuery(spec, dockerfile);
  delete q.rm;
  delete q.forcerm;
  if (spec.network === 'default') delete q.networkmode;
  return { ...q, version: '2' };
}

/**
 * Build keys this engine's BuildKit takes in the query and then does not apply, said as warnings: the
 * BuildKit of Docker Engine 20.10 (API 1.41) gives a RUN step a 64 MiB /dev/shm whatever `shm_size`
 * asks; its builder passes `shm-size` on from API 1.42 (Docker Engine 23).
 */
export function buildkitWarnings(spec: BuildSpec, apiVersion: string): string[] {
  const out: string[] = [];
  if (spec.shmSize !== undefined && compareApiVersions(apiVersion, '1.42') < 0)
    out.push(
      `build.shm_size is not applied by the BuildKit of this engine (API ${apiVersion}); DOCKER_BUILDKIT=0 builds with the classic builder, which applies it`,
    );
  return out;
}
