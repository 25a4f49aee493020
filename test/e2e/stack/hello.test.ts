/**
 * The sample stack, end to end, as a user runs it: up, answer through the published port, by-name
 * reachability, ps, idempotent up, down keeping the volume's data, down -v.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, containerIds, docker, freePort, httpGet, purgeProject, ROOT } from '../../helpers/cli.js';
import { eventually } from '../../helpers/eventually.js';

const project = `e2e-hello-${process.pid}`;
const file = `${ROOT}samples/hello/compose.yaml`;
let port: number;
let env: Record<string, string>;
const run = (...args: string[]) => berth(['-f', file, '-p', project, ...args], { env });

beforeAll(async () => {
  port = await freePort();
  env = { HELLO_PORT: String(port) };
  await purgeProject(project);
});
afterAll(() => purgeProject(project));

describe('samples/hello', () => {
  let firstIds: Record<string, string>;

  it('up -d brings the stack up and web answers through the published port', async () => {
    const r = await run('up', '-d');
    expect(r.stderr).not.toContain('error');
    expect(r.exitCode).toBe(0);
    await eventually(async () => {
      const res = await httpGet(`http://127.0.0.1:${port}/`);
      expect(res.status).toBe(200);
      expect(res.body).toBe('hello from berth\n');
    });
  });

  it('the client reaches the server by its service name', async () => {
    await eventually(async () => {
      const res = await httpGet(`http://127.0.0.1:${port}/client.txt`);
      expect(res.body).toBe('hello from berth\n');
    });
  });

  it('ps lists every service running', async () => {
    const r = await run('ps', '--format', 'json');
    expect(r.exitCode).toBe(0);
    const rows = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { Service: string; State: string; Name: string });
    expect(rows.map((x) => [x.Service, x.State, x.Name]).sort()).toEqual([
      ['client', 'running', `${project}-client-1`],
      ['clock', 'running', `${project}-clock-1`],
      ['web', 'running', `${project}-web-1`],
    ]);
    const table = await run('ps');
    expect(table.stdout).toContain(`127.0.0.1:${port}->8080/tcp`);
  });

  it('a second up -d changes nothing, and says so', async () => {
    firstIds = await containerIds(project);
    const r = await run('up', '-d');
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain('nothing changed');
    expect(await containerIds(project)).toEqual(firstIds);
    const plan = await run('plan');
    expect(plan.exitCode).toBe(0);
  });

  it('down removes containers and the network but keeps the named volume and its data', async () => {
    const marker = `kept-${Date.now()}`;
    const w = await docker(['exec', `${project}-web-1`, 'sh', '-c', `echo ${marker} > /www/marker.txt`]);
    expect(w.exitCode).toBe(0);
    const r = await run('down');
    expect(r.exitCode).toBe(0);
    expect(await containerIds(project)).toEqual({});
    expect((await docker(['network', 'ls', '-q', '--filter', `name=^${project}_default$`])).stdout).toBe('');
    expect((await docker(['volume', 'inspect', `${project}_site`])).exitCode).toBe(0);

    const again = await run('up', '-d');
    expect(again.exitCode).toBe(0);
    await eventually(async () => {
      expect((await httpGet(`http://127.0.0.1:${port}/marker.txt`)).body).toBe(`${marker}\n`);
    });
  });

  it('down -v removes the volume too', async () => {
    const r = await run('down', '-v');
    expect(r.exitCode).toBe(0);
    expect((await docker(['volume', 'inspect', `${project}_site`])).exitCode).not.toBe(0);
  });

  it('down on a project that is not up succeeds and says there was nothing to do', async () => {
    const r = await run('down');
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain('nothing to do');
  });
});
