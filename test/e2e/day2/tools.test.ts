/**
 * cp, port, top, ls, events and wait against a running project, checked from the host side.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, BIN, freePort, purgeProject, ROOT } from '../../helpers/cli.js';
import { eventually } from '../../helpers/eventually.js';

const project = `e2e-tools-${process.pid}`;
const file = `${ROOT}test/e2e/day2/fixtures/tools/compose.yaml`;
let env: Record<string, string>;
let port: number;
const dir = mkdtempSync(join(tmpdir(), 'berth-cp-'));
const run = (...args: string[]) => berth(['-f', file, '-p', project, ...args], { env, cwd: dir });

beforeAll(async () => {
  await purgeProject(project);
  port = await freePort();
  env = { WEB_PORT: String(port) };
  const up = await run('up', '-d');
  expect(up.exitCode, up.stderr).toBe(0);
});
afterAll(async () => {
  await purgeProject(project);
  rmSync(dir, { recursive: true, force: true });
});

describe('cp', () => {
  it('copies a binary file of a few MB into a container and back, byte for byte', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    writeFileSync(join(dir, 'blob.bin'), data);
    const put = await run('cp', 'blob.bin', 'web:/tmp/');
    expect(put.exitCode, put.stderr).toBe(0);
    const size = await run('exec', '-T', 'web', 'sh', '-c', 'wc -c < /tmp/blob.bin');
    expect(size.stdout.trim()).toBe(String(data.length));
    const get = await run('cp', 'web:/tmp/blob.bin', 'back.bin');
    expect(get.exitCode, get.stderr).toBe(0);
    expect(readFileSync(join(dir, 'back.bin')).equals(data)).toBe(true);
  });

  it('copies a folder both ways, into an existing folder under its own name', async () => {
    mkdirSync(join(dir, 'site', 'css'), { recursive: true });
    writeFileSync(join(dir, 'site', 'index.html'), 'hello');
    writeFileSync(join(dir, 'site', 'css', 'a.css'), 'b{}');
    expect((await run('cp', 'site', 'web:/tmp')).exitCode).toBe(0);
    const listed = await run('exec', '-T', 'web', 'cat', '/tmp/site/index.html', '/tmp/site/css/a.css');
    expect(listed.stdout).toBe('hellob{}');
    mkdirSync(join(dir, 'out'));
    expect((await run('cp', 'web:/tmp/site', 'out')).exitCode).toBe(0);
    expect(readFileSync(join(dir, 'out', 'site', 'css', 'a.css'), 'utf8')).toBe('b{}');
  });

  it('a missing source is a clear error', async () => {
    const r = await run('cp', 'web:/no/such/file', 'x');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/no such file|Could not find/i);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('port, top, ls', () => {
  it('port prints the host address of a published port, and fails for one that is not', async () => {
    const r = await run('port', 'web', '80');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe(`127.0.0.1:${port}`);
    const none = await run('port', 'web', '81');
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toContain('publishes no port 81/tcp');
  });

  it('top lists the processes of each running container', async () => {
    const r = await run('top', 'web');
    expect(r.exitCode, r.stderr).toBe(0);
    const [name, header, ...rows] = r.stdout.split('\n');
    expect(name).toBe(`${project}-web-1`);
    expect(header).toMatch(/PID/);
    expect(rows.some((l) => l.includes('while :; do sleep 0.2; done'))).toBe(true);
  });

  it('ls lists the project with its state and files; a stopped project only with -a', async () => {
    const r = await run('ls', '--format', 'json');
    const rows = JSON.parse(r.stdout) as { Name: string; Status: string; ConfigFiles: string }[];
    const mine = rows.find((x) => x.Name === project);
    expect(mine?.Status).toMatch(/running\(\d\)/);
    expect(mine?.ConfigFiles).toBe(file);
  });
});

describe('events and wait', () => {
  it("events --json reports a restart of the project's container as it happens", async () => {
    const events = execa('node', [BIN, '-f', file, '-p', project, 'events', '--json'], { env, reject: false });
    let seen = '';
    events.stdout.on('data', (c: Buffer) => {
      seen += c.toString();
    });
    try {
      // The subscription is in place once a restart shows up; restart until one does.
      await eventually(
        async () => {
          expect((await run('restart', '-t', '1', 'web')).exitCode).toBe(0);
          const starts = seen
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as { action: string; service: string; type: string });
          expect(starts).toContainEqual(
            expect.objectContaining({ type: 'container', action: 'start', service: 'web' }),
          );
        },
        { timeoutMs: 30_000, intervalMs: 500 },
      );
    } finally {
      events.kill('SIGINT');
    }
    expect((await events).exitCode).toBe(0);
  });

  it('wait returns the exit code of the container that stops', async () => {
    const r = await run('wait', 'job');
    expect(r.exitCode).toBe(4);
    expect(r.stdout).toBe(`${project}-job-1 exited with code 4`);
  });

  it('ls without -a leaves out a project with nothing running, ls -a shows it', async () => {
    expect((await run('stop')).exitCode).toBe(0);
    const running = await run('ls', '-q');
    expect(running.stdout.split('\n')).not.toContain(project);
    const all = await run('ls', '-a', '-q');
    expect(all.stdout.split('\n')).toContain(project);
  });

  it('ps --status and --format templates select and shape the rows', async () => {
    const exited = await run('ps', '--status', 'exited', '--format', '{{.Service}} {{.State}}');
    expect(exited.exitCode, exited.stderr).toBe(0);
    expect(exited.stdout.split('\n')).toEqual(['job exited', 'web exited']);
    const running = await run('ps', '--filter', 'status=running', '-q');
    expect(running.stdout).toBe('');
  });
});

describe('version', () => {
  it('prints itself plainly, as JSON with --format json, and the bare number with --short', async () => {
    const { version } = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string };
    expect((await berth(['version'])).stdout).toBe(`berth version ${version}`);
    expect(JSON.parse((await berth(['version', '--format', 'json'])).stdout)).toEqual({ version });
    expect((await berth(['version', '--short'])).stdout).toBe(version);
    const bad = await berth(['version', '--format', 'xml']);
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stderr).toContain('Allowed choices are pretty, json');
  });
});
