/**
 * start, stop, restart, kill, pause, unpause and rm change what the engine holds, as `docker inspect`
 * shows it; `rm -s -f` never touches another project.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, docker, purgeProject, ROOT } from '../../helpers/cli.js';
import { eventually } from '../../helpers/eventually.js';

const project = `e2e-life-${process.pid}`;
const other = `e2e-life-other-${process.pid}`;
const fresh = `e2e-life-fresh-${process.pid}`;
const file = `${ROOT}test/e2e/day2/fixtures/lifecycle/compose.yaml`;
const run = (...args: string[]) => berth(['-f', file, '-p', project, ...args]);

/** `running`, `exited`, `paused`, ... or `missing`. */
async function state(name: string): Promise<string> {
  const r = await docker(['inspect', '-f', '{{.State.Status}}', name]);
  return r.exitCode === 0 ? r.stdout.trim() : 'missing';
}
const startedAt = async (name: string): Promise<string> =>
  (await docker(['inspect', '-f', '{{.State.StartedAt}}', name])).stdout.trim();
const exitCode = async (name: string): Promise<string> =>
  (await docker(['inspect', '-f', '{{.State.ExitCode}}', name])).stdout.trim();

beforeAll(async () => {
  await Promise.all([purgeProject(project), purgeProject(other), purgeProject(fresh)]);
  const up = await run('up', '-d');
  expect(up.exitCode, up.stderr).toBe(0);
});
afterAll(() => Promise.all([purgeProject(project), purgeProject(other), purgeProject(fresh)]));

describe('lifecycle commands', () => {
  it('stop stops every container and start starts them again', async () => {
    const stop = await run('stop', '-t', '5');
    expect(stop.exitCode, stop.stderr).toBe(0);
    expect(await state(`${project}-db-1`)).toBe('exited');
    expect(await state(`${project}-web-1`)).toBe('exited');
    const start = await run('start');
    expect(start.exitCode, start.stderr).toBe(0);
    expect(await state(`${project}-db-1`)).toBe('running');
    expect(await state(`${project}-web-1`)).toBe('running');
  });

  it('stop with services stops only those', async () => {
    expect((await run('stop', 'web')).exitCode).toBe(0);
    expect(await state(`${project}-web-1`)).toBe('exited');
    expect(await state(`${project}-db-1`)).toBe('running');
    expect((await run('start', 'web')).exitCode).toBe(0);
    expect(await state(`${project}-web-1`)).toBe('running');
  });

  it('restart starts the container anew', async () => {
    const before = await startedAt(`${project}-db-1`);
    const r = await run('restart', '-t', '2', 'db');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await state(`${project}-db-1`)).toBe('running');
    expect(await startedAt(`${project}-db-1`)).not.toBe(before);
  });

  it('pause freezes a service and unpause resumes it', async () => {
    expect((await run('pause', 'web')).exitCode).toBe(0);
    expect(await state(`${project}-web-1`)).toBe('paused');
    expect(await state(`${project}-db-1`)).toBe('running');
    expect((await run('unpause', 'web')).exitCode).toBe(0);
    expect(await state(`${project}-web-1`)).toBe('running');
  });

  it('kill sends SIGKILL by default, and the signal asked for with -s', async () => {
    expect((await run('kill', '-s', 'SIGTERM', 'db')).exitCode).toBe(0);
    // The trap exits 0 on SIGTERM; SIGKILL would give 137.
    await expectEventually(async () => (await state(`${project}-db-1`)) === 'exited');
    expect(await exitCode(`${project}-db-1`)).toBe('0');
    expect((await run('kill', 'web')).exitCode).toBe(0);
    await expectEventually(async () => (await state(`${project}-web-1`)) === 'exited');
    expect(await exitCode(`${project}-web-1`)).toBe('137');
  });

  it('rm -f removes stopped containers only; rm -s -f stops and removes the rest and nothing of another project', async () => {
    expect((await run('start')).exitCode).toBe(0);
    const others = await berth(['-f', file, '-p', other, 'up', '-d']);
    expect(others.exitCode, others.stderr).toBe(0);
    expect((await run('stop', 'web')).exitCode).toBe(0);

    const rm = await run('rm', '-f');
    expect(rm.exitCode, rm.stderr).toBe(0);
    expect(rm.stdout).toContain(`Going to remove ${project}-web-1`);
    expect(await state(`${project}-web-1`)).toBe('missing');
    expect(await state(`${project}-db-1`)).toBe('running');

    const rms = await run('rm', '-s', '-f');
    expect(rms.exitCode, rms.stderr).toBe(0);
    expect(await state(`${project}-db-1`)).toBe('missing');
    expect(await state(`${other}-db-1`)).toBe('running');
    expect(await state(`${other}-web-1`)).toBe('running');
  });

  it('rm without -f removes nothing when the answer is not yes', async () => {
    expect((await berth(['-f', file, '-p', other, 'stop', 'web'])).exitCode).toBe(0);
    const r = await berth(['-f', file, '-p', other, 'rm'], { input: 'n\n' });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain('Are you sure?');
    expect(await state(`${other}-web-1`)).toBe('exited');
  });

  it('create makes the containers without starting them; start starts them', async () => {
    const c = await berth(['-f', file, '-p', fresh, 'create']);
    expect(c.exitCode, c.stderr).toBe(0);
    expect(await state(`${fresh}-db-1`)).toBe('created');
    expect(await state(`${fresh}-web-1`)).toBe('created');
    expect((await berth(['-f', file, '-p', fresh, 'start'])).exitCode).toBe(0);
    expect(await state(`${fresh}-web-1`)).toBe('running');
  });

  it('an unknown service is an error with a suggestion', async () => {
    const r = await run('stop', 'webb');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('no such service: webb');
    expect(r.stderr).toContain('did you mean "web"?');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

async function expectEventually(check: () => Promise<boolean>): Promise<void> {
  await eventually(async () => expect(await check()).toBe(true));
}
