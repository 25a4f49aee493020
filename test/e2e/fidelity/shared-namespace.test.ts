/**
 * `network_mode: service:vpn` on the real engine: the sharer joins the vpn container by id, so when an
 * up recreates vpn, the sharer is recreated too and joins the new one (docker inspect shows it), and it
 * still reaches what vpn serves on localhost.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { berth, docker, purgeProject } from '../../helpers/cli.js';

const project = `e2e-sharedns-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'berth-sharedns-'));
const run = (...args: string[]) => berth(['-p', project, ...args], { cwd: dir });

afterAll(async () => {
  await purgeProject(project);
});

const write = (tag: string) =>
  writeFileSync(
    join(dir, 'compose.yaml'),
    `services:
  vpn:
    image: berth-local/busybox
    init: true
    environment:
      TAG: ${tag}
    command: ["sh", "-c", "mkdir -p /www && echo $$TAG > /www/index.html && httpd -f -p 127.0.0.1:8080 -h /www"]
  app:
    image: berth-local/busybox
    init: true
    network_mode: service:vpn
    command: ["sleep", "300"]
`,
  );

const inspect = async (name: string, format: string) =>
  (await docker(['inspect', '-f', format, `${project}-${name}-1`])).stdout.trim();

describe('network_mode: service:x', () => {
  it('recreating the shared container recreates the sharer, which joins the new one', async () => {
    write('one');
    expect((await run('up', '-d')).exitCode).toBe(0);
    const appBefore = await inspect('app', '{{.Id}}');
    write('two');
    const plan = await run('plan');
    expect(plan.stdout).toContain(`${project}-app-1: create: network_mode: service:vpn recreated`);
    const up = await run('up', '-d');
    expect(up.exitCode, up.stderr).toBe(0);
    const vpn = await inspect('vpn', '{{.Id}}');
    expect(await inspect('app', '{{.Id}}')).not.toBe(appBefore);
    expect(await inspect('app', '{{.HostConfig.NetworkMode}}')).toBe(`container:${vpn}`);
    const fetched = await docker(['exec', `${project}-app-1`, 'wget', '-qO-', 'http://127.0.0.1:8080/']);
    expect(fetched.stdout.trim()).toBe('two');
  });
});
