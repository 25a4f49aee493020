import { describe, expect, it } from 'vitest';
import { DependencyCycleError } from '../../../src/errors.js';
import { buildGraph, serviceDependencies, topoOrder, withDependencies } from '../../../src/graph/graph.js';

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
