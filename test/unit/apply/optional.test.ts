/**
 * `depends_on: {db: {required: false}}`: a db that fails (cannot start, unhealthy, exits non-zero, its
 * image cannot be had) is a warning naming db and why; the dependent starts anyway and `up` succeeds.
 * Without `required: false`, the same failures stop the dependent and fail `up`.
 */
import { describe, expect, it } from 'vitest';
import { up } from '../../../src/apply/ops.js';
import { requirements } from '../../../src/apply/optional.js';
import type { DependsOn, ServiceConfig } from '../../../src/config/model.js';
import type { ProgressEvent, Renderer } from '../../../src/progress/events.js';
import { FakeRuntime } from '../../helpers/fake-runtime.js';
import { project } from '../../helpers/project.js';

const dep = (condition: DependsOn['condition'], required: boolean): DependsOn => ({
  condition,
  required,
  restart: false,
});

function recorder(): Renderer & { events: ProgressEvent[]; warnings: () => string[] } {
  const events: ProgressEvent[] = [];
  return {
    events,
    start: () => undefined,
    event: (e) => void events.push(e),
    done: () => Promise.resolve(),
    warnings: () => events.filter((e) => e.status === 'warning').map((e) => `${e.title}: ${e.detail ?? ''}`),
  };
}

/** A runtime where db's container, once started, is what `db` says (exited with a code, unhealthy). */
class Engine extends FakeRuntime {
  constructor(
    private readonly db: 'ok' | { exitCode: number } | { unhealthy: string },
    images: Record<string, string> = { busybox: 'sha256:1', postgres: 'sha256:2' },
  ) {
    super(images);
  }

  override async startContainer(id: string): Promise<void> {
    await super.startContainer(id);
    const c = [...this.containers.values()].find((x) => x.id === id)!;
    if (!c.name.includes('-db-') || this.db === 'ok') return;
    if ('exitCode' in this.db)
      Object.assign(c, {
        state: 'exited',
        exitCode: this.db.exitCode,
        health: c.spec.healthcheck ? 'unhealthy' : 'none',
      });
    else Object.assign(c, { health: 'unhealthy', healthLog: [{ exitCode: 1, output: this.db.unhealthy }] });
  }
}

const stack = (on: DependsOn, db: Partial<ServiceConfig> = {}) =>
  project('demo', {
    db: { image: 'postgres', healthcheck: { test: ['CMD', 'true'] }, ...db },
    app: { image: 'busybox', depends_on: { db: on } },
  });

const options = { berthVersion: 't', parallel: 4 };
const stateOf = (rt: FakeRuntime, name: string) => [...rt.containers.values()].find((c) => c.name === name)?.state;

describe('requirements', () => {
  it('a service reached only through required: false is optional; a named one or a hard reference is not', () => {
    const p = project('demo', {
      db: { image: 'x' },
      cache: { image: 'x' },
      app: {
        image: 'x',
        depends_on: { db: dep('service_healthy', false), cache: dep('service_started', false) },
        links: ['cache'],
      },
    });
    const r = requirements(p);
    expect([...r.required].sort()).toEqual(['app', 'cache']);
    expect([...r.optionalDeps.get('app')!]).toEqual(['db']);
    expect([...requirements(p, ['db']).required]).toEqual(['db']);
  });

  it('a required dependency of an optional service is optional too; one that a required service needs is not', () => {
    const p = project('demo', {
      disk: { image: 'x' },
      db: { image: 'x', depends_on: { disk: dep('service_started', true) } },
      app: { image: 'x', depends_on: { db: dep('service_started', false) } },
    });
    expect([...requirements(p).required]).toEqual(['app']);
    const q = project('demo', {
      ...p.services,
      worker: { image: 'x', depends_on: { db: dep('service_started', true) } },
    });
    expect([...requirements(q).required].sort()).toEqual(['app', 'db', 'disk', 'worker']);
  });
});

describe('a failing required: false dependency', () => {
  it('that cannot start: a warning naming db and why, app starts, up succeeds', async () => {
    const rt = new Engine('ok');
    rt.failNext.set('startContainer', new Error('port is already allocated'));
    const r = recorder();
    await up(stack(dep('service_started', false)), rt, options, r);
    expect(stateOf(rt, 'demo-app-1')).toBe('running');
    expect(r.warnings()).toEqual(['app: going on without db (not required): port is already allocated']);
  });

  it('that is unhealthy: the warning carries its last healthcheck output', async () => {
    const rt = new Engine({ unhealthy: 'database not ready' });
    const r = recorder();
    await up(stack(dep('service_healthy', false)), rt, options, r);
    expect(stateOf(rt, 'demo-app-1')).toBe('running');
    expect(r.warnings()).toHaveLength(1);
    expect(r.warnings()[0]).toMatch(
      /^app: going on without db \(not required\): container demo-db-1 is unhealthy after \d+s: last healthcheck output: database not ready$/,
    );
  });

  it('that exits non-zero: the warning says exited with its exit code, under either condition', async () => {
    for (const condition of ['service_healthy', 'service_completed_successfully'] as const) {
      const rt = new Engine({ exitCode: 3 });
      const r = recorder();
      await up(stack(dep(condition, false)), rt, options, r);
      expect(stateOf(rt, 'demo-app-1')).toBe('running');
      expect(r.warnings()).toEqual([
        `app: going on without db (not required): container demo-db-1 exited (exit code 3)${condition === 'service_healthy' ? ' before it was healthy' : ''}`,
      ]);
    }
  });

  it('whose image cannot be pulled: app starts without it', async () => {
    const rt = new Engine('ok', { busybox: 'sha256:1' });
    rt.failNext.set('pullImage', new Error('pull access denied for postgres'));
    const r = recorder();
    await up(stack(dep('service_healthy', false)), rt, options, r);
    expect(stateOf(rt, 'demo-db-1')).toBeUndefined();
    expect(stateOf(rt, 'demo-app-1')).toBe('running');
    expect(r.warnings()).toEqual([
      'app: going on without db (not required): image postgres: pull access denied for postgres',
    ]);
  });

  it('skips what needs db for sure, and starts what can do without it', async () => {
    const rt = new Engine('ok');
    rt.failNext.set('startContainer', new Error('no space left on device'));
    const p = project('demo', {
      db: { image: 'postgres' },
      api: { image: 'busybox', depends_on: { db: dep('service_started', true) } },
      app: { image: 'busybox', depends_on: { api: dep('service_started', false) } },
    });
    const r = recorder();
    await up(p, rt, options, r);
    expect(stateOf(rt, 'demo-api-1')).toBeUndefined();
    expect(stateOf(rt, 'demo-app-1')).toBe('running');
    expect(r.warnings()).toEqual(['app: going on without api (not required): not started: it needs db, which failed']);
  });
});

describe('the dependencies `run app` brings up first', () => {
  it('are optional or not by what app needs, though they are the services named to up', async () => {
    const rt = new Engine('ok');
    rt.failNext.set('startContainer', new Error('port is already allocated'));
    const p = stack(dep('service_started', false));
    await up(p, rt, { ...options, services: ['db'], requirements: requirements(p, ['app']) }, recorder());
    const hard = new Engine('ok');
    hard.failNext.set('startContainer', new Error('port is already allocated'));
    const q = stack(dep('service_started', true));
    await expect(
      up(q, hard, { ...options, services: ['db'], requirements: requirements(q, ['app']) }, recorder()),
    ).rejects.toThrow('port is already allocated');
  });
});

describe('a failing required dependency', () => {
  it('stops its dependent and fails up, naming the container and its exit code', async () => {
    const rt = new Engine({ exitCode: 3 });
    await expect(up(stack(dep('service_healthy', true)), rt, options, recorder())).rejects.toThrow(
      'app: container demo-db-1 exited (exit code 3) before it was healthy',
    );
    expect(stateOf(rt, 'demo-app-1')).toBeUndefined();
  });

  it('that cannot start fails up, and the dependent is not created', async () => {
    const rt = new Engine('ok');
    rt.failNext.set('startContainer', new Error('port is already allocated'));
    await expect(up(stack(dep('service_started', true)), rt, options, recorder())).rejects.toThrow(
      'port is already allocated',
    );
    expect(stateOf(rt, 'demo-app-1')).toBeUndefined();
  });
});
