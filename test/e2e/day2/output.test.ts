/**
 * `logs` and `exec` against running containers: lines from stdout and stderr both arrive, demultiplexed
 * onto the right stream, `--tail` counts per container, TTY containers' raw output reads as lines, and
 * `exec` hands back the command's output and exit code, with and without a TTY.
 */
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, BIN, docker, purgeProject, ROOT } from '../../helpers/cli.js';
import { eventually } from '../../helpers/eventually.js';

const project = `e2e-out-${process.pid}`;
const file = `${ROOT}test/e2e/day2/fixtures/output/compose.yaml`;
const run = (...args: string[]) => berth(['-f', file, '-p', project, ...args]);
const lines = (text: string): string[] => text.split('\n').filter(Boolean);

beforeAll(async () => {
  await purgeProject(project);
  const up = await run('up', '-d');
  expect(up.exitCode, up.stderr).toBe(0);
  // Every container has written its last line.
  await eventually(async () => {
    const r = await run('logs', '--no-log-prefix', 'talker');
    expect(lines(r.stdout).filter((l) => l === 'out last')).toHaveLength(2);
  });
});
afterAll(() => purgeProject(project));

describe('logs', () => {
  it('shows every line of every container, stdout on stdout and stderr on stderr, prefixed by container', async () => {
    const r = await run('logs', 'talker');
    expect(r.exitCode, r.stderr).toBe(0);
    for (const n of [1, 2]) {
      const mine = lines(r.stdout)
        .filter((l) => l.startsWith(`talker-${n} | `))
        .map((l) => l.slice(`talker-${n} | `.length));
      expect(mine).toEqual(['out 1', 'out 2', 'out 3', 'out 4', 'out last']);
      expect(lines(r.stderr)).toContain(`talker-${n} | err A`);
    }
  });

  it('--tail 2 gives exactly the last two lines of each container', async () => {
    const r = await run('logs', '--tail', '2', 'talker');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(lines(r.stdout).sort()).toEqual(['talker-1 | out last', 'talker-2 | out last']);
    expect(lines(r.stderr).sort()).toEqual(['talker-1 | err A', 'talker-2 | err A']);
  });

  it("a TTY container's output reads as plain lines", async () => {
    const r = await run('logs', '--no-log-prefix', 'term');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('tty one\ntty two');
  });

  it("--timestamps puts the engine's time in front of each line; --index picks one replica", async () => {
    const r = await run('logs', '-t', '--tail', '1', '--index', '2', 'talker');
    expect(lines(r.stdout)).toHaveLength(1);
    expect(r.stdout).toMatch(/^talker-2 \| \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+Z out last$/);
  });

  it('-f follows the output and picks up a container that restarts, until Ctrl-C', async () => {
    const follow = execa('node', [BIN, '-f', file, '-p', project, 'logs', '-f', '--no-log-prefix', 'term'], {
      reject: false,
    });
    let seen = '';
    follow.stdout.on('data', (c: Buffer) => {
      seen += c.toString();
    });
    try {
      await eventually(() => expect(seen.split('\n').filter((l) => l === 'tty one')).toHaveLength(1));
      expect((await run('restart', '-t', '1', 'term')).exitCode).toBe(0);
      // The restarted container writes its first line again, and the follower shows it.
      await eventually(() => expect(seen.split('\n').filter((l) => l === 'tty one')).toHaveLength(2), {
        timeoutMs: 30_000,
      });
    } finally {
      follow.kill('SIGINT');
    }
    expect((await follow).exitCode).toBe(0);
  });

  it('an unknown service is an error with a suggestion', async () => {
    const r = await run('logs', 'talkr');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('no such service: talkr');
    expect(r.stderr).toContain('did you mean "talker"?');
  });
});

describe('exec', () => {
  it("returns the command's exit code and output without a TTY (-T)", async () => {
    const r = await run('exec', '-T', 'talker', 'sh', '-c', 'echo to-out; echo to-err >&2; exit 7');
    expect(r.exitCode).toBe(7);
    expect(r.stdout).toBe('to-out');
    expect(r.stderr).toBe('to-err');
  });

  it('passes stdin, environment, user and working directory', async () => {
    const r = await berth(
      [
        '-f',
        file,
        '-p',
        project,
        'exec',
        '-T',
        '-e',
        'GREETING=hi',
        '-u',
        'nobody',
        '-w',
        '/tmp',
        'talker',
        'sh',
        '-c',
        'read x; echo "$GREETING $x $(id -u) $(pwd)"',
      ],
      { input: 'there\n' },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('hi there 65534 /tmp');
  });

  it('in a terminal, runs the command with a TTY and still returns its exit code', async () => {
    // `script` gives berth a pseudo-terminal for stdin and stdout.
    const cmd = `exec node ${BIN} -f ${file} -p ${project} exec talker sh -c 'test -t 0 && test -t 1 && echo has-a-tty; exit 5'`;
    const r = await execa('script', ['-qec', cmd, '/dev/null'], { reject: false, input: '' });
    expect(r.exitCode).toBe(5);
    expect(r.stdout).toContain('has-a-tty');
  });

  it('--index picks the replica', async () => {
    const r = await run('exec', '-T', '--index', '2', 'talker', 'hostname');
    expect(r.exitCode, r.stderr).toBe(0);
    const hostname = (await docker(['inspect', '-f', '{{.Config.Hostname}}', `${project}-talker-2`])).stdout.trim();
    expect(r.stdout).toBe(hostname);
    const missing = await run('exec', '-T', '--index', '3', 'talker', 'true');
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('has no container number 3');
  });

  it('into a stopped service, says it is not running', async () => {
    expect((await run('stop', 'term')).exitCode).toBe(0);
    const r = await run('exec', '-T', 'term', 'true');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('is not running');
  });
});
