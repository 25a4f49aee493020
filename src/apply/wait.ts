/**
 * Waiting for a service's containers to be ready, for `up --wait` and for `depends_on` conditions. What a
 * container's state means is decided by one pure function (`judge`), so that an exit, a crash loop, an
 * unhealthy check and "no healthcheck" are distinct failures, each naming the container and its exit
 * code, whichever wait meets them.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ContainerNotReadyError } from '../errors.js';
import { Label } from '../plan/labels.js';
import type { ContainerDetails, Runtime } from '../runtime/runtime.js';

/**
 * `service_healthy` and `service_completed_successfully` as in `depends_on`; `running_or_healthy` is
 * what `up --wait` asks of every service (healthy when the container has a healthcheck, else running).
 */
export type WaitCondition = 'running_or_healthy' | 'service_healthy' | 'service_completed_successfully';

/** How a wait ended well: what the container was then. */
export type Readiness = 'healthy' | 'running' | 'completed';

/** Between two looks at a container. */
export const POLL_MS = 100;
/**
 * A container without a healthcheck counts as running once it has stayed up this long: one that exits or
 * crashes at once (a bad command, a full disk) is seen failing instead of reported running.
 */
export const SETTLE_MS = 1000;
/** How far berth's clock and the engine's may disagree, for telling a container started long ago. */
const CLOCK_SKEW_MS = 60_000;
/** Restarts seen during one wait that make a crash loop. One restart is forgiven (a dependency was late). */
export const CRASH_LOOP_RESTARTS = 2;
/** After a crash loop is seen while the container is briefly up, how long to look for its exit code. */
const EXIT_CODE_GRACE_MS = 3000;

/** What one wait has seen of one container so far. */
export interface Seen {
  /** `restartCount` at the first look. */
  restartsAtStart: number;
  /** The exit code seen the last time it was restarting. */
  lastExitCode?: number;
  /** The start (engine's `startedAt`) seen running, and when (our clock) it was first seen. */
  up?: { startedAt: string; since: number };
  /** Our clock at the first look. */
  firstLook: number;
}

export type Verdict =
  { kind: 'ready'; readiness: Readiness } | { kind: 'waiting' } | { kind: 'failed'; error: ContainerNotReadyError };

export function firstLook(d: ContainerDetails, now: number): Seen {
  return { restartsAtStart: d.restartCount, firstLook: now };
}

/**
 * What one look at a container says, given what was seen before (updated in place). Pure apart from
 * `seen`. The order matters: a container that exited is reported as exited (the engine also marks a
 * stopped container with a healthcheck "unhealthy"), a crash loop before its health, which restarts reset.
 */
export function judge(d: ContainerDetails, condition: WaitCondition, seen: Seen, now: number): Verdict {
  const name = d.name;
  const lastCheck = lastHealthcheckOutput(d);
  if (d.state === 'exited' || d.state === 'dead') return judgeExited(d, condition, lastCheck);
  if (d.state === 'restarting') {
    // Its process ended and the engine will start it again: the exit code is the one it ended with.
    if (condition === 'service_completed_successfully' && d.exitCode === 0)
      return { kind: 'ready', readiness: 'completed' };
    seen.lastExitCode = d.exitCode;
  }
  const restarts = d.restartCount - seen.restartsAtStart;
  // A container first seen restarting that has restarted before was crash-looping before this wait began.
  if (restarts >= CRASH_LOOP_RESTARTS || (d.state === 'restarting' && d.restartCount > CRASH_LOOP_RESTARTS)) {
    return crashLoop(d, seen, lastCheck);
  }
  if (d.state !== 'running') {
    if (d.state === 'restarting') return { kind: 'waiting' };
    return fail('not-running', name, `container ${name} is ${d.state}, not running`, undefined, lastCheck);
  }
  if (condition === 'service_completed_successfully') return { kind: 'waiting' };
  return judgeRunning(d, condition, seen, now, lastCheck);
}

/** A container that exited (or died): completed, when that is what the wait asks and it ended well. */
function judgeExited(d: ContainerDetails, condition: WaitCondition, lastCheck: string | undefined): Verdict {
  const name = d.name;
  if (condition === 'service_completed_successfully' && d.exitCode === 0)
    return { kind: 'ready', readiness: 'completed' };
  const when =
    condition === 'service_healthy'
      ? ' before it was healthy'
      : condition === 'running_or_healthy' && d.exitCode === 0
        ? ' instead of running'
        : '';
  return fail(
    'exited',
    name,
    `container ${name} exited (exit code ${d.exitCode})${when}${withOutput(lastCheck)}`,
    d.exitCode,
    lastCheck,
  );
}

/** A running container, by its health (running long enough, when it has no healthcheck). */
function judgeRunning(
  d: ContainerDetails,
  condition: WaitCondition,
  seen: Seen,
  now: number,
  lastCheck: string | undefined,
): Verdict {
  const name = d.name;
  switch (d.health) {
    case 'healthy':
      return { kind: 'ready', readiness: 'healthy' };
    case 'unhealthy': {
      const secs = Math.round((now - seen.firstLook) / 1000);
      return fail(
        'unhealthy',
        name,
        `container ${name} is unhealthy after ${secs}s${withOutput(lastCheck)}`,
        undefined,
        lastCheck,
      );
    }
    case 'starting':
      return { kind: 'waiting' };
    case 'none':
      if (condition === 'service_healthy')
        return fail('no-healthcheck', name, `container ${name} has no healthcheck configured`, undefined, undefined);
      return upLongEnough(d, seen, now) ? { kind: 'ready', readiness: 'running' } : { kind: 'waiting' };
  }
}

/**
 * Whether the running container has stayed up SETTLE_MS by our clock; a new start (a restart) counts
 * again. One the engine started long ago (more than the clocks could disagree by) has stayed up already.
 */
function upLongEnough(d: ContainerDetails, seen: Seen, now: number): boolean {
  const startedAt = d.startedAt ?? '';
  if (now - Date.parse(startedAt) > SETTLE_MS + CLOCK_SKEW_MS) return true;
  if (seen.up?.startedAt !== startedAt) seen.up = { startedAt, since: now };
  return now - seen.up.since >= SETTLE_MS;
}

function crashLoop(d: ContainerDetails, seen: Seen, lastCheck: string | undefined): Verdict {
  return {
    kind: 'failed',
    error: crashLoopError(d.name, d.state === 'restarting' ? d.exitCode : seen.lastExitCode, d.restartCount, lastCheck),
  };
}

function crashLoopError(
  container: string,
  exitCode: number | undefined,
  restartCount: number,
  healthOutput: string | undefined,
): ContainerNotReadyError {
  const what = `${exitCode !== undefined ? `exit code ${exitCode}, ` : ''}restarted ${restartCount} time${restartCount === 1 ? '' : 's'}`;
  return new ContainerNotReadyError(
    'restarting',
    container,
    `container ${container} is restarting in a crash loop (${what})${withOutput(healthOutput)}`,
    { exitCode, healthOutput },
  );
}

function fail(
  reason: ContainerNotReadyError['reason'],
  container: string,
  message: string,
  exitCode: number | undefined,
  healthOutput: string | undefined,
): Verdict {
  return { kind: 'failed', error: new ContainerNotReadyError(reason, container, message, { exitCode, healthOutput }) };
}

const withOutput = (lastCheck: string | undefined): string =>
  lastCheck !== undefined ? `: last healthcheck output: ${lastCheck}` : '';

function lastHealthcheckOutput(d: ContainerDetails): string | undefined {
  const last = d.healthLog?.at(-1);
  if (!last) return undefined;
  return last.output.trim() || `(exit code ${last.exitCode})`;
}

/** The clock and the pause between looks; injected by tests. */
export interface WaitWorld {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

const realWorld: WaitWorld = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleep(ms, undefined, signal ? { signal } : undefined),
};

/**
 * Wait until every container of `service` meets `condition`; resolves with what they were then (the
 * least of them: running before healthy). Rejects with a `ContainerNotReadyError` as soon as one fails,
 * and with an abort error when `signal` fires.
 */
export async function waitForService(
  rt: Runtime,
  project: string,
  service: string,
  condition: WaitCondition,
  signal?: AbortSignal,
  world: WaitWorld = realWorld,
): Promise<Readiness> {
  const containers = await rt.listContainers({
    all: true,
    labels: { [Label.project]: project, [Label.service]: service, [Label.oneoff]: 'False' },
  });
  if (containers.length === 0) throw new ContainerNotReadyError('missing', service, `${service} has no container`, {});
  // The first failure stops the other containers' waits.
  const stop = new AbortController();
  const both = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  try {
    const results = await Promise.all(
      containers.map((c) =>
        waitForContainer(rt, c.id, condition, both, world).catch((err: unknown) => {
          stop.abort();
          throw err;
        }),
      ),
    );
    const order: Readiness[] = ['running', 'completed', 'healthy'];
    return results.reduce((least, r) => (order.indexOf(r) < order.indexOf(least) ? r : least), results[0]!);
  } finally {
    stop.abort();
  }
}

async function waitForContainer(
  rt: Runtime,
  id: string,
  condition: WaitCondition,
  signal: AbortSignal,
  world: WaitWorld,
): Promise<Readiness> {
  let d = await rt.inspectContainer(id);
  const seen = firstLook(d, world.now());
  for (;;) {
    signal.throwIfAborted();
    const verdict = judge(d, condition, seen, world.now());
    if (verdict.kind === 'ready') return verdict.readiness;
    if (verdict.kind === 'failed') {
      if (verdict.error.reason === 'restarting' && verdict.error.containerExitCode === undefined)
        throw await withExitCode(rt, id, verdict.error, signal, world);
      throw verdict.error;
    }
    await world.sleep(POLL_MS, signal);
    d = await rt.inspectContainer(id);
  }
}

/** A crash loop seen while the container was briefly up: look a little longer for the code it exits with. */
async function withExitCode(
  rt: Runtime,
  id: string,
  error: ContainerNotReadyError,
  signal: AbortSignal,
  world: WaitWorld,
): Promise<ContainerNotReadyError> {
  for (const deadline = world.now() + EXIT_CODE_GRACE_MS; world.now() < deadline;) {
    await world.sleep(POLL_MS, signal);
    const d = await rt.inspectContainer(id);
    if (d.state === 'restarting' || d.state === 'exited' || d.state === 'dead')
      return crashLoopError(d.name, d.exitCode, d.restartCount, error.healthOutput);
  }
  return error;
}

/** A `depends_on` wait: `service_healthy` or `service_completed_successfully`. */
export async function waitForDependency(
  rt: Runtime,
  project: string,
  service: string,
  condition: 'service_healthy' | 'service_completed_successfully',
  signal?: AbortSignal,
): Promise<void> {
  await waitForService(rt, project, service, condition, signal);
}
