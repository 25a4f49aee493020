/**
 * The per-project lock: commands that change one project on one engine take turns; a holder that died
 * does not block anyone; the lock lives in a folder private to the user.
 */
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { acquire, lockDir, lockFileName, withProjectLock, type LockWorld } from '../../../src/apply/lock.js';
import { ProjectLockError } from '../../../src/errors.js';

const key = { endpoint: 'unix:///var/run/docker.sock', project: 'demo' };
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function world(pid: number, alive: Set<number>, messages: string[] = []): LockWorld {
  const root = mkdtempSync(join(tmpdir(), 'berth-lock-'));
  dirs.push(root);
  return { dir: join(root, 'berth'), pid, isAlive: (p) => alive.has(p), onWait: (m) => messages.push(m), pollMs: 5 };
}

describe('project lock', () => {
  it('makes a second holder wait for the first, saying whom it waits for, once', async () => {
    const alive = new Set([101, 102]);
    const messages: string[] = [];
    const first = world(101, alive);
    const second = { ...first, pid: 102, onWait: (m: string) => messages.push(m) };
    const order: string[] = [];
    const releaseFirst = await acquire(key, first);
    const waiting = withProjectLock(key, second, () => {
      order.push('second');
      return Promise.resolve();
    });
    await sleep(50);
    order.push('first done');
    releaseFirst();
    await waiting;
    expect(order).toEqual(['first done', 'second']);
    expect(messages).toEqual(['waiting for another berth working on project demo (pid 101)']);
    expect(readdirSync(first.dir)).toEqual([]);
  });

  it('runs one holder at a time among many', async () => {
    const alive = new Set([1, 2, 3, 4, 5, 6].map((n) => 200 + n));
    const base = world(201, alive);
    let inside = 0;
    let most = 0;
    await Promise.all(
      [...alive].map((pid) =>
        withProjectLock(key, { ...base, pid }, async () => {
          inside++;
          most = Math.max(most, inside);
          await sleep(10);
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
  });

  it('breaks the lock of a holder that died, without waiting for it', async () => {
    const alive = new Set([302]);
    const messages: string[] = [];
    const dead = world(301, new Set([301]));
    await acquire(key, dead); // never released: the process "died"
    let ran = false;
    await withProjectLock(
      key,
      { ...dead, pid: 302, isAlive: (p) => alive.has(p), onWait: (m) => messages.push(m) },
      () => {
        ran = true;
        return Promise.resolve();
      },
    );
    expect(ran).toBe(true);
    expect(messages).toEqual([]);
  });

  it("treats a lock file that is not berth's as held by nobody", async () => {
    const w = world(401, new Set([401]));
    await acquire(key, { ...w, pid: 400 }).then((release) => release());
    writeFileSync(join(w.dir, lockFileName(key)), 'garbage');
    await withProjectLock(key, w, () => Promise.resolve());
  });

  it('keeps projects, and engines, apart', async () => {
    const w = world(501, new Set([501, 502]));
    const release = await acquire(key, w);
    await withProjectLock({ ...key, project: 'other' }, { ...w, pid: 502 }, () => Promise.resolve());
    await withProjectLock({ ...key, endpoint: 'tcp://10.0.0.2:2376 (TLS)' }, { ...w, pid: 502 }, () =>
      Promise.resolve(),
    );
    release();
  });

  it('gives the lock back when the work fails, and only its own', async () => {
    const w = world(601, new Set([601, 602]));
    await expect(withProjectLock(key, w, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    const path = join(w.dir, lockFileName(key));
    expect(existsSync(path)).toBe(false);
    const release = await acquire(key, w);
    const other = await acquire({ ...key, project: 'x' }, w);
    release();
    release(); // twice: still only its own
    const again = await acquire(key, { ...w, pid: 602 });
    expect(existsSync(path)).toBe(true);
    again();
    other();
  });

  it('makes its folder private (0700) and refuses one others can write to', async () => {
    const w = world(701, new Set([701]));
    await withProjectLock(key, w, () => Promise.resolve());
    expect(statSync(w.dir).mode & 0o777).toBe(0o700);
    chmodSync(w.dir, 0o777);
    const err = await acquire(key, w).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProjectLockError);
    expect((err as ProjectLockError).message).toMatch(/is not private to this user/);
  });

  it("lives in $XDG_RUNTIME_DIR/berth when that folder exists, else in the temp folder under the user's id", () => {
    const dirs = new Set(['/run/user/1000']);
    const isDir = (p: string) => dirs.has(p);
    expect(lockDir({ XDG_RUNTIME_DIR: '/run/user/1000' }, '/tmp', 1000, isDir)).toBe('/run/user/1000/berth');
    expect(lockDir({ XDG_RUNTIME_DIR: '/run/user/0' }, '/tmp', 0, isDir)).toBe('/tmp/berth-0');
    expect(lockDir({}, '/tmp', 1000, isDir)).toBe('/tmp/berth-1000');
    expect(lockFileName(key)).toMatch(/^demo-[0-9a-f]{12}\.lock$/);
    expect(lockFileName({ ...key, project: '../../etc/x' })).toMatch(/^______etc_x-[0-9a-f]{12}\.lock$/);
  });
});
