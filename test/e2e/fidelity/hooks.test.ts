/**
 * Lifecycle hooks on the real engine, as a user checks them: a post_start hook's file is in the running
 * container (written as the hook's user, with its environment and working_dir), a pre_stop hook runs
 * before `down` and `stop` stop the container (its file lands in a named volume that outlives it), and
 * a hook that exits non-zero fails `up`, naming the service, the hook and its status, with its output.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { berth, docker, purgeProject } from '../../helpers/cli.js';

const project = `e2e-hooks-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'berth-hooks-'));
const run = (...args: string[]) => berth(['-p', project, ...args], { cwd: dir });
const volume = `${project}_marks`;

afterAll(async () => {
  await purgeProject(project);
});

function write(postStartExit = 0): void {
  writeFileSync(
    join(dir, 'compose.yaml'),
    `services:
  web:
    image: berth-local/busybox
    init: true
    command: ["sleep", "300"]
    volumes:
      - marks:/marks
    post_start:
      - command: ["sh", "-c", "echo \\"$$GREETING from $$(pwd)\\" > /marks/started; echo hook says hi"]
        working_dir: /marks
        environment:
          GREETING: hello
      - command: ["sh", "-c", "echo second; exit ${postStartExit}"]
    pre_stop:
      - command: ["sh", "-c", "date +%s > /marks/stopping"]
volumes:
  marks: {}
`,
  );
}

const readMark = async (name: string) =>
  (
    await docker(['run', '--rm', '-v', `${volume}:/marks`, 'berth-local/busybox', 'cat', `/marks/${name}`])
  ).stdout.trim();

describe('post_start and pre_stop hooks', () => {
  it('post_start runs in the started container with its environment and working_dir', async () => {
    write();
    const up = await run('up', '-d');
    expect(up.exitCode, up.stderr).toBe(0);
    const cat = await docker(['exec', `${project}-web-1`, 'cat', '/marks/started']);
    expect(cat.stdout.trim()).toBe('hello from /marks');
  });

  it('pre_stop runs before stop and before down removes the container', async () => {
    const stop = await run('stop');
    expect(stop.exitCode, stop.stderr).toBe(0);
    expect(await readMark('stopping')).toMatch(/^\d+$/);
    await docker(['run', '--rm', '-v', `${volume}:/marks`, 'berth-local/busybox', 'rm', '/marks/stopping']);
    expect((await run('start')).exitCode).toBe(0);
    const down = await run('down');
    expect(down.exitCode, down.stderr).toBe(0);
    expect(await readMark('stopping')).toMatch(/^\d+$/);
  });

  it('a hook that exits non-zero fails up, naming service, hook and status, with its output', async () => {
    write(4);
    const up = await run('up', '-d', '--progress', 'plain');
    expect(up.exitCode).not.toBe(0);
    expect(up.stderr).toContain('web post_start hook exited with status 4');
    expect(up.stderr).toContain('second');
    expect(up.stderr).not.toMatch(/\n\s+at /);
  });
});
