/**
 * `stack deploy --detach=false`: whether a service has converged, judged purely from one look at it and
 * its tasks, so that each verdict has a unit test. A task the swarm reports `running` has passed its
 * healthcheck where it has one (the engine's swarm executor holds a task in `starting` until its
 * container is healthy, and fails it when it turns unhealthy). A rolling update is followed through
 * the service's update status: `rollback_completed` means the update failed and the swarm put the old
 * spec back, which is a failure of the deploy, named with the swarm's message.
 */
import type { SwarmService, SwarmTask } from '../runtime/runtime.js';

export type Verdict =
  | { state: 'waiting'; progress: string }
  | { state: 'done'; progress: string }
  | { state: 'failed'; progress: string; error: string };

export interface WaitFacts {
  service: SwarmService;
  /** The service's tasks (all states). */
  tasks: readonly SwarmTask[];
  /** Ids of the tasks that existed before the deploy: their old failures are not this deploy's. */
  before: ReadonlySet<string>;
  /** Whether the deploy replaced the tasks (an update of the task template): a new rolling update is expected. */
  rolling: boolean;
  /** The update status's start time seen before the deploy: a status with another one is this deploy's. */
  previousUpdate?: string;
  /** Milliseconds since the deploy's write to this service. */
  elapsedMs: number;
}

/** Failed tasks of this deploy before giving up on a service that never had an update to roll back. */
export const FAILED_TASKS_LIMIT = 3;
/** How long a rolling update may take to show up in the service's status before tasks alone decide. */
const UPDATE_GRACE_MS = 10_000;

const FAILED = new Set(['failed', 'rejected']);

/** This deploy's failed tasks, oldest first. */
function failuresOf(f: WaitFacts): SwarmTask[] {
  return f.tasks
    .filter((t) => !f.before.has(t.id) && FAILED.has(t.state))
    .sort((a, b) => a.timestamp.localeCompare(b.timestamp));
}

function updateVerdict(f: WaitFacts, progress: string): Verdict | undefined {
  const u = f.service.updateStatus;
  const fresh = u !== undefined && u.startedAt !== f.previousUpdate;
  if (!fresh)
    return f.rolling && f.elapsedMs < UPDATE_GRACE_MS ? { state: 'waiting', progress: 'update pending' } : undefined;
  const why = u.message ? `: ${u.message}` : '';
  const last = failuresOf(f).pop();
  const task = last ? ` (a new task failed: ${taskError(last)})` : '';
  switch (u.state) {
    case 'rollback_completed':
    case 'rollback_paused':
      return { state: 'failed', progress, error: `the update failed and was rolled back${task}` };
    case 'paused':
      return { state: 'failed', progress, error: `the update was paused${why}${task}` };
    case 'rollback_started':
      return { state: 'waiting', progress: `rolling back${why}` };
    case 'updating':
      return { state: 'waiting', progress: `updating, ${progress}` };
    default:
      return undefined;
  }
}

/** The desired number of running tasks, or undefined for a global service (one per eligible node). */
function wanted(service: SwarmService): number | undefined {
  return service.spec.Mode?.Replicated ? (service.spec.Mode.Replicated.Replicas ?? 1) : undefined;
}

export function judgeService(f: WaitFacts): Verdict {
  const current = f.tasks.filter((t) => t.desiredState === 'running');
  const running = current.filter((t) => t.state === 'running').length;
  const want = wanted(f.service);
  const progress = `${running}/${want ?? current.length} running`;
  const update = updateVerdict(f, progress);
  if (update) return update;
  const failures = failuresOf(f);
  const ready = want === undefined ? current.length > 0 && running === current.length : running >= want;
  if (ready) return { state: 'done', progress };
  const last = failures[failures.length - 1];
  if (last && failures.length >= FAILED_TASKS_LIMIT)
    return { state: 'failed', progress, error: `${failures.length} tasks failed, the last: ${taskError(last)}` };
  return { state: 'waiting', progress: last ? `${progress}, a task failed: ${taskError(last)}` : progress };
}

export function taskError(t: SwarmTask): string {
  return t.error ?? (t.message || t.state);
}
