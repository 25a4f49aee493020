/**
 * A watch session against the in-memory runtime, with real files and chokidar: a saved file reaches the
 * running container and is reported once; a restart rule restarts the service; a file the rule
 * ignores does nothing; aborting stops the session and touches no container.
 */
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Label } from '../../../src/plan/labels.js';
import type { Renderer } from '../../../src/progress/events.js';
import { runWatch, watchedServices, type WatchEvent } from '../../../src/watch/session.js';
import { eventually } from '../../helpers/eventually.js';
import { FakeRuntime } from '../../helpers/fake-runtime.js';
import { project } from '../../helpers/project.js';

const quiet: Renderer = { start: () => undefined, event: () => undefined, done: () => Promise.resolve() };
const sink = new Writable({ write: (_c, _e, done) => done() });

function stackIn(dir: string) {
  return project('w', {
    web: {
      image: 'busybox',
      develop: {
        watch: [
          { path: join(dir, 'src'), action: 'sync', target: '/app', ignore: ['*.log'] },
          { path: join(dir, 'conf'), action: 'restart' },
          { path: join(dir, 'hooks'), action: 'sync+exec', target: '/hooks', exec: { command: ['reload', '--all'] } },
        ],
      },
    },
    db: { image: 'busybox' },
  });
}

describe('runWatch', () => {
  it('syncs a saved file, restarts on a restart rule, runs a sync+exec command once, ignores what the rule ignores, and stops when aborted', async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'berth-watch-')));
    mkdirSync(join(dir, 'src'));
    mkdirSync(join(dir, 'conf'));
    mkdirSync(join(dir, 'hooks'));
    const stack = stackIn(dir);
    const rt = new FakeRuntime({ busybox: 'sha256:1' });
    const labels = { [Label.project]: 'w', [Label.service]: 'web', [Label.number]: '1' };
    const id = await rt.createContainer({
      name: 'w-web-1',
      image: 'busybox',
      labels,
      env: [],
      mounts: [],
      ports: [],
      endpoints: [],
    });
    await rt.startContainer(id);
    const events: WatchEvent[] = [];
    const abort = new AbortController();
    let ready = (): void => undefined;
    const started = new Promise<void>((res) => (ready = res));
    const session = runWatch(
      stack,
      { services: [], signal: abort.signal, onReady: () => ready() },
      {
        rt,
        upOptions: { berthVersion: 't', parallel: 4 },
        withLock: (fn) => fn(),
        renderer: () => Promise.resolve(quiet),
        say: (e) => events.push(e),
        output: sink,
        quietMs: 150,
      },
    );
    await started;
    const said = (service: string, text: string) => events.filter((e) => e.service === service && e.text === text);

    writeFileSync(join(dir, 'src', 'a.txt'), 'hello');
    writeFileSync(join(dir, 'src', 'debug.log'), 'noise');
    await eventually(() => expect(rt.files.get('w-web-1:/app/a.txt')?.toString()).toBe('hello'));
    await eventually(() => expect(said('web', 'synced 1 file')).toHaveLength(1));
    expect(rt.files.has('w-web-1:/app/debug.log')).toBe(false);

    writeFileSync(join(dir, 'conf', 'x.ini'), 'x=1');
    await eventually(() => expect(said('web', 'restarted')).toHaveLength(1));
    expect(rt.calls.filter((c) => c.startsWith('restart'))).toEqual(['restart w-web-1']);

    // sync+exec: the files, then the command once, however many files changed.
    writeFileSync(join(dir, 'hooks', 'a'), 'a');
    writeFileSync(join(dir, 'hooks', 'b'), 'b');
    await eventually(() => expect(said('web', 'ran reload …')).toHaveLength(1));
    expect(rt.files.get('w-web-1:/hooks/b')?.toString()).toBe('b');
    expect(rt.execs.map((e) => e.spec.command)).toEqual([['reload', '--all']]);

    const calls = rt.calls.length;
    abort.abort();
    await session;
    writeFileSync(join(dir, 'src', 'b.txt'), 'late');
    await delay(200);
    expect(rt.calls.length).toBe(calls);
    expect(events.at(-1)?.text).toBe('watch stopped; the containers keep running');
  });

  it('refuses to watch when no selected service has rules, as Compose does', () => {
    const stack = stackIn('/nowhere');
    expect(() => watchedServices(stack, ['db'])).toThrow('none of the selected services is configured for watch');
    expect(watchedServices(stack, []).map((s) => s.name)).toEqual(['web']);
  });
});
