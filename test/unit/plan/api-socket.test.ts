/**
 * `use_api_socket: true` as Compose gives it: the engine's socket bound at /var/run/docker.sock, the
 * registry logins in /run/secrets/docker/config.json, DOCKER_CONFIG pointing there unless the service
 * sets it. The logins go into that file and nowhere else: not the labels, not the hash.
 */
import { describe, expect, it } from 'vitest';
import { planUpFor } from '../../../src/apply/ops.js';
import type { Plan } from '../../../src/plan/index.js';
import type { ContainerSpec } from '../../../src/runtime/runtime.js';
import { containerCreateBody } from '../../../src/runtime/docker/to-engine.js';
import { FakeRuntime } from '../../helpers/fake-runtime.js';
import { load } from '../config/helpers.js';

const LOGINS = '{\n\t"auths": {\n\t\t"registry.example:5000": {\n\t\t\t"auth": "dTpwLXNlY3JldC05MQ=="\n\t\t}\n\t}\n}';

function stack(extra: string[] = []): string {
  return [
    'services:',
    '  tool:',
    '    image: docker:cli',
    '    use_api_socket: true',
    ...extra,
    '  other:',
    '    image: x',
    '',
  ].join('\n');
}

function specOf(plan: Plan, service: string): ContainerSpec {
  const action = plan.actions.find((a) => a.kind === 'create-container' && a.service === service);
  if (action?.kind !== 'create-container') throw new Error(`no create for ${service}`);
  return action.spec;
}

async function planned(text: string, socketPath = '/run/user/1000/docker.sock'): Promise<Plan> {
  const { project } = await load({ 'compose.yaml': text });
  const rt = new FakeRuntime({});
  rt.apiSocketHandoff = { socketPath, dockerConfig: LOGINS };
  return planUpFor(project, rt, { berthVersion: 't' });
}

describe('use_api_socket', () => {
  it("binds the engine's socket and writes the logins where DOCKER_CONFIG points", async () => {
    const spec = specOf(await planned(stack()), 'tool');
    expect(spec.mounts).toContainEqual(
      expect.objectContaining({ type: 'bind', source: '/run/user/1000/docker.sock', target: '/var/run/docker.sock' }),
    );
    expect(spec.env).toContain('DOCKER_CONFIG=/run/secrets/docker');
    expect(spec.files).toEqual([
      { target: '/run/secrets/docker/config.json', content: LOGINS, mode: 0o444, uid: 0, gid: 0 },
    ]);
    const body = containerCreateBody(spec, '1.41');
    expect(JSON.stringify(body.HostConfig)).toContain('/var/run/docker.sock');
  });

  it('leaves a DOCKER_CONFIG the service sets, and the services that do not ask, alone', async () => {
    const plan = await planned(stack(['    environment:', '      DOCKER_CONFIG: /cfg']));
    expect(specOf(plan, 'tool').env).toEqual(['DOCKER_CONFIG=/cfg']);
    const other = specOf(plan, 'other');
    expect(other.mounts).toEqual([]);
    expect(other.files).toBeUndefined();
  });

  it('never puts the logins in a label; the hash follows the socket, not the logins', async () => {
    const spec = specOf(await planned(stack()), 'tool');
    expect(JSON.stringify(spec.labels)).not.toContain('p-secret');
    expect(JSON.stringify(spec.labels)).not.toContain('dTpwLXNlY3JldC05MQ');
    const again = specOf(await planned(stack()), 'tool');
    expect(again.labels['com.docker.compose.config-hash']).toBe(spec.labels['com.docker.compose.config-hash']);
    const elsewhere = specOf(await planned(stack(), '/var/run/docker.sock'), 'tool');
    expect(elsewhere.labels['com.docker.compose.config-hash']).not.toBe(spec.labels['com.docker.compose.config-hash']);
  });
});
