/**
 * Keys that reach no container are named, never dropped in silence: one warning per key and service,
 * at the file:line that writes it; a key the engine's API is too old for, only on such an engine.
 */
import { describe, expect, it } from 'vitest';
import { warningsForEngine } from '../../../src/config/engine-keys.js';
import { load } from './helpers.js';

/** The warnings of a load, with the stack dir left out of the paths. */
async function warningsOf(yaml: string): Promise<{ warnings: string[]; gated: { minApi: string; message: string }[] }> {
  const r = await load({ 'compose.yaml': yaml });
  const strip = (w: string): string => w.replace(`${r.dir}/`, '');
  return {
    warnings: r.warnings.map(strip),
    gated: (r.engineGated ?? []).map((g) => ({ ...g, message: strip(g.message) })),
  };
}

describe('keys that only Docker Swarm uses', () => {
  it('each is named with its service and file:line:column, once', async () => {
    const { warnings } = await warningsOf(
      [
        'services:',
        '  web:',
        '    image: x',
        '    deploy:',
        '      mode: global',
        '      endpoint_mode: dnsrr',
        '      labels: {a: b}',
        '      placement:',
        '        constraints: [node.role == manager]',
        '      update_config: {parallelism: 2}',
        '      rollback_config: {parallelism: 1}',
        '      restart_policy: {condition: on-failure, delay: 5s, window: 1m}',
        '      resources:',
        "        reservations: {cpus: '0.5', memory: 8m}",
        '  db:',
        '    image: x',
        '    deploy:',
        '      mode: replicated',
        '      placement: {max_replicas_per_node: 1}',
        '',
      ].join('\n'),
    );
    const swarm = 'not sent to the engine: only Docker Swarm uses it';
    expect(warnings).toEqual([
      `compose.yaml:5:7: services.web.deploy.mode: ${swarm} (berth runs the service's replicas, as for "replicated")`,
      `compose.yaml:6:7: services.web.deploy.endpoint_mode: ${swarm}`,
      `compose.yaml:7:7: services.web.deploy.labels: ${swarm}: it labels the Swarm service; "labels" labels the container`,
      `compose.yaml:8:7: services.web.deploy.placement: ${swarm}`,
      `compose.yaml:10:7: services.web.deploy.update_config: ${swarm}`,
      `compose.yaml:11:7: services.web.deploy.rollback_config: ${swarm}`,
      'compose.yaml:14:24: services.web.deploy.resources.reservations.cpus: not sent to the engine: only the Docker Swarm scheduler uses it; a container has no CPU reservation ("cpu_shares" weighs CPU time)',
      `compose.yaml:12:47: services.web.deploy.restart_policy.delay: ${swarm}; the engine restarts a container with its own back-off`,
      `compose.yaml:12:58: services.web.deploy.restart_policy.window: ${swarm}`,
      `compose.yaml:19:7: services.db.deploy.placement: ${swarm}`,
    ]);
  });

  it('a stack whose keys all reach the engine gets no warning', async () => {
    const { warnings, gated } = await warningsOf(
      "services:\n  web:\n    image: x\n    deploy:\n      replicas: 2\n      resources:\n        limits: {cpus: '1'}\n",
    );
    expect(warnings).toEqual([]);
    expect(gated).toEqual([]);
  });

  it('a service disabled by its profile is not warned about', async () => {
    const { warnings } = await warningsOf(
      'services:\n  web:\n    image: x\n    profiles: [debug]\n    deploy:\n      placement: {constraints: [a]}\n',
    );
    expect(warnings).toEqual([]);
  });
});

describe('keys an older engine cannot take', () => {
  it('annotations: a warning that holds below API 1.43, naming the engine version', async () => {
    const { gated } = await warningsOf('services:\n  web:\n    image: x\n    annotations:\n      com.example.a: b\n');
    expect(gated).toEqual([
      {
        minApi: '1.43',
        message:
          'compose.yaml:4:5: services.web.annotations: not sent to the engine: it needs Engine API 1.43 (Docker Engine 24) or later',
      },
    ]);
    expect(warningsForEngine(gated, '1.41')).toEqual([`${gated[0]!.message}; this engine speaks API 1.41`]);
    expect(warningsForEngine(gated, '1.43')).toEqual([]);
    expect(warningsForEngine(gated, '1.45')).toEqual([]);
  });
});
