/**
 * `attach` on the real engine: the container's output reaches berth's, berth's stdin reaches a
 * container that keeps it open, berth exits with the container's exit code, and signals berth gets are
 * passed on (`--sig-proxy`, the default).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { BIN, purgeProject, stackInTempDir } from '../../helpers/cli.js';

const { project, dir, run, write } = stackInTempDir('attach');

beforeAll(async () => {
  write(`services:
  ticker:
    image: berth-local/busybox
    init: true
    command: ["sh", "-c", "sleep 3; for i in 1 2 3; do echo tick $$i; echo tock $$i >&2; sleep 0.2; done; exit 3"]
  reader:
    image: berth-local/busybox
    stdin_open: true
    command: ["sh", "-c", "read line; echo \\"got $$line\\"; exit 4"]
  trapper:
    image: berth-local/busybox
    command: ["sh", "-c", "trap 'echo got TERM; exit 7' TERM; while :; do echo ready; sleep 0.2; done"]
  terminal:
    image: berth-local/busybox
    tty: true
    stdin_open: true
    command: ["sh", "-c", "trap 'exec sh' INT; while :; do echo from the tty; sleep 0.3; done"]
`);
  const up = await run('up', '-d');
  expect(up.exitCode, up.stderr).toBe(0);
});

afterAll(async () => {
  await purgeProject(project);
});

describe('attach', () => {
  it("shows the container's stdout and stderr and exits with its exit code", async () => {
    // Attached from its start on: it waits 3 s before its first line.
    expect((await run('restart', 'ticker')).exitCode).toBe(0);
    const r = await run('attach', '--no-stdin', 'ticker');
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.stdout.split('\n')).toEqual(['tick 1', 'tick 2', 'tick 3']);
    expect(r.stderr).toContain('tock 3');
  });

  it('sends its stdin to a container that keeps stdin open', async () => {
    const r = await execa('node', [BIN, '-p', project, 'attach', 'reader'], {
      cwd: dir,
      input: 'hello\n',
      reject: false,
    });
    expect(r.exitCode, r.stderr).toBe(4);
    expect(r.stdout).toBe('got hello');
  });

  it('passes a signal it receives on to the container', async () => {
    const child = execa('node', [BIN, '-p', project, 'attach', '--no-stdin', 'trapper'], { cwd: dir, reject: false });
    await new Promise<void>((resolve) =>
      child.stdout?.on('data', (c: Buffer) => c.toString().includes('ready') && resolve()),
    );
    child.kill('SIGTERM');
    const r = await child;
    expect(r.stdout).toContain('got TERM');
    expect(r.exitCode).toBe(7);
  });

  it('a TTY container needs a terminal for stdin; --no-stdin attaches to its output', async () => {
    const refused = await run('attach', 'terminal');
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('the input device is not a TTY');
    const child = execa('node', [BIN, '-p', project, 'attach', '--no-stdin', 'terminal'], { cwd: dir, reject: false });
    await new Promise<void>((resolve) =>
      child.stdout?.on('data', (c: Buffer) => c.toString().includes('from the tty') && resolve()),
    );
    child.kill('SIGINT');
    await child;
  });

  it('on a terminal: keys reach a TTY container, and the detach keys leave it running', async () => {
    // `script` gives berth a terminal, as a user's shell would.
    const child = execa('script', ['-qfec', `node ${BIN} -p ${project} attach terminal`, '/dev/null'], {
      cwd: dir,
      reject: false,
    });
    let seen = '';
    const shown = (text: string): Promise<void> =>
      new Promise((resolve) => {
        const check = (): void => {
          if (seen.includes(text)) resolve();
        };
        child.stdout?.on('data', (c: Buffer) => {
          seen += c.toString();
          check();
        });
        check();
      });
    await shown('from the tty');
    child.stdin?.write('\x03');
    await shown('/ # ');
    child.stdin?.write('echo hello-$((40+2))\r');
    await shown('hello-42');
    child.stdin?.write('\x10\x11');
    const r = await child;
    expect(r.stdout).toContain('read escape sequence');
    expect(r.exitCode).toBe(1);
    expect((await run('ps', '--format', '{{.Service}} {{.State}}', 'terminal')).stdout).toBe('terminal running');
  });

  it('a stopped container cannot be attached to', async () => {
    await run('stop', '-t', '0', 'terminal');
    const r = await run('attach', '--no-stdin', 'terminal');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/cannot attach to container .*terminal-1: it is not running/);
  });
});
