/**
 * `up` converges: it changes exactly what the stack file changed, says why, waits for health, scales,
 * handles orphans and keeps anonymous volumes.
 */
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { berth, containerIds, docker, purgeProject } from '../../helpers/cli.js';

const projects: string[] = [];
afterAll(async () => {
  for (const p of projects) await purgeProject(p);
});

/** A project folder with a compose.yaml; `write` replaces the file. */
function fixture(name: string) {
  const project = `e2e-${name}-${process.pid}`;
  projects.push(project);
  const dir = mkdtempSync(join(tmpdir(), `berth-${name}-`));
  return {
    project,
    write: (yaml: string) => writeFileSync(join(dir, 'compose.yaml'), yaml),
    run: (...args: string[]) => berth(['-p', project, ...args], { cwd: dir }),
  };
}

const svc = (extra = '') => `    image: berth-local/busybox\n    init: true\n    command: sleep 300\n${extra}`;

describe('converge', () => {
  it('changing one env var recreates exactly that service and restarts its restart:true dependents, and plan names the field', async () => {
    const f = fixture('env');
    const stack = (foo: string) =>
      [
        'services:',
        '  db:',
        svc(`    environment:\n      FOO: "${foo}"\n`),
        '  api:',
        svc('    depends_on:\n      db:\n        condition: service_started\n        restart: true\n'),
        '  other:',
        svc(),
      ].join('\n');
    f.write(stack('one'));
    expect((await f.run('up', '-d')).exitCode).toBe(0);
    const before = await containerIds(f.project);

    f.write(stack('two'));
    const plan = await f.run('plan');
    expect(plan.exitCode).toBe(2);
    expect(plan.stdout).toContain(`${f.project}-db-1: create: environment.FOO changed`);
    expect(plan.stdout).toContain(`${f.project}-api-1: restart: dependency db recreated`);
    expect(plan.stdout).toContain(`${f.project}-other-1: keep: up to date (running)`);

    const startedAt = () =>
      docker(['inspect', '-f', '{{.State.StartedAt}}', `${f.project}-api-1`]).then((r) => r.stdout);
    const apiStarted = await startedAt();
    expect((await f.run('up', '-d')).exitCode).toBe(0);
    const after = await containerIds(f.project);
    expect(after[`${f.project}-other-1`]).toBe(before[`${f.project}-other-1`]);
    expect(after[`${f.project}-db-1`]).not.toBe(before[`${f.project}-db-1`]);
    expect(after[`${f.project}-api-1`]).toBe(before[`${f.project}-api-1`]);
    expect(await startedAt()).not.toBe(apiStarted); // restarted around db's recreate
    const env = await docker(['inspect', '-f', '{{json .Config.Env}}', `${f.project}-db-1`]);
    expect(env.stdout).toContain('FOO=two');
    expect((await f.run('plan')).exitCode).toBe(0);
  });

  it('waits for a service_healthy dependency, and fails with the healthcheck output of one that never is', async () => {
    const f = fixture('health');
    const stack = (check: string) =>
      [
        'services:',
        '  db:',
        svc(`    healthcheck:\n      test: ["CMD-SHELL", "${check}"]\n      interval: 1s\n      retries: 2\n`),
        '  web:',
        svc('    depends_on:\n      db:\n        condition: service_healthy\n'),
      ].join('\n');
    f.write(stack('true'));
    const ok = await f.run('up', '-d');
    expect(ok.exitCode).toBe(0);
    expect(ok.stderr).toMatch(/web\s+Healthy\s+db/);
    const health = await docker(['inspect', '-f', '{{.State.Health.Status}}', `${f.project}-db-1`]);
    expect(health.stdout).toBe('healthy');

    await f.run('down');
    f.write(stack('echo database not ready; exit 1'));
    const bad = await f.run('up', '-d');
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain('is unhealthy');
    expect(bad.stderr).toContain('database not ready');
    expect(Object.keys(await containerIds(f.project))).toEqual([`${f.project}-db-1`]);
  });

  it('--scale web=3 then --scale web=1 keeps web-1', async () => {
    const f = fixture('scale');
    f.write(['services:', '  web:', svc()].join('\n'));
    expect((await f.run('up', '-d', '--scale', 'web=3')).exitCode).toBe(0);
    const three = await containerIds(f.project);
    expect(Object.keys(three).sort()).toEqual([1, 2, 3].map((n) => `${f.project}-web-${n}`));
    expect((await f.run('up', '-d', '--scale', 'web=1')).exitCode).toBe(0);
    const one = await containerIds(f.project);
    expect(one).toEqual({ [`${f.project}-web-1`]: three[`${f.project}-web-1`] });
  });

  it('warns about orphans, then removes them with --remove-orphans', async () => {
    const f = fixture('orphan');
    f.write(['services:', '  a:', svc(), '  b:', svc()].join('\n'));
    expect((await f.run('up', '-d')).exitCode).toBe(0);
    f.write(['services:', '  a:', svc()].join('\n'));
    const warned = await f.run('up', '-d');
    expect(warned.exitCode).toBe(0);
    expect(warned.stderr).toContain(`found orphan containers (${f.project}-b-1)`);
    expect(Object.keys(await containerIds(f.project)).sort()).toEqual([`${f.project}-a-1`, `${f.project}-b-1`]);
    expect((await f.run('up', '-d', '--remove-orphans')).exitCode).toBe(0);
    expect(Object.keys(await containerIds(f.project))).toEqual([`${f.project}-a-1`]);
  });

  it("an anonymous volume's data survives a recreate", async () => {
    const f = fixture('anon');
    const stack = (tag: string) =>
      ['services:', '  app:', svc(`    environment:\n      TAG: ${tag}\n    volumes:\n      - /cache\n`)].join('\n');
    f.write(stack('a'));
    expect((await f.run('up', '-d')).exitCode).toBe(0);
    expect((await docker(['exec', `${f.project}-app-1`, 'sh', '-c', 'echo precious > /cache/data'])).exitCode).toBe(0);
    const before = await containerIds(f.project);
    f.write(stack('b'));
    expect((await f.run('up', '-d')).exitCode).toBe(0);
    const after = await containerIds(f.project);
    expect(after[`${f.project}-app-1`]).not.toBe(before[`${f.project}-app-1`]);
    expect((await docker(['exec', `${f.project}-app-1`, 'cat', '/cache/data'])).stdout).toBe('precious');
    const volume = (await docker(['inspect', '-f', '{{range .Mounts}}{{.Name}}{{end}}', `${f.project}-app-1`])).stdout;
    expect((await f.run('down', '-v')).exitCode).toBe(0);
    expect((await docker(['volume', 'inspect', volume])).exitCode).not.toBe(0); // down -v removes anonymous volumes too
  });
});

describe('races and conflicts', () => {
  it('two ups at once end with one container per service and one default network', async () => {
    const f = fixture('twice');
    f.write(['services:', '  a:', svc(), '  b:', svc(), '  c:', svc()].join('\n'));
    const [x, y] = await Promise.all([f.run('up', '-d'), f.run('up', '-d')]);
    expect([x.exitCode, y.exitCode]).toEqual([0, 0]);
    expect(Object.keys(await containerIds(f.project)).sort()).toEqual(
      ['a', 'b', 'c'].map((s) => `${f.project}-${s}-1`),
    );
    const nets = await docker(['network', 'ls', '-q', '--filter', `name=^${f.project}_default$`]);
    expect(nets.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    expect((await f.run('plan')).exitCode).toBe(0);
  });

  it('a port already in use is a clear error and leaves no half-made container', async () => {
    const f = fixture('port');
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    try {
      f.write(['services:', '  web:', svc(`    ports: ["127.0.0.1:${port}:80"]\n`), '  other:', svc()].join('\n'));
      const r = await f.run('up', '-d');
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/address already in use|port is already allocated/);
      expect(Object.keys(await containerIds(f.project))).not.toContain(`${f.project}-web-1`);
    } finally {
      server.close();
    }
  });

  it('up --wait returns once services are healthy; --wait-timeout gives up on one that is not', async () => {
    const f = fixture('wait');
    const stack = (check: string) =>
      [
        'services:',
        '  app:',
        svc(`    healthcheck:\n      test: ["CMD-SHELL", "${check}"]\n      interval: 1s\n      retries: 60\n`),
      ].join('\n');
    f.write(stack('test -f /tmp/ready || touch /tmp/ready; test -f /tmp/ready'));
    const ok = await f.run('up', '--wait');
    expect(ok.exitCode).toBe(0);
    expect((await docker(['inspect', '-f', '{{.State.Health.Status}}', `${f.project}-app-1`])).stdout).toBe('healthy');
    f.write(stack('false'));
    const late = await f.run('up', '--wait', '--wait-timeout', '3');
    expect(late.exitCode).toBe(1);
    expect(late.stderr).toContain('not ready after 3s');
  });
});
