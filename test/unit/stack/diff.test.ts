/**
 * The field-by-field comparison: a spec `docker stack deploy` (docker CLI 28) wrote, as the engine
 * reports it back, equals berth's translation of the same file; each changed field is named in the
 * file's words.
 */
import { describe, expect, it } from 'vitest';
import type { SwarmServiceSpec } from '../../../src/runtime/runtime.js';
import { serviceChanges } from '../../../src/stack/diff.js';
import { serviceSpec } from '../../../src/stack/translate.js';
import { project } from '../../helpers/project.js';

/** `GET /services/dk_web` after `docker stack deploy` of the file below, as the engine answered (ids shortened). */
const dockerMade: SwarmServiceSpec = {
  Name: 'dk_web',
  Labels: { 'com.docker.stack.image': 'berth-local/busybox:latest', 'com.docker.stack.namespace': 'dk' },
  TaskTemplate: {
    ContainerSpec: {
      Image: 'berth-local/busybox:latest',
      Labels: { 'com.docker.stack.namespace': 'dk' },
      Args: ['httpd', '-f', '-p', '8080'],
      Env: ['FOO=1'],
      Privileges: { CredentialSpec: null, SELinuxContext: null, NoNewPrivileges: false },
      StopGracePeriod: 10000000000,
      DNSConfig: {},
      Isolation: 'default',
    },
    Resources: {},
    RestartPolicy: { Condition: 'any', Delay: 5000000000, MaxAttempts: 0 },
    Placement: { Constraints: ['node.role == worker'] },
    Networks: [{ Target: 'kqxxknf4ky8r', Aliases: ['web'] }],
    ForceUpdate: 0,
    Runtime: 'container',
  },
  Mode: { Replicated: { Replicas: 1 } },
  UpdateConfig: {
    Parallelism: 1,
    FailureAction: 'pause',
    Monitor: 5000000000,
    MaxFailureRatio: 0,
    Order: 'stop-first',
  },
  RollbackConfig: {
    Parallelism: 1,
    FailureAction: 'pause',
    Monitor: 5000000000,
    MaxFailureRatio: 0,
    Order: 'stop-first',
  },
  EndpointSpec: { Mode: 'dnsrr' },
};

const ctx = { networkName: (id: string) => (id === 'kqxxknf4ky8r' ? 'dk_default' : id) };

function berthSpec(extra: Parameters<typeof project>[1][string] = {}): SwarmServiceSpec {
  const p = project('dk', {
    web: {
      image: 'berth-local/busybox:latest',
      command: ['httpd', '-f', '-p', '8080'],
      environment: { FOO: '1' },
      deploy: { endpoint_mode: 'dnsrr', placement: { constraints: ['node.role == worker'] } },
      ...extra,
    },
  });
  return serviceSpec(p, 'dk', p.services.web!);
}

describe('comparing service specs', () => {
  it('a spec docker stack deploy made equals berth’s for the same file', () => {
    expect(serviceChanges(berthSpec(), dockerMade, ctx)).toEqual([]);
  });

  it('names each changed field in the file’s words', () => {
    const changed = berthSpec({
      image: 'app:2',
      environment: { FOO: '2', NEW: 'x' },
      command: ['httpd'],
      stop_grace_period: '3s',
      labels: { tier: 'front' },
      deploy: { endpoint_mode: 'vip', replicas: 3, update_config: { parallelism: 2 }, placement: {} },
      ports: [{ mode: 'host', target: 80, published: '8080', protocol: 'tcp' }],
      networks: { other: null },
    });
    expect(serviceChanges(changed, dockerMade, ctx)).toEqual([
      'image berth-local/busybox:latest→app:2',
      'environment.FOO changed',
      'environment.NEW added',
      'command changed',
      'labels.tier added',
      'stop_grace_period changed',
      'deploy.placement changed',
      'networks changed',
      'deploy.replicas 1→3',
      'deploy.update_config changed',
      'deploy.endpoint_mode changed',
      'ports changed',
    ]);
  });
});
