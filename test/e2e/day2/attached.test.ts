/**
 * Attached `up`, in a pseudo-terminal (`script` gives berth one; writing Ctrl-C to it is what a user's
 * keyboard does): prefixed logs of both services, one Ctrl-C stops every container gracefully and berth
 * exits 0; with a service named, Ctrl-C stops that service only, as Compose does; `--exit-code-from`
 * returns that container's exit code and stops the others.
 */
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, BIN, containerStates, purgeProject, ROOT } from '../../helpers/cli.js';
import { eventually } from '../../helpers/eventually.js';

const project = `e2e-att-${process.pid}`;
const abort = `e2e-att-abort-${process.pid}`;
const selected = `e2e-att-one-${process.pid}`;
const file = `${ROOT}test/e2e/day2/fixtures/attached/compose.yaml`;

const states = containerStates;

beforeAll(() => Promise.all([purgeProject(project), purgeProject(abort), purgeProject(selected)]));
afterAll(() => Promise.all([purgeProject(project), purgeProject(abort), purgeProject(selected)]));

/** `berth up ARGS` in a pseudo-terminal; `screen` is what it printed so far, without colors. */
function attachedUp(p: string, args: string) {
  // `exec`: no shell between the terminal and berth. A shell without job control that sees the SIGINT
  // too (dash, /bin/sh where SHELL is unset) would end with 130 whatever berth returned.
  const session = execa('script', ['-qec', `exec node ${BIN} -f ${file} -p ${p} up ${args}`, '/dev/null'], {
    reject: false,
    stdin: 'pipe',
  });
  const out = { session, screen: '' };
  // On a terminal the prefixes are colored and the progress view draws: keep the text only.
  session.stdout.on('data', (c: Buffer) => {
    out.screen += c
      .toString()
      .replace(/\r/g, '')
      // eslint-disable-next-line no-control-regex
      .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
  });
  return out;
}

describe('attached up', () => {
  it("shows both services' logs with prefixes; one Ctrl-C stops every container gracefully and exits 0", async () => {
    const up = attachedUp(project, '');
    try {
      await eventually(
        () => {
          expect(up.screen).toMatch(/^db-1 +\| db ready$/m);
          expect(up.screen).toMatch(/^web-1 +\| web serving$/m);
        },
        { timeoutMs: 60_000, intervalMs: 200 },
      );
    } catch (err) {
      up.session.kill();
      throw err;
    }
    up.session.stdin.write('\x03');
    const r = await up.session;
    expect(r.exitCode).toBe(0);
    expect(up.screen).toContain('Gracefully stopping... (press Ctrl+C again to force)');
    expect(await states(project)).toEqual({ [`${project}-db-1`]: 'exited', [`${project}-web-1`]: 'exited' });
    // Graceful: the services' TERM traps ran, so they exited 0 rather than being killed.
    expect(up.screen).toMatch(/^web-1 +\| exited with code 0$/m);
  });

  it('Ctrl-C on `up web` stops web only: db, which web depends on, keeps running', async () => {
    const up = attachedUp(selected, 'web');
    try {
      await eventually(() => expect(up.screen).toMatch(/^web-1 +\| web serving$/m), {
        timeoutMs: 60_000,
        intervalMs: 200,
      });
    } catch (err) {
      up.session.kill();
      throw err;
    }
    up.session.stdin.write('\x03');
    const r = await up.session;
    expect(r.exitCode).toBe(0);
    expect(await states(selected)).toEqual({ [`${selected}-db-1`]: 'running', [`${selected}-web-1`]: 'exited' });
  });

  it("--exit-code-from returns the job's exit code and stops the other services", async () => {
    const r = await berth(['-f', file, '-p', abort, '--profile', 'job', 'up', '--exit-code-from', 'job']);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toMatch(/^job-1 +\| job working$/m);
    expect(r.stdout).toMatch(/^job-1 +\| exited with code 3$/m);
    expect(r.stderr).toContain('Aborting on container exit...');
    const s = await states(abort);
    expect(s[`${abort}-db-1`]).toBe('exited');
    expect(s[`${abort}-web-1`]).toBe('exited');
  });

  it('--exit-code-from an unknown service is refused before anything starts', async () => {
    const r = await berth(['-f', file, '-p', abort, 'up', '--exit-code-from', 'jbo']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('no such service: jbo');
  });
});
