import { describe, expect, it } from 'vitest';
import { removeServices, restartServices, startServices, stopServices } from '../../../src/apply/lifecycle.js';
import { up } from '../../../src/apply/ops.js';
import type { Renderer } from '../../../src/progress/events.js';
import { FakeRuntime } from '../../helpers/fake-runtime.js';
import { project } from '../../helpers/project.js';

const quiet: Renderer = { start: () => undefined, event: () => undefined, done: () => Promise.resolve() };
const dep = (restart = false) => ({ condition: 'service_started' as const, restart, required: true });
const p = project('demo', {
  db: { image: 'busybox' },
  web: { image: 'busybox', depends_on: { db: dep(true) } },
  worker: { image: 'busybox', depends_on: { db: dep(false) } },
});
const opts = { parallel: 1 };

async function running(): Promise<FakeRuntime> {
  const rt = new FakeRuntime({ busybox: 'sha256:1' });
  await up(p, rt, { berthVersion: 't', parallel: 1 }, quiet);
  rt.calls.length = 0;
  return rt;
}

describe('lifecycle order', () => {
  it('stop goes dependents first, start dependencies first', async () => {
    const rt = await running();
    await stopServices(rt, { projectName: 'demo', project: p, services: [] }, opts, quiet);
    expect(rt.calls.indexOf('stop demo-db-1')).toBeGreaterThan(rt.calls.indexOf('stop demo-web-1'));
    expect(rt.calls.indexOf('stop demo-db-1')).toBeGreaterThan(rt.calls.indexOf('stop demo-worker-1'));
    rt.calls.length = 0;
    await startServices(rt, { projectName: 'demo', project: p, services: [] }, opts, quiet);
    expect(rt.calls[0]).toBe('start demo-db-1');
  });

  it('restart of a service also restarts dependents that asked for it (restart: true), unless --no-deps', async () => {
    const rt = await running();
    await restartServices(rt, { projectName: 'demo', project: p, services: ['db'] }, opts, quiet);
    expect(rt.calls).toEqual(['restart demo-db-1', 'restart demo-web-1']);
    rt.calls.length = 0;
    await restartServices(rt, { projectName: 'demo', project: p, services: ['db'], noDeps: true }, opts, quiet);
    expect(rt.calls).toEqual(['restart demo-db-1']);
  });

  it("without a stack file, the order comes from the containers' depends_on labels", async () => {
    const rt = await running();
    await stopServices(rt, { projectName: 'demo', services: [] }, opts, quiet);
    expect(rt.calls.at(-1)).toBe('stop demo-db-1');
  });

  it('orders through a service that is not in the walk: app after store though only app and store start', async () => {
    const chain = project('ch', {
      store: { image: 'busybox' },
      api: { image: 'busybox', depends_on: { store: dep() } },
      app: { image: 'busybox', depends_on: { api: dep() } },
    });
    const rt = new FakeRuntime({ busybox: 'sha256:1' });
    await up(chain, rt, { berthVersion: 't', parallel: 1 }, quiet);
    await stopServices(rt, { projectName: 'ch', project: chain, services: [] }, opts, quiet);
    rt.calls.length = 0;
    // Listed app first (by name): only the edge found through api can put store before it.
    await startServices(rt, { projectName: 'ch', project: chain, services: ['app', 'store'] }, opts, quiet);
    expect(rt.calls).toEqual(['start ch-store-1', 'start ch-app-1']);
  });

  it('a container that fails to stop holds back only what it depends on; the rest goes on and is named', async () => {
    const rt = await running();
    rt.failNext.set('stopContainer', new Error('device busy'));
    const events: string[] = [];
    const recorder: Renderer = {
      start: () => undefined,
      event: (e) => {
        if (e.status === 'skipped' || e.status === 'failed') events.push(`${e.title} ${e.status}: ${e.detail ?? ''}`);
      },
      done: () => Promise.resolve(),
    };
    await expect(
      stopServices(rt, { projectName: 'demo', project: p, services: [] }, { parallel: 1 }, recorder),
    ).rejects.toThrow('device busy');
    // web stops first and fails: db, which web depends on, stays up; worker still stops.
    expect(events).toEqual([
      'demo-web-1 failed: device busy',
      'demo-db-1 skipped: left running: web, which depends on it, did not stop',
    ]);
    expect(rt.calls).toContain('stop demo-worker-1');
    expect(rt.calls).not.toContain('stop demo-db-1');
  });

  it('rm removes only stopped containers of this project, and nothing when the answer is no', async () => {
    const rt = await running();
    const other = project('other', { db: { image: 'busybox' } });
    await up(other, rt, { berthVersion: 't', parallel: 1 }, quiet);
    await stopServices(rt, { projectName: 'demo', project: p, services: ['worker'] }, opts, quiet);
    await stopServices(rt, { projectName: 'other', project: other, services: [] }, opts, quiet);
    const no = await removeServices(
      rt,
      { projectName: 'demo', project: p, services: [] },
      { ...opts, confirm: () => Promise.resolve(false) },
      quiet,
    );
    expect(no.confirmed).toBe(false);
    expect(rt.calls.filter((c) => c.startsWith('remove'))).toEqual([]);
    const yes = await removeServices(rt, { projectName: 'demo', project: p, services: [] }, opts, quiet);
    expect(yes.containers.map((c) => c.name)).toEqual(['demo-worker-1']);
    expect([...rt.containers.values()].map((c) => c.name).sort()).toEqual(['demo-db-1', 'demo-web-1', 'other-db-1']);
  });
});
