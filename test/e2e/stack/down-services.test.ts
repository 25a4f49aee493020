/**
 * `down SERVICE`, as Compose does it: only that service's containers go (not its dependencies); the
 * network and the volumes the other services still use stay, with their data; a later `down -v` of the
 * rest removes them.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { berth, containerStates, docker, purgeProject } from '../../helpers/cli.js';

const project = `e2e-downsvc-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'berth-downsvc-'));
const run = (...args: string[]) => berth(['-p', project, ...args], { cwd: dir });

afterAll(async () => {
  await purgeProject(project);
});

writeFileSync(
  join(dir, 'compose.yaml'),
  `services:
  db:
    image: berth-local/busybox
    init: true
    command: ["sh", "-c", "echo kept > /data/mark; sleep 300"]
    volumes: [data:/data]
  web:
    image: berth-local/busybox
    init: true
    command: ["sleep", "300"]
    depends_on: [db]
volumes:
  data: {}
`,
);

describe('down SERVICE', () => {
  it("removes only that service's containers; what the others use stays", async () => {
    expect((await run('up', '-d')).exitCode).toBe(0);
    const one = await run('down', '-v', 'web');
    expect(one.exitCode, one.stderr).toBe(0);
    expect(await containerStates(project)).toEqual({ [`${project}-db-1`]: 'running' });
    expect((await docker(['network', 'inspect', `${project}_default`])).exitCode).toBe(0);
    expect((await docker(['exec', `${project}-db-1`, 'cat', '/data/mark'])).stdout.trim()).toBe('kept');
    const unknown = await run('down', 'nope');
    expect(unknown.exitCode).not.toBe(0);
    expect(unknown.stderr).toContain('no such service: nope');
    const rest = await run('down', '-v', 'db');
    expect(rest.exitCode, rest.stderr).toBe(0);
    expect(await containerStates(project)).toEqual({});
    expect((await docker(['network', 'inspect', `${project}_default`])).exitCode).not.toBe(0);
    expect((await docker(['volume', 'inspect', `${project}_data`])).exitCode).not.toBe(0);
  });
});
