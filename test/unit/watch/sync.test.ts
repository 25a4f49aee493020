/**
 * A sync through the in-memory runtime: changed files reach every running container of the service in
 * one tar extracted at `/` (no `tar` or shell in the image), with their modes; a deleted file is removed
 * with an `rm -rf --` exec (argument list, no shell), and a container without `rm` is named, not fatal.
 */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectSync, syncInto } from '../../../src/watch/sync.js';
import { FakeRuntime } from '../../helpers/fake-runtime.js';

async function twoContainers(rt: FakeRuntime): Promise<{ id: string; name: string }[]> {
  const out = [];
  for (const name of ['w-web-1', 'w-web-2']) {
    const id = await rt.createContainer({
      name,
      image: 'busybox',
      labels: {},
      env: [],
      mounts: [],
      ports: [],
      endpoints: [],
    });
    await rt.startContainer(id);
    out.push({ id, name });
  }
  return out;
}

describe('sync', () => {
  it('copies files and folders into every container, and deletes what is gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-sync-'));
    mkdirSync(join(dir, 'lib'));
    writeFileSync(join(dir, 'a.sh'), 'echo a\n');
    chmodSync(join(dir, 'a.sh'), 0o755);
    writeFileSync(join(dir, 'lib', 'b.txt'), 'b');
    const set = await collectSync([
      { hostPath: join(dir, 'a.sh'), containerPath: '/srv/a.sh' },
      { hostPath: join(dir, 'lib'), containerPath: '/srv/lib' },
      { hostPath: join(dir, 'gone.txt'), containerPath: '/srv/gone.txt' },
    ]);
    expect(set.entries.map((e) => [e.name, e.type, e.mode.toString(8)])).toEqual([
      ['/srv/a.sh', 'file', '755'],
      ['/srv/lib', 'directory', expect.any(String)],
      ['/srv/lib/b.txt', 'file', expect.any(String)],
    ]);
    expect(set.deletions).toEqual(['/srv/gone.txt']);

    const rt = new FakeRuntime({ busybox: 'sha256:1' });
    const containers = await twoContainers(rt);
    const result = await syncInto(rt, containers, set);
    expect(result).toEqual({ files: 2, deleted: 1, containers: 2, problems: [] });
    for (const c of containers) {
      expect(rt.files.get(`${c.name}:/srv/a.sh`)?.toString()).toBe('echo a\n');
      expect(rt.files.get(`${c.name}:/srv/lib/b.txt`)?.toString()).toBe('b');
    }
    expect(rt.execs.map((e) => [e.container, e.spec.command])).toEqual([
      ['w-web-1', ['rm', '-rf', '--', '/srv/gone.txt']],
      ['w-web-2', ['rm', '-rf', '--', '/srv/gone.txt']],
    ]);
  });

  it('names a container that has no rm, and still copies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-sync-'));
    writeFileSync(join(dir, 'a'), 'a');
    const rt = new FakeRuntime({ busybox: 'sha256:1' });
    const [c] = await twoContainers(rt);
    rt.execCodes.set('rm -rf -- /x/gone', 127);
    const set = await collectSync([
      { hostPath: join(dir, 'a'), containerPath: '/x/a' },
      { hostPath: join(dir, 'gone'), containerPath: '/x/gone' },
    ]);
    const result = await syncInto(rt, [c!], set);
    expect(result.problems).toEqual(['w-web-1: could not delete 1 path: the image has no rm program']);
    expect(rt.files.get('w-web-1:/x/a')?.toString()).toBe('a');
  });

  it('leaves out what `keep` refuses inside a synced folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-sync-'));
    mkdirSync(join(dir, 'node_modules'));
    writeFileSync(join(dir, 'node_modules', 'x'), 'x');
    writeFileSync(join(dir, 'y'), 'y');
    const set = await collectSync([{ hostPath: dir, containerPath: '/app' }], (p) => !p.includes('node_modules'));
    expect(set.entries.map((e) => e.name)).toEqual(['/app', '/app/y']);
  });
});
