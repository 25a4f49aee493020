/**
 * How apply recreates a container, against the in-memory runtime: the old one steps aside under a
 * temporary name and stops while the new one is made under the real name; the new one starts; only then
 * is the old one removed. A create or start that fails gives the old container back (its name, running,
 * its volumes); a step that fails or whose answer is lost leaves a shape the next `up` settles.
 */
import { describe, expect, it } from 'vitest';
import { up } from '../../../src/apply/ops.js';
import { EngineUnreachableError, PortTakenError } from '../../../src/errors.js';
import type { Renderer } from '../../../src/progress/events.js';
import { FakeRuntime } from '../../helpers/fake-runtime.js';
import { project } from '../../helpers/project.js';

const quiet: Renderer = { start: () => undefined, event: () => undefined, done: () => Promise.resolve() };
const options = { berthVersion: 't', parallel: 1 };
const stack = (greeting: string) =>
  project('demo', {
    web: { image: 'busybox', environment: { GREETING: greeting }, volumes: [{ type: 'volume', target: '/data' }] },
  });

async function upWith(
  greeting: string,
  rt: FakeRuntime,
  extra: { forceRecreate?: boolean; renewAnonVolumes?: boolean } = {},
): Promise<void> {
  await up(stack(greeting), rt, { ...options, ...extra }, quiet);
}

/** A runtime with `demo-web-1` running, made from an image that declares `VOLUME /cache`. */
async function running(): Promise<{ rt: FakeRuntime; id: string; volumes: string[] }> {
  const rt = new FakeRuntime({ busybox: 'sha256:1' });
  rt.imageVolumes.set('busybox', ['/cache']);
  await upWith('hello', rt);
  const [c] = [...rt.containers.values()];
  rt.calls.length = 0;
  return { rt, id: c!.id, volumes: volumesOf(rt) };
}

const volumesOf = (rt: FakeRuntime): string[] =>
  [...rt.containers.values()].flatMap((c) => c.mounts.map((m) => `${m.target}=${m.name}`)).sort();
const shape = (rt: FakeRuntime) => [...rt.containers.values()].map((c) => [c.name, c.state]);

describe('recreate', () => {
  it('starts the new container under the real name before the old one is removed', async () => {
    const { rt, id, volumes } = await running();
    await upWith('howdy', rt);
    const aside = `${id.slice(0, 12)}_demo-web-1`;
    expect(rt.calls).toEqual([
      `rename demo-web-1 ${aside}`,
      `stop ${aside}`,
      'create demo-web-1',
      'start demo-web-1',
      `remove ${aside}`,
    ]);
    const [now, ...rest] = [...rt.containers.values()];
    expect(rest).toEqual([]);
    expect(now!.id).not.toBe(id);
    expect([now!.name, now!.state]).toEqual(['demo-web-1', 'running']);
    expect(now!.spec.env).toContain('GREETING=howdy');
    // The file's anonymous volume and the image's VOLUME: the same volumes, by name.
    expect(volumesOf(rt)).toEqual(volumes);
  });

  it('-V renews every anonymous volume', async () => {
    const { rt, volumes } = await running();
    await upWith('hello', rt, { forceRecreate: true, renewAnonVolumes: true });
    const now = volumesOf(rt);
    expect(now).toHaveLength(2);
    expect(now.filter((v) => volumes.includes(v))).toEqual([]);
  });

  it('gives the old container back, running under its own name, when the create fails', async () => {
    const { rt, id, volumes } = await running();
    rt.failNext.set('createContainer', new Error('no space left on device'));
    await expect(upWith('howdy', rt)).rejects.toThrow(
      'demo-web-1: recreate failed: no space left on device; the previous container was kept and restarted',
    );
    expect([...rt.containers.values()].map((c) => [c.id, c.name, c.state])).toEqual([[id, 'demo-web-1', 'running']]);
    expect(volumesOf(rt)).toEqual(volumes);
  });

  it('gives the old container back when the new one fails to start, and removes the new one without its volumes', async () => {
    const { rt, id, volumes } = await running();
    rt.failNext.set(
      'startContainer',
      new PortTakenError(
        500,
        'driver failed programming external connectivity on endpoint demo-web-1 (x): Bind for 127.0.0.1:8080 failed: port is already allocated',
        'start container',
        '127.0.0.1:8080',
        'allocated',
      ),
    );
    await expect(upWith('howdy', rt)).rejects.toThrow(
      'demo-web-1: recreate failed: port 127.0.0.1:8080 is already allocated; the previous container was kept and restarted',
    );
    expect([...rt.containers.values()].map((c) => [c.id, c.name, c.state])).toEqual([[id, 'demo-web-1', 'running']]);
    expect(volumesOf(rt)).toEqual(volumes);
    expect(rt.calls.filter((c) => c.startsWith('remove'))).toEqual(['remove demo-web-1']);
    // Once the cause is gone, the next up recreates.
    await upWith('howdy', rt);
    expect(shape(rt)).toEqual([['demo-web-1', 'running']]);
    expect(volumesOf(rt)).toEqual(volumes);
  });

  it('starts the old container it gives back when up is to start the service, even if it was found stopped', async () => {
    const { rt, id } = await running();
    await rt.stopContainer(id);
    rt.failNext.set('createContainer', new Error('no space left on device'));
    await expect(upWith('howdy', rt)).rejects.toThrow(
      'recreate failed: no space left on device; the previous container was kept and restarted',
    );
    expect(shape(rt)).toEqual([['demo-web-1', 'running']]);
  });

  it('keeps a stopped old container stopped when it gives it back under up --no-start', async () => {
    const { rt, id } = await running();
    await rt.stopContainer(id);
    rt.failNext.set('createContainer', new Error('no space left on device'));
    await expect(up(stack('howdy'), rt, { ...options, noStart: true }, quiet)).rejects.toThrow(
      'recreate failed: no space left on device; the previous container was kept',
    );
    expect(shape(rt)).toEqual([['demo-web-1', 'exited']]);
  });

  it('says what could not be given back when the undo itself fails, and leaves the rest to the next up', async () => {
    const { rt, volumes } = await running();
    rt.failNext.set('createContainer', new Error('no space left on device'));
    // The create fails, then giving the name back fails: the previous container stays aside, stopped.
    const rename = rt.renameContainer.bind(rt);
    let renames = 0;
    rt.renameContainer = async (id: string, name: string): Promise<void> => {
      if (++renames === 2) throw new Error('engine busy');
      return rename(id, name);
    };
    await expect(upWith('howdy', rt)).rejects.toThrow(
      'recreate failed: no space left on device; the previous container is kept, but its name could not be given back (engine busy); the next up settles it',
    );
    rt.renameContainer = rename;
    await upWith('howdy', rt);
    expect(shape(rt)).toEqual([['demo-web-1', 'running']]);
    expect(volumesOf(rt)).toEqual(volumes);
  });

  it('a service whose image is pulled in the same up is recreated only when the pull brought a new image', async () => {
    const rt = new FakeRuntime({ busybox: 'sha256:1' });
    const pulled = project('demo', { web: { image: 'busybox', pull_policy: 'always' } });
    await up(pulled, rt, options, quiet);
    const [first] = [...rt.containers.values()];
    rt.registry.set('busybox', 'sha256:1');
    rt.calls.length = 0;
    await up(pulled, rt, options, quiet);
    expect(rt.calls).toEqual(['pull busybox']);
    rt.registry.set('busybox', 'sha256:2');
    await up(pulled, rt, options, quiet);
    const [now, ...rest] = [...rt.containers.values()];
    expect(rest).toEqual([]);
    expect(now!.id).not.toBe(first!.id);
    expect([now!.name, now!.state, now!.spec.image]).toEqual(['demo-web-1', 'running', 'busybox']);
  });

  const steps = ['renameContainer', 'stopContainer', 'createContainer', 'startContainer', 'removeContainer'] as const;
  for (const step of steps) {
    for (const when of ['before', 'after'] as const) {
      it(`an answer lost ${when} the engine did the ${step.replace('Container', '')}: the next up converges, the data kept`, async () => {
        const { rt, volumes } = await running();
        (when === 'before' ? rt.failNext : rt.failAfter).set(
          step,
          new EngineUnreachableError('cannot reach the Docker Engine: connection reset'),
        );
        const first = upWith('howdy', rt);
        // A lost answer to work the engine did is settled by looking: that up succeeds.
        if (when === 'after') await first;
        else await expect(first).rejects.toThrow(/connection reset/);
        await upWith('howdy', rt);
        expect(shape(rt)).toEqual([['demo-web-1', 'running']]);
        expect(volumesOf(rt)).toEqual(volumes);
        expect([...rt.containers.values()][0]!.spec.env).toContain('GREETING=howdy');
        expect(rt.calls.filter((c) => c.endsWith(' -v'))).toEqual([]);
      });
    }
  }
});
