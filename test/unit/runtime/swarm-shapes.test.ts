/**
 * The swarm's answers as berth reads them: a service's version and update status, a task's state, error
 * and container, from `GET /services` and `GET /tasks` as Engine 20.10 words them.
 */
import { describe, expect, it } from 'vitest';
import { serviceFrom, taskFrom } from '../../../src/runtime/docker/swarm.js';

describe('swarm shapes', () => {
  it('a service keeps its spec as the engine gives it, with its version and last update', () => {
    const spec = { Name: 'p_app', Labels: {}, TaskTemplate: { ContainerSpec: { Image: 'x' } } };
    const s = serviceFrom({
      ID: 'abc',
      Version: { Index: 42 },
      Spec: spec,
      UpdateStatus: { State: 'rollback_completed', StartedAt: '2026-01-01T00:00:00Z', Message: 'rollback completed' },
    });
    expect(s).toEqual({
      id: 'abc',
      version: 42,
      spec,
      updateStatus: { state: 'rollback_completed', message: 'rollback completed', startedAt: '2026-01-01T00:00:00Z' },
    });
    expect(serviceFrom({ ID: 'd', Version: { Index: 1 }, Spec: spec }).updateStatus).toBeUndefined();
  });

  it('a failed task carries its error, exit code and container', () => {
    const t = taskFrom({
      ID: 't1',
      ServiceID: 'abc',
      NodeID: 'n1',
      Slot: 1,
      DesiredState: 'shutdown',
      Spec: { ContainerSpec: { Image: 'x:1@sha256:00' } },
      Status: {
        Timestamp: '2026-01-01T00:00:05Z',
        State: 'failed',
        Message: 'started',
        Err: 'task: non-zero exit (137): dockerexec: unhealthy container',
        ContainerStatus: { ContainerID: 'c1', ExitCode: 137 },
      },
    });
    expect(t).toEqual({
      id: 't1',
      serviceId: 'abc',
      nodeId: 'n1',
      slot: 1,
      desiredState: 'shutdown',
      state: 'failed',
      message: 'started',
      error: 'task: non-zero exit (137): dockerexec: unhealthy container',
      exitCode: 137,
      containerId: 'c1',
      image: 'x:1@sha256:00',
      timestamp: '2026-01-01T00:00:05Z',
    });
  });
});
