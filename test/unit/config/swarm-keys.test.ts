/**
 * `stack deploy` loads the stack for Swarm: each key Swarm ignores or honours differently is a warning
 * at its file:line:column, a key that would make the deploy wrong an error before anything is created,
 * and the engine's own "only Docker Swarm uses it" warnings are gone.
 */
import { describe, expect, it } from 'vitest';
import { load, loadBrief } from './helpers.js';

async function swarmWarnings(yaml: string): Promise<string[]> {
  const r = await load({ 'compose.yaml': yaml }, { target: 'swarm' });
  return r.warnings.map((w) => w.replace(`${r.dir}/`, ''));
}

describe('the swarm translation report', () => {
  it('names each key Swarm ignores or honours differently, where the file writes it', async () => {
    const warnings = await swarmWarnings(
      [
        'services:',
        '  web:',
        '    image: x',
        '    build: .',
        '    container_name: w',
        '    privileged: true',
        '    restart: always',
        '    depends_on: [db]',
        '    ports: ["8080:80", {target: 81, published: 8081, mode: host}]',
        '    deploy:',
        '      placement: {constraints: [node.role == worker]}',
        '  db:',
        '    image: x',
        '    mem_limit: 64m',
      ].join('\n'),
    );
    expect(warnings).toEqual([
      'compose.yaml:5:5: services.web.container_name: Swarm ignores it: Swarm names each task <stack>_<service>.<slot>.<id>',
      'compose.yaml:8:5: services.web.depends_on: Swarm ignores it: Swarm starts every service at once and restarts tasks until they run',
      'compose.yaml:6:5: services.web.privileged: Swarm ignores it: a swarm service cannot run privileged',
      'compose.yaml:7:5: services.web.restart: honoured as deploy.restart_policy (Swarm replaces a stopped task by a new one)',
      'compose.yaml:9:13: services.web.ports[0]: published on the routing mesh (mode: ingress): every node listens on it; `mode: host` publishes it only where a task runs',
      'compose.yaml:14:5: services.db.mem_limit: Swarm ignores it: a swarm service takes its limits from deploy.resources',
    ]);
  });

  it('refuses a service without an image and a port range, before anything is created', async () => {
    const issues = await loadBrief(
      {
        'compose.yaml': [
          'services:',
          '  app:',
          '    build: .',
          '  web:',
          '    image: x',
          '    ports: ["8000-8001:80"]',
        ].join('\n'),
      },
      { target: 'swarm' },
    );
    expect(issues).toEqual([
      'compose.yaml:3:5: services.app.build: a swarm service needs an image: every node pulls it from a registry (add image: naming a registry every node can reach (registry.example:5000/app:1), and deploy with --push to build and push it)',
      expect.stringMatching(
        /^compose\.yaml:6:\d+: services\.web\.ports\[0\]\.published: Swarm cannot publish a port range$/,
      ),
    ]);
  });

  it('keeps where each service names its image and build, for the checks the deploy makes (a build is no warning)', async () => {
    const r = await load(
      {
        'compose.yaml': [
          'services:',
          '  app:',
          '    build: .',
          '    image: reg:5000/app:1',
          '  web:',
          '    image: web:1',
        ].join('\n'),
      },
      { target: 'swarm' },
    );
    const file = `${r.dir}/compose.yaml`;
    expect(r.swarmImages).toEqual([
      {
        service: 'app',
        image: 'reg:5000/app:1',
        imagePos: { file, line: 4, column: 5 },
        build: true,
        buildPos: { file, line: 3, column: 5 },
      },
      { service: 'web', image: 'web:1', imagePos: { file, line: 6, column: 5 }, build: false },
    ]);
    expect(r.warnings).toEqual([]);
    expect((await load({ 'compose.yaml': 'services:\n  web:\n    image: web:1\n' })).swarmImages).toBeUndefined();
  });
});
