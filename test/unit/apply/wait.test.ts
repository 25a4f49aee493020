/**
 * What a wait makes of a container's state: exited, restarting in a crash loop, unhealthy and "no
 * healthcheck" are distinct failures naming the container and its exit code; running counts once it has
 * stayed up; a one-shot job completes with exit 0.
 */
import { describe, expect, it } from 'vitest';
import {
  waitForService,
  judge,
  firstLook,
  SETTLE_MS,
  type WaitCondition,
  type WaitWorld,
} from '../../../src/apply/wait.js';
import { ContainerNotReadyError } from '../../../src/errors.js';
import type { ContainerDetails } from '../../../src/runtime/runtime.js';
import { FakeRuntime } from '../../helpers/fake-runtime.js';

const container = (over: Partial<ContainerDetails> = {}): ContainerDetails => ({
  id: 'c1',
  name: 'demo-app-1',
  image: 'busybox',
  imageId: 'sha256:1',
  labels: {},
  state: 'running',
  status: 'Up',
  health: 'none',
  created: 0,
  ports: [],
  networks: [],
  volumes: [],
  exitCode: 0,
  env: [],
  command: [],
  entrypoint: [],
  mounts: [],
  restartCount: 0,
  networkSettings: {},
  startedAt: '2026-01-01T00:00:00.000000000Z',
  ...over,
});

/** Judge a sequence of looks, `ms` apart; the verdict of the last one. */
function lookAt(condition: WaitCondition, looks: Partial<ContainerDetails>[], ms = 100) {
  const seen = firstLook(container(looks[0]), 0);
  let verdict = judge(container(looks[0]), condition, seen, 0);
  looks.slice(1).forEach((l, i) => {
    verdict = judge(container(l), condition, seen, (i + 1) * ms);
  });
  return verdict;
}

const failure = (v: ReturnType<typeof judge>): ContainerNotReadyError => {
  if (v.kind !== 'failed') throw new Error(`expected a failure, got ${v.kind}`);
  return v.error;
};

describe('judge', () => {
  it('an exited container fails naming it and its exit code, whatever the condition', () => {
    for (const condition of ['running_or_healthy', 'service_healthy', 'service_completed_successfully'] as const) {
      const e = failure(lookAt(condition, [{ state: 'exited', exitCode: 3 }]));
      expect(e.reason).toBe('exited');
      expect(e.code).toBe('CONTAINER_EXITED');
      expect(e.containerExitCode).toBe(3);
      expect(e.message).toContain('container demo-app-1 exited (exit code 3)');
    }
  });

  it('an exited container is reported as exited, not unhealthy, though the engine marks it unhealthy', () => {
    const e = failure(lookAt('service_healthy', [{ state: 'exited', exitCode: 3, health: 'unhealthy' }]));
    expect(e.message).toBe('container demo-app-1 exited (exit code 3) before it was healthy');
    expect(e.message).not.toContain('unhealthy');
  });

  it('the last healthcheck output, where one ran, goes with an exit or a crash loop too', () => {
    const healthLog = [{ exitCode: 1, output: 'connection refused\n' }];
    expect(failure(lookAt('service_healthy', [{ state: 'exited', exitCode: 137, healthLog }])).message).toBe(
      'container demo-app-1 exited (exit code 137) before it was healthy: last healthcheck output: connection refused',
    );
    expect(
      failure(lookAt('service_healthy', [{ state: 'restarting', restartCount: 5, exitCode: 1, healthLog }])).message,
    ).toBe(
      'container demo-app-1 is restarting in a crash loop (exit code 1, restarted 5 times): last healthcheck output: connection refused',
    );
  });

  it('exit 0 is a failure under --wait (it should be running) and success for a one-shot job', () => {
    expect(failure(lookAt('running_or_healthy', [{ state: 'exited', exitCode: 0 }])).message).toBe(
      'container demo-app-1 exited (exit code 0) instead of running',
    );
    expect(lookAt('service_completed_successfully', [{ state: 'exited', exitCode: 0 }])).toEqual({
      kind: 'ready',
      readiness: 'completed',
    });
    expect(lookAt('service_completed_successfully', [{ state: 'running' }])).toEqual({ kind: 'waiting' });
  });

  it('a container that keeps restarting is a crash loop with its exit code, not running', () => {
    const e = failure(
      lookAt('running_or_healthy', [
        { state: 'running', restartCount: 0 },
        { state: 'restarting', restartCount: 1, exitCode: 1 },
        { state: 'running', restartCount: 1, startedAt: 'b' },
        { state: 'restarting', restartCount: 2, exitCode: 1 },
      ]),
    );
    expect(e.reason).toBe('restarting');
    expect(e.message).toBe('container demo-app-1 is restarting in a crash loop (exit code 1, restarted 2 times)');
    expect(e.containerExitCode).toBe(1);
  });

  it('a crash loop seen while it is briefly up still names the exit code seen while it restarted', () => {
    const e = failure(
      lookAt('running_or_healthy', [
        { state: 'restarting', restartCount: 1, exitCode: 7 },
        { state: 'running', restartCount: 3, startedAt: 'c' },
      ]),
    );
    expect(e.message).toBe('container demo-app-1 is restarting in a crash loop (exit code 7, restarted 3 times)');
  });

  it('one restart is forgiven: a container that then stays up is running', () => {
    expect(
      lookAt(
        'running_or_healthy',
        [
          { state: 'restarting', restartCount: 1, exitCode: 1 },
          { state: 'running', restartCount: 1, startedAt: 'b' },
          { state: 'running', restartCount: 1, startedAt: 'b' },
        ],
        SETTLE_MS,
      ),
    ).toEqual({ kind: 'ready', readiness: 'running' });
  });

  it('a container found already crash-looping fails at the first look', () => {
    expect(failure(lookAt('service_healthy', [{ state: 'restarting', restartCount: 9, exitCode: 2 }])).message).toBe(
      'container demo-app-1 is restarting in a crash loop (exit code 2, restarted 9 times)',
    );
  });

  it('running without a healthcheck counts once it has stayed up, on the same start', () => {
    expect(lookAt('running_or_healthy', [{}, {}], SETTLE_MS / 2)).toEqual({ kind: 'waiting' });
    expect(lookAt('running_or_healthy', [{}, {}, {}], SETTLE_MS / 2)).toEqual({ kind: 'ready', readiness: 'running' });
    // One the engine started long ago (by more than clocks disagree) is running at the first look.
    const long = Date.parse('2026-01-01T00:00:00Z') + 120_000;
    expect(judge(container(), 'running_or_healthy', firstLook(container(), long), long)).toEqual({
      kind: 'ready',
      readiness: 'running',
    });
    // A new start (the engine restarted it) starts the count again.
    expect(lookAt('running_or_healthy', [{}, { startedAt: 'b' }, { startedAt: 'b' }], SETTLE_MS / 2)).toEqual({
      kind: 'waiting',
    });
  });

  it('unhealthy fails with the last healthcheck output; a healthcheck still starting waits', () => {
    const log = [
      { exitCode: 1, output: 'first\n' },
      { exitCode: 1, output: 'database not ready\n' },
    ];
    const e = failure(
      lookAt('running_or_healthy', [{ health: 'starting' }, { health: 'unhealthy', healthLog: log }], 2000),
    );
    expect(e.reason).toBe('unhealthy');
    expect(e.message).toBe('container demo-app-1 is unhealthy after 2s: last healthcheck output: database not ready');
    expect(e.healthOutput).toBe('database not ready');
    expect(lookAt('service_healthy', [{ health: 'starting' }])).toEqual({ kind: 'waiting' });
    expect(lookAt('service_healthy', [{ health: 'healthy' }])).toEqual({ kind: 'ready', readiness: 'healthy' });
  });

  it('service_healthy on a container without a healthcheck, or one that is paused, fails at once', () => {
    expect(failure(lookAt('service_healthy', [{}])).message).toBe('container demo-app-1 has no healthcheck configured');
    expect(failure(lookAt('running_or_healthy', [{ state: 'paused' }])).message).toBe(
      'container demo-app-1 is paused, not running',
    );
  });
});

/** A clock that moves only when the wait sleeps. */
function fakeWorld(): WaitWorld & { t: number } {
  const w = {
    t: 0,
    now: () => w.t,
    sleep: (ms: number) => {
      w.t += ms;
      return Promise.resolve();
    },
  };
  return w;
}

describe('waitForService', () => {
  const labels = (service: string, n: number) => ({
    'com.docker.compose.project': 'demo',
    'com.docker.compose.service': service,
    'com.docker.compose.oneoff': 'False',
    'com.docker.compose.container-number': String(n),
  });

  async function withContainers(rt: FakeRuntime, states: Partial<ContainerDetails>[]): Promise<void> {
    rt.networks.set('demo_default', { id: 'n', name: 'demo_default', driver: 'bridge', labels: {}, containers: [] });
    for (const [i, s] of states.entries()) {
      const id = await rt.createContainer({
        name: `demo-app-${i + 1}`,
        image: 'busybox',
        labels: labels('app', i + 1),
        env: [],
        mounts: [],
        ports: [],
        endpoints: [],
      });
      Object.assign(rt.containers.get(id)!, { startedAt: 'a' }, s);
    }
  }

  it('resolves once every container has stayed up, and fails on the first that exits, naming it', async () => {
    const rt = new FakeRuntime({ busybox: 'sha256:1' });
    await withContainers(rt, [{ state: 'running' }, { state: 'running' }]);
    const world = fakeWorld();
    await expect(waitForService(rt, 'demo', 'app', 'running_or_healthy', undefined, world)).resolves.toBe('running');
    expect(world.t).toBeGreaterThanOrEqual(SETTLE_MS);

    const bad = new FakeRuntime({ busybox: 'sha256:1' });
    await withContainers(bad, [{ state: 'running' }, { state: 'exited', exitCode: 3 }]);
    await expect(waitForService(bad, 'demo', 'app', 'running_or_healthy', undefined, fakeWorld())).rejects.toThrow(
      'container demo-app-2 exited (exit code 3)',
    );
  });

  it('a service without a container fails naming the service', async () => {
    const rt = new FakeRuntime();
    await expect(waitForService(rt, 'demo', 'db', 'service_healthy', undefined, fakeWorld())).rejects.toThrow(
      'db has no container',
    );
  });

  it('stops when its signal is aborted', async () => {
    const rt = new FakeRuntime({ busybox: 'sha256:1' });
    await withContainers(rt, [{ state: 'running', health: 'starting' }]);
    rt.healthResults.set('demo-app-1', { status: 'starting' });
    const controller = new AbortController();
    const world = fakeWorld();
    const sleep = world.sleep;
    world.sleep = (ms) => {
      if (world.t > 5000) controller.abort();
      return sleep(ms);
    };
    await expect(waitForService(rt, 'demo', 'app', 'service_healthy', controller.signal, world)).rejects.toThrow(
      /abort/i,
    );
  });
});
