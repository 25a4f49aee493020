/**
 * The images a swarm's nodes could not pull: refused without `--push` (each service at its place), or
 * the work `--push` does, and the digest the deploy pins once an image is pushed. Pure: the places are
 * literals as the loader gives them, the manager's images a map.
 */
import { describe, expect, it } from 'vitest';
import type { SwarmImagePlace } from '../../../src/config/swarm-keys.js';
import type { SwarmLocalImage } from '../../../src/runtime/runtime.js';
import { imageWork, pinnedFrom, refuseBuilt, refuseLocalOnly } from '../../../src/stack/images.js';
import { StackPlanError } from '../../../src/stack/plan.js';

const at = (line: number) => ({ file: 'compose.yaml', line, column: 5 });

const built: SwarmImagePlace = {
  service: 'api',
  image: 'reg:5000/api:1',
  imagePos: at(3),
  build: true,
  buildPos: at(4),
};
const local: SwarmImagePlace = { service: 'tool', image: 'tool:dev', imagePos: at(8), build: false };
const pulled: SwarmImagePlace = { service: 'web', image: 'nginx:1', imagePos: at(12), build: false };

const manager = new Map<string, SwarmLocalImage | undefined>([
  ['tool:dev', { id: 'sha256:aa', repoDigests: [] }],
  ['nginx:1', { id: 'sha256:bb', repoDigests: ['nginx@sha256:1111'] }],
]);

function thrown(fn: () => void): StackPlanError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StackPlanError);
    return err as StackPlanError;
  }
  throw new Error('expected a StackPlanError');
}

describe('without --push', () => {
  it('refuses a service with build:, at its build: key, with the way out', () => {
    const err = thrown(() => refuseBuilt([built, pulled]));
    expect(err.message).toBe(
      "compose.yaml:4:5: services.api.build: the image reg:5000/api:1 is built from the stack file, and the swarm's nodes can only pull images from a registry",
    );
    expect(err.hint).toMatch(/^deploy with --push to build and push it/);
  });

  it('names every such service at once', () => {
    const err = thrown(() => refuseBuilt([built, { ...built, service: 'worker', buildPos: at(20) }]));
    expect(err.message).toBe("2 services use images the swarm's nodes cannot pull");
    expect(err.detail).toBe(
      [
        "  compose.yaml:4:5: services.api.build: the image reg:5000/api:1 is built from the stack file, and the swarm's nodes can only pull images from a registry",
        "  compose.yaml:20:5: services.worker.build: the image reg:5000/api:1 is built from the stack file, and the swarm's nodes can only pull images from a registry",
      ].join('\n'),
    );
  });

  it('lets a stack without build: through', () => {
    expect(() => refuseBuilt([pulled, local])).not.toThrow();
  });

  it('refuses an image no registry answered for that the manager holds with no registry digest, at its image:', () => {
    const err = thrown(() => refuseLocalOnly([built, local, pulled], ['tool:dev', 'nginx:1'], manager));
    expect(err.message).toBe(
      'compose.yaml:8:5: services.tool.image: the image tool:dev exists only on the manager (built or loaded there, never pushed to a registry): the other nodes cannot pull it',
    );
    expect(err.hint).toContain('--push');
    expect(err.hint).toContain('--resolve-image never');
  });

  it('lets through an image the manager pulled from a registry, one it does not have, and one a registry answered for', () => {
    const unknown: SwarmImagePlace = { service: 'x', image: 'gone:1', build: false };
    expect(() => refuseLocalOnly([pulled, unknown, local], ['nginx:1', 'gone:1'], manager)).not.toThrow();
  });
});

describe('with --push', () => {
  it('builds the services with build:, and pushes their images and those only the manager holds', () => {
    const again: SwarmImagePlace = { ...built, service: 'api-worker' };
    expect(imageWork([pulled, local, built, again], manager)).toEqual({
      build: ['api', 'api-worker'],
      push: ['reg:5000/api:1', 'tool:dev'],
    });
    expect(imageWork([pulled], manager)).toEqual({ build: [], push: [] });
  });

  it('pins a pushed image to the digest of its own repository, keeping the tag as docker does', () => {
    const digests = ['reg:5000/other@sha256:aaaa', 'reg:5000/api@sha256:bbbb'];
    expect(pinnedFrom('reg:5000/api:1', digests)).toBe('reg:5000/api:1@sha256:bbbb');
    expect(pinnedFrom('reg:5000/api', digests)).toBe('reg:5000/api@sha256:bbbb');
    expect(pinnedFrom('docker.io/library/tool:dev', ['tool@sha256:cccc'])).toBe(
      'docker.io/library/tool:dev@sha256:cccc',
    );
    expect(pinnedFrom('reg:5000/api:1', ['reg:5000/other@sha256:aaaa'])).toBeUndefined();
  });
});
