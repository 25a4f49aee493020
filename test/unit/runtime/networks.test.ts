/**
 * Two clients creating one network at once converge on one network: an in-memory engine whose
 * duplicate check is not atomic (it looks and stamps the creation time when the request arrives, and
 * lists the network only once the create ends, as Docker 20.10 can) lets both create it; each then keeps
 * the oldest, removes only its own newer one, and the creator of the oldest waits (bounded) for the
 * others to go, then gives way itself.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ConflictError, EngineError } from '../../../src/errors.js';
import { ensureNetwork, type NetworkCalls } from '../../../src/runtime/docker/networks.js';
import type { PollTiming } from '../../../src/runtime/docker/removal.js';
import type { NetworkSpec, NetworkSummary } from '../../../src/runtime/runtime.js';

const SPEC: NetworkSpec = { name: 'p_default', labels: { 'com.docker.compose.project': 'p' } };
const realTime: PollTiming = { now: () => Date.now(), sleep: (ms) => sleep(ms) };

class Engine {
  readonly networks: NetworkSummary[] = [];
  /** "<client> remove <id>", in order. */
  readonly removals: string[] = [];
  private seq = 0;

  /** One client's calls; its creates take `createMs`. */
  client(who: string, createMs: number): NetworkCalls {
    return {
      create: async (spec) => {
        const taken = this.networks.some((n) => n.name === spec.name);
        const stamp = ++this.seq;
        await sleep(createMs);
        if (taken) throw new ConflictError(409, `network with name ${spec.name} already exists`, 'create network');
        return this.store(spec.name, stamp);
      },
      list: (name) => Promise.resolve(this.networks.filter((n) => n.name === name).map((n) => ({ ...n }))),
      remove: (id) => {
        this.removals.push(`${who} remove ${id}`);
        const at = this.networks.findIndex((n) => n.id === id);
        if (at >= 0) this.networks.splice(at, 1);
        return Promise.resolve();
      },
    };
  }

  /** A network made now. */
  add(name: string): string {
    return this.store(name, ++this.seq);
  }

  /** A network listed from now on, created at `stamp` (later stamps sort after). */
  private store(name: string, stamp: number): string {
    const id = `${stamp}`.padStart(64, '0');
    this.networks.push({
      id,
      name,
      driver: 'bridge',
      labels: {},
      containers: [],
      created: `2026-12-03T20:00:00.${`${stamp}`.padStart(9, '0')}Z`,
    });
    return id;
  }
}

describe('a network two clients create at once', () => {
  it('both made one (the engine let both through): each ends with the oldest, which only its maker kept', async () => {
    const engine = new Engine();
    await Promise.all([
      ensureNetwork(engine.client('a', 10), SPEC, realTime),
      ensureNetwork(engine.client('b', 30), SPEC, realTime),
    ]);
    expect(engine.networks.map((n) => n.id)).toEqual(['1'.padStart(64, '0')]);
    // The maker of the newer one removed its own; nobody removed another's.
    expect(engine.removals).toEqual([`b remove ${'2'.padStart(64, '0')}`]);
  });

  it('an older create still under way when one looks: it looks again after as long as its own create took, and gives way', async () => {
    const engine = new Engine();
    const b = engine.client('b', 80);
    const a = engine.client('a', 40);
    // b's request arrives first (its network is the older) but is listed only after a has looked once.
    await Promise.all([ensureNetwork(b, SPEC, realTime), sleep(5).then(() => ensureNetwork(a, SPEC, realTime))]);
    expect(engine.networks.map((n) => n.id)).toEqual(['1'.padStart(64, '0')]);
    expect(engine.removals).toEqual([`a remove ${'2'.padStart(64, '0')}`]);
  });

  it('one there already: the create is refused and that is done, with no look and no removal', async () => {
    const engine = new Engine();
    engine.add('p_default');
    let listed = false;
    const calls = engine.client('a', 0);
    await ensureNetwork(
      {
        ...calls,
        list: (name) => {
          listed = true;
          return calls.list(name);
        },
      },
      SPEC,
      realTime,
    );
    expect(engine.networks).toHaveLength(1);
    expect(listed).toBe(false);
  });

  it('the maker of the oldest waits for the newer ones to go, at most 5 s; when they stay, it removes its own, never theirs', async () => {
    const engine = new Engine();
    let t = 0;
    const virtual: PollTiming = {
      now: () => t,
      sleep: (ms) => {
        t += ms;
        return Promise.resolve();
      },
    };
    const calls = engine.client('a', 0);
    await ensureNetwork(
      {
        ...calls,
        // Another client's newer network appears right after ours, and its maker never removes it.
        create: async (spec) => {
          const mine = await calls.create(spec);
          engine.add(spec.name);
          return mine;
        },
      },
      SPEC,
      virtual,
    );
    expect(t).toBeGreaterThanOrEqual(5000);
    expect(t).toBeLessThan(5200);
    // The other maker went on with its own (it never saw ours): ours gives way, and one network is left.
    expect(engine.networks.map((n) => n.id)).toEqual(['2'.padStart(64, '0')]);
    expect(engine.removals).toEqual([`a remove ${'1'.padStart(64, '0')}`]);
  });

  it('any other failure of the create is that failure', async () => {
    const engine = new Engine();
    const refused = new EngineError(500, 'could not find an available, non-overlapping IPv4 address pool', 'create');
    await expect(
      ensureNetwork({ ...engine.client('a', 0), create: () => Promise.reject(refused) }, SPEC, realTime),
    ).rejects.toBe(refused);
  });
});
