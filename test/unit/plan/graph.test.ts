/**
 * The plan as a graph, golden: each case builds the observed state as a literal (no runtime, no
 * executor), plans, and compares the exact text `berth plan` prints: ids, edges, targets, causes.
 */
import { describe, expect, it } from 'vitest';
import type { Project } from '../../../src/config/model.js';
import {
  checkGraph,
  containerLabels,
  formatGraph,
  Label,
  planDown,
  planUp,
  type UpOptions,
} from '../../../src/plan/index.js';
import type { ContainerSummary, ObservedState } from '../../../src/runtime/runtime.js';
import { project } from '../../helpers/project.js';

const IMG = 'sha256:1111111111111111111111111111111111111111111111111111111111111111';
const options: UpOptions = { berthVersion: 'test' };

/** A running container of `service` number `n`, labelled as berth made it from `made` (an earlier version of the stack). */
function running(made: Project, service: string, n = 1, extra: Partial<ContainerSummary> = {}): ContainerSummary {
  return {
    id: `${service}${n}`.padEnd(64, '0'),
    name: `${made.name}-${service}-${n}`,
    image: made.services[service]!.image ?? '',
    imageId: IMG,
    labels: containerLabels(made, made.services[service]!, n, 'test'),
    state: 'running',
    status: 'Up 1 minute',
    health: 'none',
    created: 1,
    ports: [],
    networks: [`${made.name}_default`],
    volumes: [],
    ...extra,
  };
}

function observed(
  made: Project | undefined,
  containers: ContainerSummary[],
  extra: Partial<ObservedState> = {},
): ObservedState {
  const network = made
    ? [
        {
          id: 'net1',
          name: `${made.name}_default`,
          driver: 'bridge',
          labels: { [Label.project]: made.name, [Label.network]: 'default' },
          containers: [],
        },
      ]
    : [];
  return { containers, networks: network, volumes: [], images: { busybox: IMG }, ...extra };
}

/** db with a volume; web waits for db healthy and restarts with it; worker just needs db. */
const demo = (foo = 'a', extra: Parameters<typeof project>[1] = {}) =>
  project(
    'demo',
    {
      db: {
        image: 'busybox',
        environment: { FOO: foo },
        volumes: [{ type: 'volume', source: 'data', target: '/data' }],
        healthcheck: { test: ['CMD', 'true'] },
      },
      web: { image: 'busybox', depends_on: { db: { condition: 'service_healthy', required: true, restart: true } } },
      worker: {
        image: 'busybox',
        depends_on: { db: { condition: 'service_started', required: true, restart: false } },
      },
      ...extra,
    },
    { volumes: { data: { name: 'demo_data' } } },
  );

describe('the plan is a graph', () => {
  it('a first up: networks, volumes and images first, then each service after what it needs', () => {
    const p = demo('a', { cache: { image: 'redis' } });
    const plan = planUp(p, { containers: [], networks: [], volumes: [], images: { busybox: IMG } }, options);
    expect(formatGraph(plan)).toBe(
      [
        '#1 network demo_default: create: missing',
        '#2 volume demo_data: create: missing',
        '#3 image redis: pull: not present locally',
        '#4 [#1 #3] demo-cache-1: create: missing',
        '#5 [#1 #2] demo-db-1: create: missing',
        '#6 [#5] web: wait: db healthy',
        '#7 [#6] demo-web-1: create: missing',
        '#8 [#5] demo-worker-1: create: missing',
      ].join('\n'),
    );
  });

  it('a recreate with a restart: true dependent: its stop before the recreate, its start after', () => {
    const old = demo('a');
    const state = observed(
      old,
      ['db', 'web', 'worker'].map((s) => running(old, s)),
      {
        volumes: [
          {
            name: 'demo_data',
            driver: 'local',
            labels: { [Label.project]: 'demo', [Label.volume]: 'data' },
            mountpoint: '/v',
          },
        ],
      },
    );
    const plan = planUp(demo('b'), state, options);
    expect(formatGraph(plan)).toBe(
      [
        '#1 demo-web-1: stop: before db is recreated (depends_on restart: true)',
        '#2 [#1] demo-db-1: rename: aside as db1000000000_demo-db-1, to be replaced (environment.FOO changed)',
        '#3 [#2] demo-db-1: stop: the previous container, while the new one is made',
        '#4 [#2] demo-db-1: create: environment.FOO changed',
        '#5 [#3 #4] demo-db-1: start: the new container',
        '#6 [#5] demo-db-1: remove: the previous container, replaced',
        '#7 [#3 #4 #5] demo-db-1: remove: if the recreate fails: the new container',
        '#8 [#7] demo-db-1: rename: if the recreate fails: the previous container gets its name back',
        '#9 [#8] demo-db-1: start: if the recreate fails: the previous container runs again',
        '#10 [#6 #9] web: wait: db healthy',
        '#11 [#10] demo-web-1: restart: dependency db recreated',
        '#12 [#6 #9] demo-worker-1: keep: up to date (running)',
      ].join('\n'),
    );
  });

  it("the stop of a restart: true dependent waits for its dependency's new image, not the other way round", () => {
    const old = project('ri', {
      db: { image: 'dbimg', pull_policy: 'always', environment: { FOO: 'a' } },
      web: { image: 'busybox', depends_on: { db: { condition: 'service_started', required: true, restart: true } } },
    });
    const now = project('ri', { ...old.services, db: { ...old.services.db!, environment: { FOO: 'b' } } });
    const plan = planUp(
      now,
      observed(old, [running(old, 'db'), running(old, 'web')], { images: { busybox: IMG, dbimg: IMG } }),
      options,
    );
    expect(formatGraph(plan)).toBe(
      [
        '#1 image dbimg: pull: pull_policy: always',
        '#2 [#1] ri-web-1: stop: before db is recreated (depends_on restart: true)',
        '#3 [#2] ri-db-1: rename: aside as db1000000000_ri-db-1, to be replaced (environment.FOO changed)',
        '#4 [#3] ri-db-1: stop: the previous container, while the new one is made',
        '#5 [#3] ri-db-1: create: environment.FOO changed',
        '#6 [#4 #5] ri-db-1: start: the new container',
        '#7 [#6] ri-db-1: remove: the previous container, replaced',
        '#8 [#4 #5 #6] ri-db-1: remove: if the recreate fails: the new container',
        '#9 [#8] ri-db-1: rename: if the recreate fails: the previous container gets its name back',
        '#10 [#9] ri-db-1: start: if the recreate fails: the previous container runs again',
        '#11 [#7 #10] ri-web-1: restart: dependency db recreated',
      ].join('\n'),
    );
  });

  it('a scale-down: the extra containers go after the dependencies, beside the kept one', () => {
    const p = project('sc', {
      db: { image: 'busybox' },
      web: { image: 'busybox', depends_on: { db: { condition: 'service_started', required: true, restart: false } } },
    });
    const state = observed(p, [running(p, 'db'), running(p, 'web', 1), running(p, 'web', 2), running(p, 'web', 3)]);
    const plan = planUp(p, state, { ...options, scale: { web: 1 } });
    expect(formatGraph(plan)).toBe(
      [
        '#1 sc-db-1: keep: up to date (running)',
        '#2 [#1] sc-web-2: remove: scale down to 1',
        '#3 [#1] sc-web-3: remove: scale down to 1',
        '#4 [#1] sc-web-1: keep: up to date (running)',
      ].join('\n'),
    );
  });

  it('orphans with --remove-orphans: removed before anything else', () => {
    const old = project('or', { a: { image: 'busybox' }, gone: { image: 'busybox' } });
    const p = project('or', { a: { image: 'busybox' }, b: { image: 'busybox' } });
    const plan = planUp(p, observed(old, [running(old, 'a'), running(old, 'gone')]), {
      ...options,
      removeOrphans: true,
    });
    expect(formatGraph(plan)).toBe(
      [
        '#1 or-gone-1: remove: orphan',
        '#2 [#1] or-a-1: keep: up to date (running)',
        '#3 [#1] or-b-1: create: missing',
      ].join('\n'),
    );
  });

  it("a build chain: a service built FROM another service's image is built after it", () => {
    const build = (dir: string) => ({ context: `/work/bc/${dir}` });
    const p = project('bc', {
      base: { build: build('base'), image: 'bc-base' },
      app: {
        build: build('app'),
        depends_on: { base: { condition: 'service_started', required: true, restart: false } },
      },
      tool: { build: build('tool') },
    });
    const buildBases = { base: ['busybox'], app: ['bc-base:latest'], tool: ['docker.io/library/alpine:3'] };
    const plan = planUp(p, { containers: [], networks: [], volumes: [], images: {} }, { ...options, buildBases });
    expect(formatGraph(plan)).toBe(
      [
        '#1 network bc_default: create: missing',
        '#2 image bc-base: build: not present locally',
        '#3 [#2] image bc-app: build: not present locally',
        '#4 image bc-tool: build: not present locally',
        '#5 [#1 #2] bc-base-1: create: missing',
        '#6 [#3 #5] bc-app-1: create: missing',
        '#7 [#1 #4] bc-tool-1: create: missing',
      ].join('\n'),
    );
  });

  it('down -v: dependents first, then their dependencies, then networks and volumes', () => {
    const p = demo('a');
    const state = observed(
      p,
      ['db', 'web', 'worker'].map((s) =>
        running(p, s, 1, s === 'db' ? { volumes: [{ name: 'demo_data', target: '/data' }] } : {}),
      ),
      {
        volumes: [
          {
            name: 'demo_data',
            driver: 'local',
            labels: { [Label.project]: 'demo', [Label.volume]: 'data' },
            mountpoint: '/v',
          },
        ],
      },
    );
    const plan = planDown('demo', state, p, { volumes: true });
    expect(formatGraph(plan)).toBe(
      [
        '#1 demo-worker-1: remove: down',
        '#2 demo-web-1: remove: down',
        '#3 [#1 #2] demo-db-1: remove: down',
        '#4 [#3] network demo_default: remove: down',
        '#5 [#3] volume demo_data: remove: down -v',
      ].join('\n'),
    );
  });

  it('down without the stack file: every container at once, then the rest', () => {
    const p = demo('a');
    const plan = planDown('demo', observed(p, [running(p, 'db'), running(p, 'web')]), undefined, {});
    expect(formatGraph(plan)).toBe(
      [
        '#1 demo-db-1: remove: down',
        '#2 demo-web-1: remove: down',
        '#3 [#1 #2] network demo_default: remove: down',
      ].join('\n'),
    );
  });
});

describe('checkGraph', () => {
  it('accepts steps listed after what they wait for', () => {
    expect(
      checkGraph([
        { id: '#1', after: [] },
        { id: '#2', after: ['#1'] },
        { id: '#3', after: ['#1', '#2'] },
      ]),
    ).toEqual([]);
  });

  it('names an edge to a step the plan does not have, a repeated id, and a step listed too early', () => {
    expect(
      checkGraph([
        { id: '#1', after: ['#9'] },
        { id: '#1', after: [] },
      ]),
    ).toEqual(['#1: id used twice', '#1: waits for #9, which is not in the plan']);
    expect(
      checkGraph([
        { id: '#1', after: ['#2'] },
        { id: '#2', after: [] },
      ]),
    ).toEqual(['#1: waits for #2, which is listed after it']);
  });

  it('finds a cycle', () => {
    expect(
      checkGraph([
        { id: '#1', after: ['#2'] },
        { id: '#2', after: ['#1'] },
      ]),
    ).toContain('the steps wait for each other in a cycle');
  });
});
