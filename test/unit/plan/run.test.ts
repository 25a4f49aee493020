/**
 * The plan of a one-off (`berth run`), golden: the observed state is a literal, the planner pure, and
 * each case compares the exact text `berth plan` would print for it (ids, edges, targets, causes) and
 * the operations as `plan --format json` lists them.
 */
import { describe, expect, it } from 'vitest';
import { ImageMissingError } from '../../../src/errors.js';
import {
  formatGraph,
  Label,
  planRun,
  splitRun,
  volumeHash,
  type Plan,
  type RunOptions,
} from '../../../src/plan/index.js';
import type { NetworkSummary, ObservedState, VolumeSummary } from '../../../src/runtime/runtime.js';
import { project } from '../../helpers/project.js';
import { runOptions } from '../../helpers/run-options.js';

const IMG = 'sha256:1111111111111111111111111111111111111111111111111111111111111111';
const slug = 'ab'.repeat(32);
const oneOff = `demo-web-run-${slug.slice(0, 12)}`;
const options = { berthVersion: 'test', slug };

const run = (o: Partial<RunOptions> = {}): RunOptions => runOptions({ remove: true, ...o });

/** web needs db, mounts the volume `data`, and joins the default network. */
const demo = (web: Parameters<typeof project>[1][string] = {}) =>
  project(
    'demo',
    {
      db: { image: 'busybox' },
      web: {
        image: 'busybox',
        depends_on: { db: { condition: 'service_started', required: true, restart: false } },
        volumes: [{ type: 'volume', source: 'data', target: '/data' }],
        ...web,
      },
    },
    { volumes: { data: { name: 'demo_data' }, cache: { name: 'demo_cache' } } },
  );

const network = (name: string, key: string): NetworkSummary => ({
  id: `${name}-id`,
  name,
  driver: 'bridge',
  labels: { [Label.project]: 'demo', [Label.network]: key },
  containers: [],
});
const volume = (name: string, key: string, labels: Record<string, string> = {}): VolumeSummary => ({
  name,
  driver: 'local',
  labels: { [Label.project]: 'demo', [Label.volume]: key, ...labels },
  mountpoint: `/v/${name}`,
});

/** The operations as `plan --format json` lists them. */
const operations = (plan: Plan) =>
  plan.steps.map((s) => ({ id: s.id, op: s.op, target: s.target, reason: s.reason, after: s.after }));

describe('the plan of a one-off', () => {
  it('`run` of a service whose network and image are missing: both made, then the one-off after them', () => {
    const observed: ObservedState = {
      containers: [],
      networks: [],
      volumes: [volume('demo_data', 'data')],
      images: {},
    };
    const plan = planRun(demo(), observed, run(), options);
    expect(formatGraph(plan)).toBe(
      [
        '#1 network demo_default: create: missing',
        '#2 image busybox: pull: not present locally',
        `#3 [#1 #2] ${oneOff}: create: one-off of web`,
      ].join('\n'),
    );
    expect(operations(plan)).toEqual([
      { id: '#1', op: 'create-network', target: 'demo_default', reason: 'missing', after: [] },
      { id: '#2', op: 'pull-image', target: 'busybox', reason: 'not present locally', after: [] },
      { id: '#3', op: 'create-container', target: oneOff, reason: 'one-off of web', after: ['#1', '#2'] },
    ]);
    expect(plan.warnings).toEqual([]);
    // What applyPlan makes, and the container run makes itself once they are there.
    const { prepare, container } = splitRun(plan);
    expect(formatGraph(prepare)).toBe(
      ['#1 network demo_default: create: missing', '#2 image busybox: pull: not present locally'].join('\n'),
    );
    expect(container.spec.labels[Label.oneoff]).toBe('True');
    expect(container.start).toBe(false);
  });

  it('everything exists: no operation but the one-off itself, and nothing for applyPlan', () => {
    const observed: ObservedState = {
      containers: [],
      networks: [network('demo_default', 'default')],
      volumes: [volume('demo_data', 'data')],
      images: { busybox: IMG },
    };
    const plan = planRun(demo(), observed, run({ detach: true, remove: false }), options);
    expect(formatGraph(plan)).toBe(`#1 ${oneOff}: create: one-off of web, detached`);
    const { prepare, container } = splitRun(plan);
    expect(prepare.actions).toEqual([]);
    expect(prepare.steps).toEqual([]);
    expect(container.start).toBe(true);
  });

  it('a service with build: and no image is built; a -v naming a stack volume creates it; the service volume missing too', () => {
    const p = demo({ image: undefined, build: { context: '/work/demo/web' } });
    const observed: ObservedState = {
      containers: [],
      networks: [network('demo_default', 'default')],
      volumes: [],
      images: {},
    };
    const o = run({ volumes: [{ type: 'volume', source: 'cache', target: '/cache' }] });
    const plan = planRun(p, observed, o, options);
    expect(formatGraph(plan)).toBe(
      [
        '#1 volume demo_cache: create: missing',
        '#2 volume demo_data: create: missing',
        '#3 image demo-web: build: not present locally',
        `#4 [#1 #2 #3] ${oneOff}: create: one-off of web`,
      ].join('\n'),
    );
  });

  it('external networks and volumes are never created (the caller checks they exist)', () => {
    const p = project(
      'demo',
      {
        web: {
          image: 'busybox',
          networks: { shared: null },
          volumes: [{ type: 'volume', source: 'keep', target: '/keep' }],
        },
      },
      {
        networks: { shared: { name: 'shared', external: true } },
        volumes: { keep: { name: 'keep', external: true } },
      },
    );
    const plan = planRun(p, { containers: [], networks: [], volumes: [], images: { busybox: IMG } }, run(), options);
    expect(formatGraph(plan)).toBe(`#1 ${oneOff}: create: one-off of web`);
  });

  it('pull_policy: never with the image missing is the same error as for up', () => {
    const observed: ObservedState = { containers: [], networks: [], volumes: [], images: {} };
    expect(() => planRun(demo({ pull_policy: 'never' }), observed, run(), options)).toThrow(ImageMissingError);
  });

  it('pull_policy: always pulls even a present image', () => {
    const observed: ObservedState = {
      containers: [],
      networks: [network('demo_default', 'default')],
      volumes: [volume('demo_data', 'data')],
      images: { busybox: IMG },
    };
    const plan = planRun(demo({ pull_policy: 'always' }), observed, run(), options);
    expect(formatGraph(plan)).toBe(
      ['#1 image busybox: pull: pull_policy: always', `#2 [#1] ${oneOff}: create: one-off of web`].join('\n'),
    );
  });

  it('a volume whose driver options changed is used as it is, with a warning: only up recreates a volume', () => {
    const p = demo();
    p.volumes.data = { name: 'demo_data', driver_opts: { type: 'tmpfs' } };
    const observed: ObservedState = {
      containers: [],
      networks: [network('demo_default', 'default')],
      volumes: [volume('demo_data', 'data', { [Label.volumeHash]: volumeHash({ name: 'demo_data' }) })],
      images: { busybox: IMG },
    };
    const plan = planRun(p, observed, run(), options);
    expect(formatGraph(plan)).toBe(`#1 ${oneOff}: create: one-off of web`);
    expect(plan.warnings).toEqual([
      'volume demo_data: driver_opts.type changed: run uses it as it is; berth up recreates it (the data in it would be lost)',
    ]);
  });
});
