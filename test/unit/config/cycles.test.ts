import { describe, expect, it } from 'vitest';
import { loadBrief } from './helpers.js';

const HINT =
  'services cannot wait for each other: remove one of the depends_on, links, volumes_from or "service:" references in the cycle';

describe('dependency cycles', () => {
  it('reports a depends_on cycle at the entry that closes it, naming the cycle', async () => {
    expect(
      await loadBrief({
        'compose.yaml': [
          'services:',
          '  a:',
          '    image: x',
          '    depends_on: [b]',
          '  b:',
          '    image: x',
          '    depends_on:',
          '      a: {condition: service_healthy}',
          '',
        ].join('\n'),
      }),
    ).toEqual([`compose.yaml:8:7: services.b.depends_on.a: dependency cycle: a -> b -> a (${HINT})`]);
  });

  it('finds longer cycles through links, volumes_from and network_mode, once each', async () => {
    expect(
      await loadBrief({
        'compose.yaml': [
          'services:',
          '  a: {image: x, links: ["b:bee"]}',
          '  b: {image: x, volumes_from: ["c:ro"]}',
          '  c: {image: x, network_mode: "service:a"}',
          '  d: {image: x, depends_on: [a]}',
          '',
        ].join('\n'),
      }),
    ).toEqual([`compose.yaml:4:31: services.c.network_mode: dependency cycle: a -> b -> c -> a (${HINT})`]);
  });

  it('points into the override file that adds the closing entry', async () => {
    expect(
      await loadBrief({
        'compose.yaml': 'services:\n  a: {image: x, depends_on: [b]}\n  b: {image: x}\n',
        'compose.override.yaml': 'services:\n  b:\n    depends_on:\n      - a\n',
      }),
    ).toEqual([`compose.override.yaml:4:9: services.b.depends_on.a: dependency cycle: a -> b -> a (${HINT})`]);
  });

  it('reports two separate cycles, and ignores services disabled by profiles', async () => {
    expect(
      await loadBrief({
        'compose.yaml': [
          'services:',
          '  a: {image: x, depends_on: [b]}',
          '  b: {image: x, depends_on: [a]}',
          '  c: {image: x, depends_on: [d]}',
          '  d: {image: x, depends_on: {c: {condition: service_started, required: false}}}',
          '  e: {image: x, depends_on: {f: {condition: service_started, required: false}}}',
          '  f: {image: x, profiles: [dev], depends_on: [e]}',
          '',
        ].join('\n'),
      }),
    ).toEqual([
      `compose.yaml:3:30: services.b.depends_on.a: dependency cycle: a -> b -> a (${HINT})`,
      `compose.yaml:5:30: services.d.depends_on.c: dependency cycle: c -> d -> c (${HINT})`,
    ]);
  });

  it('accepts a diamond (shared dependencies are not cycles)', async () => {
    expect(
      await loadBrief({
        'compose.yaml':
          'services:\n  a: {image: x, depends_on: [b, c]}\n  b: {image: x, depends_on: [d]}\n  c: {image: x, depends_on: [d]}\n  d: {image: x, depends_on: [a]}\n',
      }),
    ).toEqual([`compose.yaml:5:30: services.d.depends_on.a: dependency cycle: a -> b -> d -> a (${HINT})`]);
  });
});
