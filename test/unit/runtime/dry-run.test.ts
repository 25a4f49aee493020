/**
 * The dry-run runtime (`--dry-run`): apply runs against it unchanged, the engine behind it sees no write,
 * every write it was spared is recorded in words, and later reads see what those writes would have made.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { removeServices, stopServices } from '../../../src/apply/lifecycle.js';
import { down, up } from '../../../src/apply/ops.js';
import type { Renderer } from '../../../src/progress/events.js';
import { DryRunRuntime, type DryRunWrite } from '../../../src/runtime/dry-run.js';
import { FakeRuntime } from '../../helpers/fake-runtime.js';
import { project } from '../../helpers/project.js';

const quiet: Renderer = { start: () => undefined, event: () => undefined, done: () => Promise.resolve() };
const options = { berthVersion: 't', parallel: 2 };
const stack = project(
  'demo',
  {
    db: { image: 'busybox', volumes: [{ type: 'volume', source: 'data', target: '/data' }] },
    web: { image: 'busybox', depends_on: { db: { condition: 'service_started', restart: false, required: true } } },
  },
  { volumes: { data: { name: 'demo_data' } } },
);

function dryRun(engine: FakeRuntime, runsToCompletion?: (labels: Record<string, string>) => boolean) {
  const writes: DryRunWrite[] = [];
  const rt = new DryRunRuntime(engine, {
    record: (w) => void writes.push(w),
    ...(runsToCompletion && { runsToCompletion }),
  });
  return { rt, texts: () => writes.map((w) => w.text) };
}

describe('dry-run runtime', () => {
  it('up through it changes nothing on the engine and records each create and start', async () => {
    const engine = new FakeRuntime({ busybox: 'sha256:1' });
    const { rt, texts } = dryRun(engine);
    await up(stack, rt, options, quiet);
    expect(engine.calls).toEqual([]);
    expect(engine.containers.size + engine.networks.size + engine.volumes.size).toBe(0);
    expect(texts()).toEqual(
      expect.arrayContaining([
        'create network demo_default',
        'create volume demo_data',
        'create container demo-db-1',
        'start container demo-db-1',
        'create container demo-web-1',
        'start container demo-web-1',
      ]),
    );
    expect(texts().indexOf('start container demo-db-1')).toBeLessThan(texts().indexOf('create container demo-web-1'));
  });

  it('reads show what the pretended writes made: a second up has nothing to do', async () => {
    const engine = new FakeRuntime({ busybox: 'sha256:1' });
    const { rt, texts } = dryRun(engine);
    await up(stack, rt, options, quiet);
    const before = texts().length;
    const observed = await rt.observe('demo', ['busybox']);
    expect(observed.containers.map((c) => [c.name, c.state]).sort()).toEqual([
      ['demo-db-1', 'running'],
      ['demo-web-1', 'running'],
    ]);
    expect(observed.volumes.map((v) => v.name)).toEqual(['demo_data']);
    await up(stack, rt, options, quiet);
    expect(texts().length).toBe(before);
  });

  it('down, stop and rm of a running stack leave the engine as it was', async () => {
    const engine = new FakeRuntime({ busybox: 'sha256:1' });
    await up(stack, engine, options, quiet);
    engine.calls.length = 0;
    const { rt, texts } = dryRun(engine);
    const target = { projectName: 'demo', project: stack, services: [] };
    await stopServices(rt, target, { parallel: 1 }, quiet);
    expect(texts()).toEqual(['stop container demo-web-1', 'stop container demo-db-1']);
    expect((await rt.listContainers({ labels: { 'com.docker.compose.project': 'demo' } })).length).toBe(0);
    await removeServices(rt, target, { parallel: 1, confirm: () => Promise.resolve(true) }, quiet);
    await down('demo', stack, rt, { ...options, volumes: true }, quiet);
    expect(texts()).toEqual(
      expect.arrayContaining(['remove container demo-web-1', 'remove volume demo_data', 'remove network demo_default']),
    );
    expect(engine.calls).toEqual([]);
    expect([...engine.containers.values()].map((c) => c.state)).toEqual(['running', 'running']);
    expect((await rt.observe('demo', [])).containers).toEqual([]);
  });

  it('a pulled or built image reads as present; the engine has none', async () => {
    const engine = new FakeRuntime();
    const { rt, texts } = dryRun(engine);
    await rt.pullImage('registry.example/app:1');
    const id = await rt.buildImage({ context: '/src', tags: ['demo-web'] });
    expect((await rt.inspectImage('registry.example/app:1'))?.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await rt.inspectImage('demo-web:latest'))?.id).toBe(id);
    expect(await engine.inspectImage('demo-web')).toBeUndefined();
    expect(texts()).toEqual(['pull image registry.example/app:1', 'build image demo-web from /src']);
  });

  it('a one-shot job reads as completed once started, so that a wait for it ends', async () => {
    const jobs = project('jobs', {
      migrate: { image: 'busybox' },
      app: {
        image: 'busybox',
        depends_on: { migrate: { condition: 'service_completed_successfully', restart: false, required: true } },
      },
    });
    const engine = new FakeRuntime({ busybox: 'sha256:1' });
    const { rt } = dryRun(engine, (labels) => labels['com.docker.compose.service'] === 'migrate');
    await up(jobs, rt, options, quiet);
    const states = Object.fromEntries((await rt.listContainers({ all: true })).map((c) => [c.name, c.state] as const));
    expect(states).toEqual({ 'jobs-migrate-1': 'exited', 'jobs-app-1': 'running' });
  });

  it('a copy into a container reads its tar and sends nothing; one out of it is empty', async () => {
    const engine = new FakeRuntime({ busybox: 'sha256:1' });
    await up(stack, engine, options, quiet);
    engine.calls.length = 0;
    const { rt, texts } = dryRun(engine);
    // As cp finds it: by a read, which also gives the name the record uses.
    const id = (await rt.listContainers({ name: 'demo-db-1' }))[0]!.id;
    const tar = Readable.from([Buffer.alloc(512), Buffer.alloc(512)]);
    await rt.putArchive(id, '/tmp', tar);
    expect(tar.readableEnded).toBe(true);
    expect(engine.calls).toEqual([]);
    await expect(rt.getArchive(id, '/nowhere')).rejects.toThrow(/Could not find the file \/nowhere/);
    expect(texts()).toEqual(['copy files into container demo-db-1 at /tmp']);
  });
});
