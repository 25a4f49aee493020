/**
 * The planner against the in-memory runtime: observe, plan, compare the plan's canonical text, apply,
 * and plan again.
 */
import { describe, expect, it } from 'vitest';
import { applyPlan } from '../../../src/apply/apply.js';
import type { Project } from '../../../src/config/model.js';
import { formatPlan, hasChanges, planDown, planUp, type UpOptions } from '../../../src/plan/index.js';
import type { ProgressEvent } from '../../../src/progress/events.js';
import { FakeRuntime } from '../../helpers/fake-runtime.js';
import { project } from '../../helpers/project.js';

const IMG = 'sha256:1111111111111111111111111111111111111111111111111111111111111111';
const IMG2 = 'sha256:2222222222222222222222222222222222222222222222222222222222222222';
const base: UpOptions = { berthVersion: 'test' };

async function plan(p: Project, rt: FakeRuntime, options: Partial<UpOptions> = {}) {
  const refs = [...new Set(Object.values(p.services).map((s) => s.image ?? `${p.name}-${s.name}`))];
  return planUp(p, await rt.observe(p.name, refs), { ...base, ...options });
}

async function up(p: Project, rt: FakeRuntime, options: Partial<UpOptions> = {}): Promise<ProgressEvent[]> {
  const events: ProgressEvent[] = [];
  await applyPlan(await plan(p, rt, options), rt, (e) => events.push(e), { parallel: 4 });
  return events;
}

const demo = (env: Record<string, string> = {}, extra: Parameters<typeof project>[1] = {}) =>
  project(
    'demo',
    {
      db: {
        image: 'busybox',
        environment: { ...env },
        volumes: [{ type: 'volume', source: 'data', target: '/data' }],
        healthcheck: { test: ['CMD', 'true'] },
      },
      web: {
        image: 'busybox',
        depends_on: { db: { condition: 'service_healthy', required: true, restart: true } },
        ports: [{ mode: 'ingress', target: 80, published: '8080', protocol: 'tcp', host_ip: '127.0.0.1' }],
      },
      worker: {
        image: 'busybox',
        depends_on: { db: { condition: 'service_started', required: true, restart: false } },
      },
      ...extra,
    },
    { volumes: { data: { name: 'demo_data' } } },
  );

describe('planUp', () => {
  it('creates everything on an empty engine, dependencies first, waits before dependents', async () => {
    const rt = new FakeRuntime({ busybox: IMG });
    expect(formatPlan(await plan(demo(), rt))).toBe(
      [
        'network demo_default: create: missing',
        'volume demo_data: create: missing',
        'demo-db-1: create: missing',
        'web: wait: db healthy',
        'demo-web-1: create: missing',
        'demo-worker-1: create: missing',
      ].join('\n'),
    );
  });

  it('is a no-op the second time: same containers, nothing to change', async () => {
    const rt = new FakeRuntime({ busybox: IMG });
    await up(demo(), rt);
    const ids = [...rt.containers.keys()];
    const again = await plan(demo(), rt);
    expect(hasChanges(again)).toBe(false);
    expect(formatPlan(again)).toBe(
      [
        'demo-db-1: keep: up to date (running)',
        'demo-web-1: keep: up to date (running)',
        'demo-worker-1: keep: up to date (running)',
      ].join('\n'),
    );
    await up(demo(), rt);
    expect([...rt.containers.keys()]).toEqual(ids);
  });

  it('names the changed field, and recreates restart:true dependents', async () => {
    const rt = new FakeRuntime({ busybox: IMG });
    await up(demo({ FOO: 'a' }), rt);
    expect(formatPlan(await plan(demo({ FOO: 'b' }), rt))).toBe(
      [
        'demo-db-1: recreate: environment.FOO changed',
        'web: wait: db healthy',
        'demo-web-1: restart: dependency db recreated',
        'demo-worker-1: keep: up to date (running)',
      ].join('\n'),
    );
  });

  it('recreates on an image change and says which ids', async () => {
    const rt = new FakeRuntime({ busybox: IMG });
    const p = project('img', { app: { image: 'busybox' } });
    await up(p, rt);
    rt.addImage('busybox', IMG2);
    expect(formatPlan(await plan(p, rt))).toBe('img-app-1: recreate: image 111111111111→222222222222');
  });

  it('keeps anonymous volumes and the container number across a recreate', async () => {
    const rt = new FakeRuntime({ busybox: IMG });
    const p = (cmd: string) =>
      project('anon', { app: { image: 'busybox', command: [cmd], volumes: [{ type: 'volume', target: '/cache' }] } });
    await up(p('a'), rt);
    const before = (await rt.inspectContainer('anon-app-1')).mounts.find((m) => m.target === '/cache')!.name;
    await up(p('b'), rt);
    const after = await rt.inspectContainer('anon-app-1');
    expect(after.mounts.find((m) => m.target === '/cache')!.name).toBe(before);
    expect(after.labels['com.docker.compose.container-number']).toBe('1');
  });

  it('scales up and down, removing the highest numbers', async () => {
    const rt = new FakeRuntime({ busybox: IMG });
    const p = project('sc', { web: { image: 'busybox' } });
    await up(p, rt, { scale: { web: 3 } });
    expect([...rt.containers.values()].map((c) => c.name).sort()).toEqual(['sc-web-1', 'sc-web-2', 'sc-web-3']);
    expect(formatPlan(await plan(p, rt, { scale: { web: 1 } }))).toBe(
      [
        'sc-web-2: remove: scale down to 1',
        'sc-web-3: remove: scale down to 1',
        'sc-web-1: keep: up to date (running)',
      ].join('\n'),
    );
    await up(p, rt, { scale: { web: 1 } });
    expect([...rt.containers.values()].map((c) => c.name)).toEqual(['sc-web-1']);
  });

  it('warns about orphans, and removes them only when asked', async () => {
    const rt = new FakeRuntime({ busybox: IMG });
    await up(project('or', { a: { image: 'busybox' }, b: { image: 'busybox' } }), rt);
    const only = project('or', { a: { image: 'busybox' } });
    const warned = await plan(only, rt);
    expect(warned.warnings).toEqual([
      'found orphan containers (or-b-1) for this project; run with --remove-orphans to clean them up',
    ]);
    expect(formatPlan(warned)).toBe('or-a-1: keep: up to date (running)');
    expect(formatPlan(await plan(only, rt, { removeOrphans: true }))).toBe(
      'or-b-1: remove: orphan\nor-a-1: keep: up to date (running)',
    );
  });

  it('does not count services disabled by a profile as orphans', async () => {
    const rt = new FakeRuntime({ busybox: IMG });
    await up(project('pr', { a: { image: 'busybox' }, debug: { image: 'busybox' } }), rt);
    const p = project('pr', { a: { image: 'busybox' } });
    const withProfiles: Project = {
      ...p,
      disabled_services: { debug: { ...p.services.a!, name: 'debug', profiles: ['debug'] } },
    };
    expect((await plan(withProfiles, rt)).warnings).toEqual([]);
  });

  it('starts stopped containers instead of recreating them', async () => {
    const rt = new FakeRuntime({ busybox: IMG });
    const p = project('st', { a: { image: 'busybox' } });
    await up(p, rt);
    await rt.stopContainer('st-a-1');
    expect(formatPlan(await plan(p, rt))).toBe('st-a-1: start: exited');
  });

  it('limits to the named services and their dependencies', async () => {
    const rt = new FakeRuntime({ busybox: IMG });
    expect(formatPlan(await plan(demo(), rt, { services: ['worker'] }))).toBe(
      [
        'network demo_default: create: missing',
        'volume demo_data: create: missing',
        'demo-db-1: create: missing',
        'demo-worker-1: create: missing',
      ].join('\n'),
    );
    expect(formatPlan(await plan(demo(), rt, { services: ['worker'], noDeps: true }))).toBe(
      ['network demo_default: create: missing', 'demo-worker-1: create: missing'].join('\n'),
    );
  });

  it('pulls an image that is not present locally', async () => {
    const rt = new FakeRuntime();
    expect(formatPlan(await plan(project('pl', { a: { image: 'busybox' } }), rt))).toBe(
      [
        'network pl_default: create: missing',
        'image busybox: pull: not present locally',
        'pl-a-1: create: missing',
      ].join('\n'),
    );
  });

  it('--force-recreate and --no-recreate', async () => {
    const rt = new FakeRuntime({ busybox: IMG });
    await up(demo({ FOO: 'a' }), rt);
    expect(
      formatPlan(await plan(demo({ FOO: 'a' }), rt, { forceRecreate: true, services: ['worker'], noDeps: true })),
    ).toBe('demo-worker-1: recreate: forced');
    expect(hasChanges(await plan(demo({ FOO: 'b' }), rt, { noRecreate: true }))).toBe(false);
  });
});

describe('apply', () => {
  it('reports a failure and does not start dependents of the failed service', async () => {
    const rt = new FakeRuntime({ busybox: IMG });
    rt.failNext.set('startContainer', new Error('port is already allocated'));
    const p = project('f', {
      db: { image: 'busybox' },
      web: { image: 'busybox', depends_on: { db: { condition: 'service_started', required: true, restart: false } } },
    });
    const events: ProgressEvent[] = [];
    await expect(applyPlan(await plan(p, rt), rt, (e) => events.push(e), { parallel: 4 })).rejects.toThrow(
      'port is already allocated',
    );
    expect([...rt.containers.values()].map((c) => c.name)).toEqual([]); // the half-made db container was removed
    expect(events.filter((e) => e.status === 'skipped').map((e) => e.title)).toEqual(['f-web-1']);
  });
});

describe('planDown', () => {
  it('removes containers in reverse dependency order, then networks; volumes only with -v', async () => {
    const rt = new FakeRuntime({ busybox: IMG });
    await up(demo(), rt);
    const observed = await rt.observe('demo', []);
    expect(formatPlan(planDown('demo', observed, demo(), {}))).toBe(
      [
        'demo-worker-1: remove: down',
        'demo-web-1: remove: down',
        'demo-db-1: remove: down',
        'network demo_default: remove: down',
      ].join('\n'),
    );
    expect(
      formatPlan(planDown('demo', observed, demo(), { volumes: true }))
        .split('\n')
        .at(-1),
    ).toBe('volume demo_data: remove: down -v');
  });

  it('has nothing to do for a project that is not up', async () => {
    const rt = new FakeRuntime();
    expect(planDown('none', await rt.observe('none', []), undefined, { volumes: true }).actions).toEqual([]);
  });
});
