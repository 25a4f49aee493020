/**
 * What the planner does with what an interrupted recreate leaves behind, and how a recreate carries
 * anonymous volumes over. The observed state is written out as literals (names, labels, states, creation
 * times, mounts), the plan is compared as text: one container per number under its real name, the one
 * that holds the data kept.
 */
import { describe, expect, it } from 'vitest';
import type { ContainerSummary, ObservedState } from '../../../src/runtime/runtime.js';
import { configHash, formatGraph, formatPlan, planUp, type Action, type UpOptions } from '../../../src/plan/index.js';
import { project } from '../../helpers/project.js';

const IMG = `sha256:${'1'.repeat(64)}`;
const OLD = 'a0'.repeat(32);
const NEW = 'b0'.repeat(32);
const DATA = 'd1'.repeat(32);
const CACHE = 'c1'.repeat(32);
const FRESH = 'f1'.repeat(32);

const stack = (env: Record<string, string> = {}) =>
  project('p', { web: { image: 'busybox', environment: env, volumes: [{ type: 'volume', target: '/data' }] } });
const hash = configHash(stack().services.web!);

/** A container of service `web` as a list call reports it. */
function container(
  id: string,
  name: string,
  state: ContainerSummary['state'],
  created: number,
  volumes: { name: string; target: string }[],
  extra: Partial<ContainerSummary> = {},
): ContainerSummary {
  return {
    id,
    name,
    image: 'busybox',
    imageId: IMG,
    state,
    status: state,
    health: 'none',
    created,
    ports: [],
    networks: ['p_default'],
    volumes,
    labels: {
      'com.docker.compose.project': 'p',
      'com.docker.compose.service': 'web',
      'com.docker.compose.container-number': '1',
      'com.docker.compose.oneoff': 'False',
      'com.docker.compose.config-hash': hash,
    },
    ...extra,
  };
}

const oldVolumes = [
  { name: DATA, target: '/data' },
  { name: CACHE, target: '/cache' },
];
const aside = (state: ContainerSummary['state'], created = 100) =>
  container(OLD, `${OLD.slice(0, 12)}_p-web-1`, state, created, oldVolumes);
const observed = (...containers: ContainerSummary[]): ObservedState => ({
  containers,
  images: { busybox: IMG },
  volumes: [],
  networks: [{ id: 'n1', name: 'p_default', driver: 'bridge', labels: {}, containers: [] }],
});
const plan = (state: ObservedState, options: Partial<UpOptions> = {}, p = stack()) =>
  planUp(p, state, { berthVersion: 't', ...options });
const recreateOf = (actions: Action[]) =>
  actions.find((a): a is Extract<Action, { kind: 'recreate-container' }> => a.kind === 'recreate-container')!;
const mounts = (a: Extract<Action, { kind: 'recreate-container' }>) =>
  a.spec.mounts.map((m) => `${m.target}=${m.source ?? '(new)'}`);

describe('an interrupted recreate is settled from the snapshot', () => {
  it('the old container aside, nothing else (cut off after the rename): its name back, nothing else to do', () => {
    expect(formatPlan(plan(observed(aside('running'))))).toBe(
      [
        `${OLD.slice(0, 12)}_p-web-1: rename: left over from an interrupted recreate (back to p-web-1)`,
        'p-web-1: keep: up to date (running)',
      ].join('\n'),
    );
  });

  it('the old one aside and a replacement never started (cut off at create or start): the replacement goes, the old one is back and started', () => {
    const state = observed(aside('exited'), container(NEW, 'p-web-1', 'created', 101, oldVolumes));
    expect(formatPlan(plan(state))).toBe(
      [
        `p-web-1: remove: left over from an interrupted recreate (never started; ${OLD.slice(0, 12)}_p-web-1 is kept)`,
        `${OLD.slice(0, 12)}_p-web-1: rename: left over from an interrupted recreate (back to p-web-1)`,
        'p-web-1: start: exited',
      ].join('\n'),
    );
    const actions = plan(state).actions;
    expect(actions.find((a) => a.kind === 'remove-container')).toMatchObject({ id: NEW, leftover: true });
    expect(actions.find((a) => a.kind === 'start-container')).toMatchObject({ id: OLD });
  });

  it("the same, then recreated as usual when the config changed: the recreate carries the old one's volumes", () => {
    const planned = plan(
      observed(aside('exited'), container(NEW, 'p-web-1', 'created', 101, oldVolumes)),
      {},
      stack({ FOO: 'x' }),
    );
    const { actions } = planned;
    expect(formatGraph(planned)).toBe(
      [
        `#1 p-web-1: remove: left over from an interrupted recreate (never started; ${OLD.slice(0, 12)}_p-web-1 is kept)`,
        `#2 [#1] ${OLD.slice(0, 12)}_p-web-1: rename: left over from an interrupted recreate (back to p-web-1)`,
        // The literal carries no dev.berth.config label to diff.
        `#3 [#2] p-web-1: rename: aside as ${OLD.slice(0, 12)}_p-web-1, to be replaced (config changed)`,
        '#4 [#3] p-web-1: stop: the previous container, while the new one is made',
        '#5 [#3] p-web-1: create: config changed',
        '#6 [#4 #5] p-web-1: start: the new container',
        '#7 [#6] p-web-1: remove: the previous container, replaced',
        '#8 [#4 #5 #6] p-web-1: remove: if the recreate fails: the new container',
        '#9 [#8] p-web-1: rename: if the recreate fails: the previous container gets its name back',
        '#10 [#9] p-web-1: start: if the recreate fails: the previous container runs again',
      ].join('\n'),
    );
    expect(recreateOf(actions).replaces).toBe(OLD);
    expect(mounts(recreateOf(actions))).toEqual([`/data=${DATA}`, `/cache=${CACHE}`]);
  });

  it('the old one aside and a started replacement that mounts its anonymous volumes (cut off at the removal): the old one goes', () => {
    const state = observed(aside('exited'), container(NEW, 'p-web-1', 'running', 101, oldVolumes));
    expect(formatPlan(plan(state))).toBe(
      [
        `${OLD.slice(0, 12)}_p-web-1: remove: left over from an interrupted recreate (replaced by p-web-1, which mounts its anonymous volumes)`,
        'p-web-1: keep: up to date (running)',
      ].join('\n'),
    );
    expect(plan(state).actions[0]).toMatchObject({ kind: 'remove-container', id: OLD, leftover: true });
    expect(plan(state).actions[0]).not.toHaveProperty('removeVolumes');
  });

  it('a started replacement that does not hold the old data (a -V recreate cut off): the old one is kept', () => {
    const state = observed(
      aside('exited'),
      container(NEW, 'p-web-1', 'running', 101, [{ name: FRESH, target: '/data' }]),
    );
    expect(formatPlan(plan(state))).toBe(
      [
        `p-web-1: remove: left over from an interrupted recreate (does not mount the anonymous volumes of ${OLD.slice(0, 12)}_p-web-1, which is kept)`,
        `${OLD.slice(0, 12)}_p-web-1: rename: left over from an interrupted recreate (back to p-web-1)`,
        'p-web-1: start: exited',
      ].join('\n'),
    );
  });

  it('within one second the names tell old from new: the aside one under its own id is the old one', () => {
    const state = observed(container(NEW, 'p-web-1', 'created', 100, oldVolumes), aside('running', 100));
    expect(formatPlan(plan(state))).toBe(
      [
        `p-web-1: remove: left over from an interrupted recreate (never started; ${OLD.slice(0, 12)}_p-web-1 is kept)`,
        `${OLD.slice(0, 12)}_p-web-1: rename: left over from an interrupted recreate (back to p-web-1)`,
        'p-web-1: keep: up to date (running)',
      ].join('\n'),
    );
  });

  it("Docker Compose's shape (the new one made aside under the old one's id, never started): the new one goes", () => {
    const compose = container(NEW, `${OLD.slice(0, 12)}_p-web-1`, 'created', 100, oldVolumes);
    compose.labels['com.docker.compose.replace'] = OLD;
    const state = observed(container(OLD, 'p-web-1', 'exited', 100, oldVolumes), compose);
    expect(formatPlan(plan(state))).toBe(
      [
        `${OLD.slice(0, 12)}_p-web-1: remove: left over from an interrupted recreate (never started; p-web-1 is kept)`,
        'p-web-1: start: exited',
      ].join('\n'),
    );
  });

  it('two containers of one number without a recreate in sight: the duplicate goes', () => {
    const state = observed(
      container(OLD, 'p-web-1', 'running', 100, oldVolumes),
      container(NEW, 'other', 'created', 200, []),
    );
    expect(formatPlan(plan(state))).toBe(
      [
        'other: remove: duplicate container number (never started; p-web-1 is kept)',
        'p-web-1: keep: up to date (running)',
      ].join('\n'),
    );
  });

  it('an interrupted recreate followed by --force-recreate: settled first, then recreated from the old one', () => {
    const { actions } = plan(observed(aside('exited'), container(NEW, 'p-web-1', 'created', 101, oldVolumes)), {
      forceRecreate: true,
    });
    expect(
      actions.map(
        (a) =>
          `${a.kind} ${'id' in a ? a.id.slice(0, 2) : ''}${a.kind === 'recreate-container' ? a.replaces.slice(0, 2) : ''}`,
      ),
    ).toEqual(['remove-container b0', 'rename-container a0', 'recreate-container a0']);
  });
});

describe('a recreate carries every anonymous volume of the old container', () => {
  const current = (volumes: { name: string; target: string }[]) =>
    observed(container(OLD, 'p-web-1', 'running', 100, volumes));

  it("the file's and the image's VOLUMEs, each at its own target", () => {
    const a = recreateOf(plan(current(oldVolumes), { forceRecreate: true }).actions);
    expect(mounts(a)).toEqual([`/data=${DATA}`, `/cache=${CACHE}`]);
  });

  it('-V renews them all', () => {
    const a = recreateOf(plan(current(oldVolumes), { forceRecreate: true, renewAnonVolumes: true }).actions);
    expect(mounts(a)).toEqual(['/data=(new)']);
  });

  it('not where the new spec mounts something else, nor a volume of the project', () => {
    const p = project(
      'p',
      {
        web: {
          image: 'busybox',
          volumes: [
            { type: 'volume', source: 'named', target: '/data' },
            { type: 'bind', source: '/srv', target: '/cache/' },
          ],
        },
      },
      { volumes: { named: { name: 'p_named' } } },
    );
    const state = current([...oldVolumes, { name: 'e'.repeat(64), target: '/labelled' }]);
    state.volumes.push({
      name: 'e'.repeat(64),
      driver: 'local',
      labels: { 'com.docker.compose.project': 'p' },
      mountpoint: '',
    });
    expect(mounts(recreateOf(plan(state, { forceRecreate: true }, p).actions))).toEqual([
      '/data=p_named',
      '/cache/=/srv',
    ]);
  });

  it('not the volumes it mounts from another service (volumes_from)', () => {
    const p = project('p', { web: { image: 'busybox', volumes_from: ['store'] }, store: { image: 'busybox' } });
    const store = container(NEW, 'p-store-1', 'running', 50, [{ name: CACHE, target: '/cache' }]);
    store.labels['com.docker.compose.service'] = 'store';
    const state = observed(container(OLD, 'p-web-1', 'running', 100, oldVolumes), store);
    expect(
      mounts(recreateOf(plan(state, { forceRecreate: true, services: ['web'], noDeps: true }, p).actions)),
    ).toEqual([`/data=${DATA}`]);
  });
});
