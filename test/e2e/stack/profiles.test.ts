/**
 * Profiles as a Compose user meets them: `up` leaves a profiled service out; naming it (`up tool`,
 * `run tool`) activates its profile, with the other services of that profile it depends on.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { berth, containerStates, purgeProject } from '../../helpers/cli.js';

const project = `e2e-profiles-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'berth-profiles-'));
const run = (...args: string[]) => berth(['-p', project, ...args], { cwd: dir });

afterAll(async () => {
  await purgeProject(project);
});

writeFileSync(
  join(dir, 'compose.yaml'),
  `services:
  web:
    image: berth-local/busybox
    init: true
    command: ["sleep", "300"]
  tool:
    image: berth-local/busybox
    init: true
    command: ["sleep", "300"]
    profiles: [debug]
    depends_on: [helper]
  helper:
    image: berth-local/busybox
    init: true
    command: ["sleep", "300"]
    profiles: [debug]
`,
);

describe('profiles', () => {
  it('up leaves profiled services out; up tool and run tool activate its profile', async () => {
    expect((await run('up', '-d')).exitCode).toBe(0);
    expect(Object.keys(await containerStates(project)).sort()).toEqual([`${project}-web-1`]);
    const one = await run('run', '--rm', '--no-deps', 'tool', 'echo', 'from-tool');
    expect(one.exitCode, one.stderr).toBe(0);
    expect(one.stdout).toContain('from-tool');
    const up = await run('up', '-d', 'tool');
    expect(up.exitCode, up.stderr).toBe(0);
    expect(await containerStates(project)).toMatchObject({
      [`${project}-tool-1`]: 'running',
      [`${project}-helper-1`]: 'running',
    });
  });
});
