/**
 * The in-memory runtime keeps the engine behaviours the planner and the waits depend on: health starts
 * `starting` and is decided by the check, the list reports mounts, a named volume a container mounts is
 * made unlabelled, and image references normalize. If one of these drifts, unit tests of plan/ and apply/
 * would pass against an engine that does not exist.
 */
import { describe, expect, it } from 'vitest';
import { waitForService, type WaitWorld } from '../../../src/apply/wait.js';
import type { ContainerSpec } from '../../../src/runtime/runtime.js';
import { FakeRuntime } from '../../helpers/fake-runtime.js';

const labels = {
  'com.docker.compose.project': 'demo',
  'com.docker.compose.service': 'app',
  'com.docker.compose.oneoff': 'False',
};
const spec = (over: Partial<ContainerSpec> = {}): ContainerSpec => ({
  name: 'demo-app-1',
  image: 'busybox',
  labels,
  env: [],
  mounts: [],
  ports: [],
  endpoints: [],
  ...over,
});
const checked = spec({ healthcheck: { test: ['CMD', 'true'] } });

/** A clock that moves only when the wait sleeps. */
const world = (): WaitWorld => {
  let t = 0;
  return {
    now: () => t,
    sleep: (ms: number) => {
      t += ms;
      return Promise.resolve();
    },
  };
};

describe('the in-memory runtime, where it keeps the engine behaviour', () => {
  it('a container with a healthcheck is starting when it starts, and healthy once its check has run', async () => {
    const rt = new FakeRuntime({ busybox: 'sha256:1' });
    const id = await rt.createContainer(checked);
    await rt.startContainer(id);
    expect((await rt.inspectContainer(id)).health).toBe('starting');
    expect((await rt.inspectContainer(id)).health).toBe('healthy');
    await rt.restartContainer(id);
    expect((await rt.inspectContainer(id)).health).toBe('starting');
  });

  it('a wait for a healthy service waits through starting; an unhealthy check fails it with the check output', async () => {
    const rt = new FakeRuntime({ busybox: 'sha256:1' });
    await rt.startContainer(await rt.createContainer(checked));
    await expect(waitForService(rt, 'demo', 'app', 'service_healthy', undefined, world())).resolves.toBe('healthy');

    const sick = new FakeRuntime({ busybox: 'sha256:1' });
    sick.healthResults.set('demo-app-1', { status: 'unhealthy', output: 'connection refused' });
    await sick.startContainer(await sick.createContainer(checked));
    await expect(waitForService(sick, 'demo', 'app', 'service_healthy', undefined, world())).rejects.toThrow(
      'container demo-app-1 is unhealthy after 0s: last healthcheck output: connection refused',
    );
  });

  it('a container without a healthcheck (or with NONE) has no health', async () => {
    const rt = new FakeRuntime({ busybox: 'sha256:1' });
    const plain = await rt.createContainer(spec());
    const none = await rt.createContainer(spec({ name: 'demo-app-2', healthcheck: { test: ['NONE'] } }));
    await rt.startContainer(plain);
    await rt.startContainer(none);
    expect((await rt.inspectContainer(plain)).health).toBe('none');
    expect((await rt.inspectContainer(none)).health).toBe('none');
  });

  it('the list reports every volume mount, and a named volume a container mounts is made without labels', async () => {
    const rt = new FakeRuntime({ busybox: 'sha256:1' });
    rt.imageVolumes.set('busybox', ['/cache']);
    await rt.createContainer(spec({ mounts: [{ type: 'volume', source: 'demo_data', target: '/data' }] }));
    const [listed] = await rt.listContainers({ all: true, labels: { 'com.docker.compose.project': 'demo' } });
    expect(listed?.volumes).toEqual([
      { name: 'demo_data', target: '/data' },
      { name: expect.any(String) as string, target: '/cache' },
    ]);
    expect(await rt.listVolumes({ name: 'demo_data' })).toMatchObject([{ name: 'demo_data', labels: {} }]);
    // Not the project's: a label filter does not find it, as the planner's observation does not.
    expect(await rt.listVolumes({ labels: { 'com.docker.compose.project': 'demo' } })).toEqual([]);
  });

  it('image references normalize: busybox, busybox:latest and docker.io/library/busybox:latest are one image', async () => {
    const rt = new FakeRuntime({ busybox: 'sha256:1' });
    expect((await rt.inspectImage('docker.io/library/busybox:latest'))?.id).toBe('sha256:1');
    expect((await rt.inspectImage('busybox:latest'))?.id).toBe('sha256:1');
    expect(await rt.inspectImage('busybox:1.36')).toBeUndefined();
    const id = await rt.createContainer(spec({ image: 'docker.io/library/busybox' }));
    expect((await rt.inspectContainer(id)).imageId).toBe('sha256:1');
    expect((await rt.observe('demo', ['docker.io/busybox'])).images).toEqual({ 'docker.io/busybox': 'sha256:1' });
    expect(await rt.listImages()).toHaveLength(1);
  });
});
