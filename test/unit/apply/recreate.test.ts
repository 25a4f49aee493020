/**
 * How apply recreates a container, against the in-memory runtime: the old one steps aside under a
 * temporary name and stops while the new one is made under the real name, then the new one starts while
 * the old one is removed. A create that fails leaves the old container as it was: its name, running.
 */
import { describe, expect, it } from 'vitest';
import { up } from '../../../src/apply/ops.js';
import type { Renderer } from '../../../src/progress/events.js';
import { FakeRuntime } from '../../helpers/fake-runtime.js';
import { project } from '../../helpers/project.js';

const quiet: Renderer = { start: () => undefined, event: () => undefined, done: () => Promise.resolve() };
const options = { berthVersion: 't', parallel: 1 };
const stack = (greeting: string) => project('demo', { web: { image: 'busybox', environment: { GREETING: greeting } } });

async function upWith(greeting: string, rt: FakeRuntime): Promise<void> {
  await up(stack(greeting), rt, options, quiet);
}

describe('recreate', () => {
  it('makes the new container under the real name before the old one is removed, and starts it', async () => {
    const rt = new FakeRuntime({ busybox: 'sha256:1' });
    await upWith('hello', rt);
    const [old] = [...rt.containers.values()];
    rt.calls.length = 0;
    await upWith('howdy', rt);
    const aside = `${old!.id.slice(0, 12)}_demo-web-1`;
    expect(rt.calls.slice(0, 3)).toEqual([`rename demo-web-1 ${aside}`, `stop ${aside}`, 'create demo-web-1']);
    // The new one starts while the old one is removed: both, in either order.
    expect(rt.calls.slice(3).sort()).toEqual([`remove ${aside}`, 'start demo-web-1']);
    const [now, ...rest] = [...rt.containers.values()];
    expect(rest).toEqual([]);
    expect(now!.id).not.toBe(old!.id);
    expect(now!.name).toBe('demo-web-1');
    expect(now!.state).toBe('running');
    expect(now!.spec.env).toContain('GREETING=howdy');
  });

  it('leaves the old container running under its own name when the create fails', async () => {
    const rt = new FakeRuntime({ busybox: 'sha256:1' });
    await upWith('hello', rt);
    const [old] = [...rt.containers.values()];
    rt.failNext.set('createContainer', new Error('no space left on device'));
    await expect(upWith('howdy', rt)).rejects.toThrow();
    expect([...rt.containers.values()].map((c) => [c.id, c.name, c.state])).toEqual([[old!.id, 'demo-web-1', 'running']]);
  });
});
