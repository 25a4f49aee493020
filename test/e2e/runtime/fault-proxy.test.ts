/**
 * The fault-injecting proxy the reliability tests stand on: it must pass the engine through unchanged,
 * count what it saw, and inject exactly the fault asked for, at exactly the step asked for.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { berth, containerIds, purgeProject } from '../../helpers/cli.js';
import { FaultProxy } from '../../helpers/fault-proxy.js';

const project = `e2e-proxy-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'berth-proxy-'));
writeFileSync(
  join(dir, 'compose.yaml'),
  'services:\n  app:\n    image: berth-local/busybox\n    init: true\n    command: sleep 300\n',
);
let proxy: FaultProxy | undefined;
const run = (...args: string[]) =>
  berth(['-p', project, ...args], { cwd: dir, env: { DOCKER_HOST: proxy!.dockerHost } });

afterAll(async () => {
  await proxy?.close();
  await purgeProject(project);
});

describe('fault proxy', () => {
  it('forwards every request and counts them by method and path', async () => {
    proxy = await FaultProxy.start();
    expect((await run('up', '-d')).exitCode).toBe(0);
    expect(proxy.count('POST', /^\/containers\/create$/)).toBe(1);
    expect(proxy.count('POST', /^\/containers\/[^/]+\/start$/)).toBe(1);
    expect(Object.keys(await containerIds(project))).toEqual([`${project}-app-1`]);
  });

  it('answers a matching request with the canned status and body, once', async () => {
    proxy!.fail({
      method: 'POST',
      path: /^\/containers\/[^/]+\/stop$/,
      respond: { status: 500, body: { message: 'injected stop failure' } },
      times: 1,
    });
    const failed = await run('stop');
    expect(failed.exitCode).not.toBe(0);
    expect(failed.stderr).toContain('injected stop failure');
    expect(proxy!.injected).toBe(1);
    expect((await run('stop')).exitCode).toBe(0);
  });

  it('drops the connection after the engine did the work: the engine has it, the client does not know', async () => {
    proxy!.fail({ method: 'POST', path: /^\/containers\/[^/]+\/start$/, drop: 'after', times: 1 });
    const dropped = await run('start');
    expect(dropped.exitCode).not.toBe(0);
    const state = await berth(['-p', project, 'ps', '--format', 'json'], { cwd: dir });
    expect(state.stdout).toContain('running');
  });
});
