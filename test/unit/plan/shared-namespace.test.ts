/**
 * A service that shares another's network namespace (`network_mode: service:vpn`) joins that service's
 * container by id: when that container is recreated, in the same up or an earlier one, the sharer is
 * recreated too, with the reason named, and joins the new container.
 */
import { describe, expect, it } from 'vitest';
import { up } from '../../../src/apply/ops.js';
import { formatPlan, planUp } from '../../../src/plan/index.js';
import type { Renderer } from '../../../src/progress/events.js';
import { FakeRuntime } from '../../helpers/fake-runtime.js';
import { project } from '../../helpers/project.js';

const quiet: Renderer = { start: () => undefined, event: () => undefined, done: () => Promise.resolve() };
const options = { berthVersion: 't', parallel: 1 };
const stack = (tag: string) =>
  project('ns', {
    vpn: { image: 'busybox', environment: { TAG: tag } },
    app: { image: 'busybox', network_mode: 'service:vpn' },
  });

const byName = (rt: FakeRuntime, name: string) => [...rt.containers.values()].find((c) => c.name === name)!;

describe('network_mode: service:x', () => {
  it('recreating the shared container in the same up recreates the sharer, which joins the new one', async () => {
    const rt = new FakeRuntime({ busybox: 'sha256:1' });
    await up(stack('a'), rt, options, quiet);
    const before = byName(rt, 'ns-app-1').id;
    const plan = planUp(stack('b'), await rt.observe('ns', ['busybox']), options);
    expect(formatPlan(plan)).toBe(
      ['ns-vpn-1: recreate: environment.TAG changed', 'ns-app-1: recreate: network_mode: service:vpn recreated'].join(
        '\n',
      ),
    );
    await up(stack('b'), rt, options, quiet);
    const app = byName(rt, 'ns-app-1');
    expect(app.id).not.toBe(before);
    expect(app.networkMode).toBe(`container:${byName(rt, 'ns-vpn-1').id}`);
  });

  it('a shared container recreated by an earlier up (the sharer left out) recreates the sharer on the next up', async () => {
    const rt = new FakeRuntime({ busybox: 'sha256:1' });
    await up(stack('a'), rt, options, quiet);
    await up(stack('a'), rt, { ...options, services: ['vpn'], noDeps: true, forceRecreate: true }, quiet);
    const plan = planUp(stack('a'), await rt.observe('ns', ['busybox']), options);
    expect(formatPlan(plan)).toBe(
      [
        'ns-vpn-1: keep: up to date (running)',
        'ns-app-1: recreate: network_mode: service:vpn runs in another container now',
      ].join('\n'),
    );
    await up(stack('a'), rt, options, quiet);
    expect(byName(rt, 'ns-app-1').networkMode).toBe(`container:${byName(rt, 'ns-vpn-1').id}`);
    expect(formatPlan(planUp(stack('a'), await rt.observe('ns', ['busybox']), options))).toBe(
      ['ns-vpn-1: keep: up to date (running)', 'ns-app-1: keep: up to date (running)'].join('\n'),
    );
  });
});
