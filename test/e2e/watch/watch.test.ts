/**
 * `up --watch` as a developer uses it: berth runs in the foreground while files are edited. A synced
 * file is served by the same container within about a second; an ignored one changes nothing; a
 * deleted one is deleted in the container; a `sync+restart` file restarts its service (same
 * container); a Dockerfile edit rebuilds and recreates that service alone; Ctrl-C stops watching and
 * leaves the containers running as `up` left them. Then `watch --no-up --progress json` reports each
 * action as a progress event.
 */
import { execa, type ResultPromise } from 'execa';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, containerIds, containerStates, docker, freePort, httpGet, purgeProject } from '../../helpers/cli.js';
import { eventually } from '../../helpers/eventually.js';

const project = `e2e-watch-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'berth-watch-'));
let webPort = 0;
let apiPort = 0;

const stack = (web: number, api: number): string => `
services:
  web:
    build: ./web
    init: true
    ports: ["127.0.0.1:${web}:8080"]
    develop:
      watch:
        - path: ./web/app
          action: sync
          target: /srv/www
          ignore: ["*.tmp"]
        - path: ./web/Dockerfile
          action: rebuild
  api:
    image: berth-local/busybox:latest
    init: true
    command: ["sh", "-c", "mkdir -p /www; cat /etc/api/message.txt > /www/index.html || echo none > /www/index.html; exec httpd -f -p 8080 -h /www"]
    ports: ["127.0.0.1:${api}:8080"]
    develop:
      watch:
        - path: ./api/message.txt
          action: sync+restart
          target: /etc/api/message.txt
          initial_sync: true
`;

const DOCKERFILE = [
  'FROM berth-local/busybox:latest',
  'COPY app/ /srv/www/',
  'EXPOSE 8080',
  'CMD ["httpd", "-f", "-p", "8080", "-h", "/srv/www"]',
  '',
].join('\n');

/** A berth running in the foreground, its output so far. */
interface Running {
  child: ResultPromise;
  out: { stdout: string; stderr: string };
}

function start(...args: string[]): Running {
  const child = execa('node', [BIN, '-p', project, ...args], {
    cwd: dir,
    env: { CI: 'true' },
    reject: false,
    buffer: false,
  });
  const out = { stdout: '', stderr: '' };
  child.stdout?.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out.stderr += d.toString()));
  return { child, out };
}

const web = (path = '/index.html'): Promise<{ status: number; body: string }> =>
  httpGet(`http://127.0.0.1:${webPort}${path}`).catch(() => ({ status: 0, body: '' }));
const api = (): Promise<{ status: number; body: string }> =>
  httpGet(`http://127.0.0.1:${apiPort}/`).catch(() => ({ status: 0, body: '' }));
const count = (text: string, what: string): number => text.split(what).length - 1;

beforeAll(async () => {
  webPort = await freePort();
  apiPort = await freePort();
  mkdirSync(join(dir, 'web/app'), { recursive: true });
  mkdirSync(join(dir, 'api'), { recursive: true });
  writeFileSync(join(dir, 'compose.yaml'), stack(webPort, apiPort));
  writeFileSync(join(dir, 'web/Dockerfile'), DOCKERFILE);
  writeFileSync(join(dir, 'web/app/index.html'), 'web v1\n');
  writeFileSync(join(dir, 'api/message.txt'), 'api v1\n');
});

afterAll(async () => {
  await purgeProject(project);
  await docker(['rmi', '-f', `${project}-web`]);
  await docker(['image', 'prune', '-f', '--filter', `label=com.docker.compose.project=${project}`]);
  rmSync(dir, { recursive: true, force: true });
});

describe('up --watch', () => {
  it('syncs, ignores, deletes, restarts and rebuilds as files change, and Ctrl-C leaves the stack running', async () => {
    const run = start('up', '--watch');
    try {
      await eventually(() => expect(run.out.stdout).toContain('watch: watching api, web'), { timeoutMs: 90_000 });
      await eventually(async () => expect((await web()).body).toBe('web v1\n'));
      // The initial sync copied the file in; the service reads it when it (re)starts.
      await eventually(async () => expect((await api()).body).toBe('none\n'));
      const before = await containerIds(project);
      expect((await docker(['exec', `${project}-api-1`, 'cat', '/etc/api/message.txt'])).stdout).toBe('api v1');

      // A synced file: served by the same container within about a second.
      writeFileSync(join(dir, 'web/app/index.html'), 'web v2\n');
      await eventually(async () => expect((await web()).body).toBe('web v2\n'), { timeoutMs: 3000 });
      await eventually(() => expect(run.out.stdout).toContain('web: synced 1 file'));
      expect((await containerIds(project))[`${project}-web-1`]).toBe(before[`${project}-web-1`]);

      // An ignored path changes nothing.
      const syncs = count(run.out.stdout, 'web: synced');
      writeFileSync(join(dir, 'web/app/draft.tmp'), 'draft');
      await delay(1500);
      expect((await web('/draft.tmp')).status).toBe(404);
      expect(count(run.out.stdout, 'web: synced')).toBe(syncs);

      // A new file appears, a deleted one disappears.
      writeFileSync(join(dir, 'web/app/extra.html'), 'extra\n');
      await eventually(async () => expect((await web('/extra.html')).body).toBe('extra\n'), { timeoutMs: 3000 });
      unlinkSync(join(dir, 'web/app/extra.html'));
      await eventually(async () => expect((await web('/extra.html')).status).toBe(404), { timeoutMs: 3000 });
      await eventually(() => expect(run.out.stdout).toContain('web: deleted 1 file'));

      // sync+restart: the file is copied, then the service restarts to read it; same container.
      writeFileSync(join(dir, 'api/message.txt'), 'api v2\n');
      await eventually(async () => expect((await api()).body).toBe('api v2\n'), { timeoutMs: 15_000 });
      await eventually(() => expect(run.out.stdout).toContain('api: restarted'));
      expect((await containerIds(project))[`${project}-api-1`]).toBe(before[`${project}-api-1`]);

      // A Dockerfile edit rebuilds and recreates web only.
      appendFileSync(join(dir, 'web/Dockerfile'), 'LABEL watch.rev="2"\n');
      await eventually(() => expect(run.out.stdout).toMatch(/web: rebuilt in \d+\.\ds, recreated/), {
        timeoutMs: 90_000,
      });
      const rebuilt = await containerIds(project);
      expect(rebuilt[`${project}-web-1`]).not.toBe(before[`${project}-web-1`]);
      expect(rebuilt[`${project}-api-1`]).toBe(before[`${project}-api-1`]);
      await eventually(async () => expect((await web()).body).toBe('web v2\n'));

      // Ctrl-C: watching stops, berth exits 0, the containers keep running, untouched.
      run.child.kill('SIGINT');
      const result = await run.child;
      expect(result.exitCode, run.out.stderr).toBe(0);
      expect(run.out.stdout).toContain('watch: watch stopped; the containers keep running');
      expect(await containerIds(project)).toEqual(rebuilt);
      expect(Object.values(await containerStates(project))).toEqual(['running', 'running']);
      expect((await web()).body).toBe('web v2\n');
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('watch --no-up --progress json reports each action as a progress event', async () => {
    const run = start('--progress', 'json', 'watch', 'web', '--no-up');
    try {
      await eventually(() => expect(run.out.stderr).toContain('"text":"watching web"'), { timeoutMs: 30_000 });
      writeFileSync(join(dir, 'web/app/index.html'), 'web v3\n');
      await eventually(async () => expect((await web()).body).toBe('web v3\n'), { timeoutMs: 3000 });
      const events = await eventually(() => {
        const found = run.out.stderr
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as { id: string; status: string; text: string; durationMs?: number })
          .filter((e) => e.id === 'watch:web');
        expect(found.length).toBeGreaterThan(0);
        return found;
      });
      expect(events[0]).toMatchObject({ id: 'watch:web', status: 'done', text: 'synced 1 file' });
      expect(typeof events[0]!.durationMs).toBe('number');
      run.child.kill('SIGINT');
      expect((await run.child).exitCode).toBe(0);
    } finally {
      run.child.kill('SIGKILL');
    }
  });
});
