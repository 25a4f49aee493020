import { describe, expect, it } from 'vitest';
import { DependencyCycleError } from '../../../src/errors.js';
import { buildGraph, serviceDependencies, topoOrder, withDependencies } from '../../../src/graph/graph.js';
import { walk } from '../../../src/graph/walk.js';

describe('graph', () => {
  it('orders dependencies first', () => {
    const g = buildGraph({ web: ['api'], api: ['db', 'cache'], db: [], cache: [] });
    expect(topoOrder(g)).toEqual(['cache', 'db', 'api', 'web']);
  });

  it('names the cycle', () => {
    expect(() => buildGraph({ a: ['b'], b: ['c'], c: ['a'] })).toThrow(DependencyCycleError);
    expect(() => buildGraph({ a: ['b'], b: ['c'], c: ['a'] })).toThrow(
      'dependency cycle between services: a -> b -> c -> a',
    );
    expect(() => buildGraph({ a: ['a'] })).toThrow('a -> a');
  });

  it('collects edges from depends_on, links, volumes_from and service: modes', () => {
    expect(
      serviceDependencies({
        depends_on: { db: {} },
        links: ['cache:redis'],
        volumes_from: ['data:ro', 'container:other'],
        network_mode: 'service:vpn',
        ipc: 'service:shm',
        pid: 'host',
      }).sort(),
    ).toEqual(['cache', 'data', 'db', 'shm', 'vpn']);
  });

  it('selects a service with its transitive dependencies', () => {
    const g = buildGraph({ web: ['api'], api: ['db'], db: [], other: [] });
    expect([...withDependencies(g, ['web'])].sort()).toEqual(['api', 'db', 'web']);
  });
});

describe('walk', () => {
  const g = buildGraph({ web: ['api'], api: ['db'], db: [], worker: ['db'] });

  it('visits each node after its dependencies, in parallel where it can', async () => {
    const log: string[] = [];
    let running = 0;
    let peak = 0;
    await walk(g, { direction: 'up', concurrency: 10 }, async (n) => {
      running++;
      peak = Math.max(peak, running);
      log.push(`start ${n}`);
      await new Promise((r) => setImmediate(r));
      log.push(`end ${n}`);
      running--;
    });
    expect(log.indexOf('end db')).toBeLessThan(log.indexOf('start api'));
    expect(log.indexOf('end api')).toBeLessThan(log.indexOf('start web'));
    expect(peak).toBe(2); // api and worker together
  });

  it('goes in reverse when tearing down', async () => {
    const order: string[] = [];
    await walk(g, { direction: 'down', concurrency: 1 }, (n) => {
      order.push(n);
      return Promise.resolve();
    });
    expect(order.indexOf('web')).toBeLessThan(order.indexOf('api'));
    expect(order.indexOf('api')).toBeLessThan(order.indexOf('db'));
    expect(order.indexOf('worker')).toBeLessThan(order.indexOf('db'));
  });

  it('stops scheduling after the first failure and reports it', async () => {
    const visited: string[] = [];
    const result = await walk(g, { direction: 'up', concurrency: 1 }, (n) => {
      visited.push(n);
      return n === 'db' ? Promise.reject(new Error('boom')) : Promise.resolve();
    });
    expect(visited).toEqual(['db']);
    expect(result.failed).toEqual([{ node: 'db', error: new Error('boom') }]);
    expect(result.skipped.sort()).toEqual(['api', 'web', 'worker']);
  });

  it('goes on past the failure of a node it may do without, visiting the nodes that wait for it', async () => {
    const visited: string[] = [];
    const result = await walk(g, { direction: 'up', concurrency: 1, tolerate: (n) => n === 'db' }, (n) => {
      visited.push(n);
      return n === 'db' ? Promise.reject(new Error('boom')) : Promise.resolve();
    });
    expect(visited).toEqual(['db', 'api', 'worker', 'web']);
    expect(result.failed).toEqual([]);
    expect(result.tolerated).toEqual([{ node: 'db', error: new Error('boom') }]);
    expect(result.skipped).toEqual([]);
  });

  it('respects the concurrency limit', async () => {
    const wide = buildGraph(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`s${i}`, []])));
    let running = 0;
    let peak = 0;
    await walk(wide, { direction: 'up', concurrency: 3 }, async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setImmediate(r));
      running--;
    });
    expect(peak).toBe(3);
  });
});
