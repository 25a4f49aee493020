/**
 * `--with-registry-auth` on the wire: a service create, update and digest lookup carry X-Registry-Auth
 * with the login the Docker config holds for the image's registry, encoded as the engine reads it, and
 * nothing without the option (an update then leaves the credentials the swarm keeps in place). The
 * requests are captured before they would reach an engine; the e2e test proves a worker pulls with them.
 */
import { describe, expect, it } from 'vitest';
import { CredentialStore } from '../../../src/runtime/docker/auth.js';
import { DockerSwarm } from '../../../src/runtime/docker/swarm.js';
import type { EngineRequest, Transport } from '../../../src/runtime/docker/transport.js';
import type { SwarmServiceSpec } from '../../../src/runtime/runtime.js';

const config = { auths: { 'reg.example:5001': { auth: Buffer.from('deployer:s3cret').toString('base64') } } };

function swarmCapturing(): { swarm: DockerSwarm; sent: EngineRequest[] } {
  const sent: EngineRequest[] = [];
  const transport = {
    where: 'unix:///test.sock',
    json: (req: EngineRequest) => {
      sent.push(req);
      return Promise.resolve({ ID: 'svc1', Warnings: null, Descriptor: { digest: 'sha256:abc' } });
    },
  } as unknown as Transport;
  const credentials = new CredentialStore({
    env: { DOCKER_CONFIG: '/cfg' },
    readText: (path) => (path === '/cfg/config.json' ? JSON.stringify(config) : undefined),
    runHelper: () => Promise.reject(new Error('no helper here')),
  });
  return { swarm: new DockerSwarm(transport, credentials), sent };
}

function decoded(req: EngineRequest | undefined): unknown {
  const header = req?.headers?.['X-Registry-Auth'];
  return header === undefined ? undefined : JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
}

const spec = (image: string): SwarmServiceSpec => ({
  Name: 'shop_app',
  Labels: {},
  TaskTemplate: { ContainerSpec: { Image: image } },
});

describe('registry credentials to the swarm', () => {
  it('sends the login of the image registry on create, update and digest lookup with the option', async () => {
    const { swarm, sent } = swarmCapturing();
    const image = 'reg.example:5001/shop/app:1@sha256:abc';
    await swarm.createService(spec(image), { registryAuth: true });
    await swarm.updateService('svc1', 7, spec(image), { registryAuth: true });
    await swarm.resolveImage('reg.example:5001/shop/app:1', { registryAuth: true });
    const login = { username: 'deployer', password: 's3cret', serveraddress: 'reg.example:5001' };
    expect(sent.map(decoded)).toEqual([login, login, login]);
  });

  it('sends an empty login for a registry the config has none for, as docker does', async () => {
    const { swarm, sent } = swarmCapturing();
    await swarm.createService(spec('other.example/app:1'), { registryAuth: true });
    expect(decoded(sent[0])).toEqual({});
  });

  it('sends no credentials without the option', async () => {
    const { swarm, sent } = swarmCapturing();
    await swarm.createService(spec('reg.example:5001/shop/app:1'));
    await swarm.updateService('svc1', 7, spec('reg.example:5001/shop/app:1'), { registryAuth: false });
    await swarm.resolveImage('reg.example:5001/shop/app:1');
    expect(sent.map((r) => r.headers)).toEqual([{}, {}, {}]);
  });
});
