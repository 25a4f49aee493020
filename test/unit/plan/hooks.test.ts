/**
 * Lifecycle hooks as plan steps: post_start after the step that starts the container, pre_stop before
 * the step that stops it (down, a scale-down, a recreate's previous container), in their order; and
 * applied against the in-memory runtime: the execs run where and when Compose runs them, a failing
 * hook fails the run and holds back what waits for it.
 */
import { describe, expect, it } from 'vitest';
import { down, up } from '../../../src/apply/ops.js';
import type { Project } from '../../../src/config/model.js';
import { containerLabels, formatGraph, planDown, planUp } from '../../../src/plan/index.js';
import type { Renderer } from '../../../src/progress/events.js';
import type { ContainerSummary, ObservedState } from '../../../src/runtime/runtime.js';
import { FakeRuntime } from '../../helpers/fake-runtime.js';
import { project } from '../../helpers/project.js';

const IMG = 'sha256:1111111111111111111111111111111111111111111111111111111111111111';
const quiet: Renderer = { start: () => undefined, event: () => undefined, done: () => Promise.resolve() };

const stack = (greeting = 'hi', extra: Record<string, unknown> = {}) =>
  project('hk', {
    db: { image: 'busybox' },
    web: {
      image: 'busybox',
      environment: { GREETING: greeting },
      depends_on: { db: { condition: 'service_started', required: true, restart: false } },
      post_start: [
        { command: ['sh', '-c', 'echo up > /tmp/a'], user: 'root', environment: { A: 'b', PASS: null } },
        { command: ['touch', '/tmp/b'], working_dir: '/tmp', privileged: true },
      ],
      pre_stop: [{ command: ['sh', '-c', 'echo bye'] }],
      ...extra,
    },
  });

function running(made: Project, service: string): ContainerSummary {
  return {
    id: `${service}1`.padEnd(64, '0'),
    name: `hk-${service}-1`,
    image: 'busybox',
    imageId: IMG,
    labels: containerLabels(made, made.services[service]!, 1, 'test'),
    state: 'running',
    status: 'Up',
    health: 'none',
    created: 1,
    ports: [],
    networks: ['hk_default'],
    volumes: [],
  };
}

const observed = (containers: ContainerSummary[]): ObservedState => ({
  containers,
  networks: [{ id: 'n', name: 'hk_default', driver: 'bridge', labels: {}, containers: [] }],
  volumes: [],
  images: { busybox: IMG },
});

describe('hooks in the plan', () => {
  it('a first up: each post_start hook after its container starts, in order, before what depends on it', () => {
    const plan = planUp(stack(), observed([]), { berthVersion: 'test' });
    expect(formatGraph(plan)).toBe(
      [
        '#1 hk-db-1: create: missing',
        '#2 [#1] hk-web-1: create: missing',
        '#3 [#2] hk-web-1: exec: post_start[0]: after it starts',
        '#4 [#3] hk-web-1: exec: post_start[1]: after it starts',
      ].join('\n'),
    );
    const hook = plan.actions.find((a) => a.kind === 'run-hook');
    expect(hook).toMatchObject({
      container: 'hk-web-1',
      exec: { command: ['sh', '-c', 'echo up > /tmp/a'], user: 'root', env: ['A=b', 'PASS'], tty: false },
    });
  });

  it('a recreate: pre_stop on the previous container after it steps aside, before it stops; post_start after the new one starts; a failed pre_stop undoes', () => {
    const old = stack('hi');
    const plan = planUp(stack('hello'), observed([running(old, 'db'), running(old, 'web')]), { berthVersion: 'test' });
    const previous = 'web1'.padEnd(64, '0');
    expect(formatGraph(plan)).toBe(
      [
        '#1 hk-db-1: keep: up to date (running)',
        `#2 [#1] hk-web-1: rename: aside as ${previous.slice(0, 12)}_hk-web-1, to be replaced (environment.GREETING changed)`,
        '#3 [#2] hk-web-1: exec: pre_stop[0]: before it stops',
        '#4 [#3] hk-web-1: stop: the previous container, while the new one is made',
        '#5 [#2] hk-web-1: create: environment.GREETING changed',
        '#6 [#4 #5] hk-web-1: start: the new container',
        '#7 [#6] hk-web-1: remove: the previous container, replaced',
        '#8 [#3 #4 #5 #6] hk-web-1: remove: if the recreate fails: the new container',
        '#9 [#8] hk-web-1: rename: if the recreate fails: the previous container gets its name back',
        '#10 [#9] hk-web-1: start: if the recreate fails: the previous container runs again',
        '#11 [#6] hk-web-1: exec: post_start[0]: after it starts',
        '#12 [#11] hk-web-1: exec: post_start[1]: after it starts',
      ].join('\n'),
    );
    expect(plan.steps[7]!.when).toEqual({ failed: ['#4', '#5', '#6', '#3'] });
  });

  it('down: pre_stop before the removal of a running container, dependents first', () => {
    const p = stack();
    const plan = planDown('hk', observed([running(p, 'db'), running(p, 'web')]), p, {});
    expect(formatGraph(plan)).toBe(
      [
        '#1 hk-web-1: exec: pre_stop[0]: before it stops',
        '#2 [#1] hk-web-1: remove: down',
        '#3 [#2] hk-db-1: remove: down',
        '#4 [#3] network hk_default: remove: down',
      ].join('\n'),
    );
  });

  it('applied: the hooks run in the container where Compose runs them; a failing hook fails the up, naming it', async () => {
    const rt = new FakeRuntime({ busybox: 'sha256:1' });
    await up(stack(), rt, { berthVersion: 't', parallel: 1 }, quiet);
    expect(rt.calls.filter((c) => c.startsWith('exec') || c.startsWith('start'))).toEqual([
      'start hk-db-1',
      'start hk-web-1',
      'exec hk-web-1 sh -c echo up > /tmp/a',
      'exec hk-web-1 touch /tmp/b',
    ]);
    expect(rt.execs[1]!.spec).toMatchObject({ workingDir: '/tmp', privileged: true });
    rt.calls.length = 0;
    await down('hk', stack(), rt, { parallel: 1 }, quiet);
    expect(rt.calls.slice(0, 2)).toEqual(['exec hk-web-1 sh -c echo bye', 'stop hk-web-1']);

    rt.execCodes.set('touch /tmp/b', 3);
    await expect(up(stack('again'), rt, { berthVersion: 't', parallel: 1 }, quiet)).rejects.toThrow(
      'web post_start hook exited with status 3',
    );
  });

  it('a stopped service whose pulled image is checked at run time: post_start runs once, after whichever step started it', async () => {
    const rt = new FakeRuntime({ busybox: 'sha256:1' });
    const pulled = project('hk', {
      web: { image: 'busybox', pull_policy: 'always', post_start: [{ command: ['touch', '/tmp/up'] }] },
    });
    const options = { berthVersion: 't', parallel: 1 };
    rt.registry.set('busybox', 'sha256:1');
    await up(pulled, rt, options, quiet);
    const started = () => rt.calls.filter((c) => c.startsWith('exec') || c.startsWith('start'));
    for (const image of ['sha256:1', 'sha256:2']) {
      const [web] = [...rt.containers.values()];
      await rt.stopContainer(web!.id);
      rt.registry.set('busybox', image);
      rt.calls.length = 0;
      await up(pulled, rt, options, quiet);
      // Unchanged: the check starts the container; changed: the replacement's start does.
      expect(started()).toEqual(['start hk-web-1', 'exec hk-web-1 touch /tmp/up']);
    }
    rt.calls.length = 0;
    await up(pulled, rt, options, quiet);
    expect(started()).toEqual([]);
  });
});
