/**
 * `stack deploy --detach=false` decides from one look at a service and its tasks: running, still
 * updating, rolled back (a failure, with the task's error), or failing task after task.
 */
import { describe, expect, it } from 'vitest';
import type { SwarmService, SwarmTask } from '../../../src/runtime/runtime.js';
import { judgeService, type WaitFacts } from '../../../src/stack/wait.js';

const service = (replicas: number, update?: SwarmService['updateStatus']): SwarmService => ({
  id: 's1',
  version: 5,
  spec: {
    Name: 'p_api',
    Labels: {},
    TaskTemplate: { ContainerSpec: { Image: 'x' } },
    Mode: { Replicated: { Replicas: replicas } },
  },
  ...(update && { updateStatus: update }),
});

let n = 0;
const task = (state: string, desiredState = 'running', error?: string): SwarmTask => ({
  id: `t${++n}`,
  serviceId: 's1',
  desiredState,
  state,
  message: state,
  ...(error && { error }),
  image: 'x',
  timestamp: `2026-01-01T00:00:${String(n).padStart(2, '0')}Z`,
});

const facts = (f: Partial<WaitFacts>): WaitFacts => ({
  service: service(2),
  tasks: [],
  before: new Set(),
  rolling: false,
  elapsedMs: 0,
  ...f,
});

describe('judging a service', () => {
  it('is done once as many tasks run as it has replicas', () => {
    expect(judgeService(facts({ tasks: [task('running'), task('starting')] }))).toEqual({
      state: 'waiting',
      progress: '1/2 running',
    });
    expect(judgeService(facts({ tasks: [task('running'), task('running'), task('shutdown', 'shutdown')] }))).toEqual({
      state: 'done',
      progress: '2/2 running',
    });
  });

  it('waits for a rolling update to show, then follows it to completion', () => {
    const running = [task('running'), task('running')];
    expect(judgeService(facts({ tasks: running, rolling: true, previousUpdate: 'T0' })).state).toBe('waiting');
    const updating = service(2, { state: 'updating', startedAt: 'T1' });
    expect(judgeService(facts({ service: updating, tasks: running, rolling: true, previousUpdate: 'T0' }))).toEqual({
      state: 'waiting',
      progress: 'updating, 2/2 running',
    });
    const completed = service(2, { state: 'completed', startedAt: 'T1' });
    expect(judgeService(facts({ service: completed, tasks: running, rolling: true, previousUpdate: 'T0' })).state).toBe(
      'done',
    );
  });

  it('an update the swarm rolled back is a failure naming the new task error', () => {
    const rolledBack = service(1, { state: 'rollback_completed', startedAt: 'T1', message: 'rollback completed' });
    const failed = task('failed', 'shutdown', 'task: non-zero exit (137): dockerexec: unhealthy container');
    expect(
      judgeService(
        facts({ service: rolledBack, tasks: [task('running'), failed], rolling: true, previousUpdate: 'T0' }),
      ),
    ).toEqual({
      state: 'failed',
      progress: '1/1 running',
      error:
        'the update failed and was rolled back (a new task failed: task: non-zero exit (137): dockerexec: unhealthy container)',
    });
  });

  it('an old update status is not this deploy’s', () => {
    const old = service(1, { state: 'rollback_completed', startedAt: 'T0' });
    expect(judgeService(facts({ service: old, tasks: [task('running')], previousUpdate: 'T0' })).state).toBe('done');
  });

  it('fails after three failed tasks of this deploy, with the last error; earlier ones do not count', () => {
    const old = task('failed', 'shutdown', 'old failure');
    const failures = [1, 2, 3].map((i) => task('failed', 'shutdown', `exit ${i}`));
    expect(judgeService(facts({ tasks: [old, failures[0]!, task('starting')], before: new Set([old.id]) }))).toEqual({
      state: 'waiting',
      progress: '0/2 running, a task failed: exit 1',
    });
    expect(judgeService(facts({ tasks: [old, ...failures], before: new Set([old.id]) }))).toEqual({
      state: 'failed',
      progress: '0/2 running',
      error: '3 tasks failed, the last: exit 3',
    });
  });

  it('a global service is done when every task it wants runs', () => {
    const global: SwarmService = { ...service(1), spec: { ...service(1).spec, Mode: { Global: {} } } };
    expect(judgeService(facts({ service: global, tasks: [task('running'), task('running')] }))).toEqual({
      state: 'done',
      progress: '2/2 running',
    });
    expect(judgeService(facts({ service: global, tasks: [] })).state).toBe('waiting');
  });
});
