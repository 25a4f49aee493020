/**
 * quickYaml (config/quick-yaml.ts) writes what the yaml library's stringify writes with render.ts's
 * options, or declines. Held to the library over every stack of the corpus and the samples, and over
 * documents made of awkward strings (quotes, indicators, things that read as numbers or booleans).
 */
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadProject, type LoadOptions } from '../../../src/config/load.js';
import { FileMode, quickYaml } from '../../../src/config/quick-yaml.js';
import { projectDocument, renderProject, YAML_OPTIONS } from '../../../src/config/render.js';
import { ConfigError } from '../../../src/errors.js';
import { corpusCases, load } from './helpers.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const library = (doc: unknown): string => stringify(doc, YAML_OPTIONS);

/** The corpus's stacks (with their case.json options) and the samples. */
function stacks(): { name: string; opts: LoadOptions }[] {
  const samples = ['hello', 'devstack'].map((name) => ({
    name: `samples/${name}`,
    opts: { cwd: join(ROOT, 'samples', name), env: {}, files: ['compose.yaml'] },
  }));
  return [...corpusCases(), ...samples];
}

/** A small deterministic generator (mulberry32), so that a failure names a reproducible case. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  'a',
  'web',
  '1',
  '0',
  '8080',
  '.',
  'e',
  'x',
  'o',
  '0x1F',
  '0o17',
  ' ',
  ':',
  ': ',
  '#',
  ' #',
  '-',
  '- ',
  '?',
  "'",
  '"',
  '\\',
  '{',
  '}',
  '[',
  ']',
  ',',
  '&',
  '*',
  '!',
  '|',
  '>',
  '%',
  '@',
  '`',
  '~',
  '+',
  '=',
  '/',
  'true',
  'False',
  'NULL',
  'null',
  '.inf',
  '.NaN',
  '1e3',
  '-',
  '---',
  '...',
  '$',
  '\t',
  '\n',
  'é',
  '<<',
];

function awkwardString(next: () => number): string {
  let s = '';
  const n = Math.floor(next() * 4);
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(next() * PIECES.length)];
  return s;
}

function awkwardValue(next: () => number, depth: number): unknown {
  const r = next();
  if (depth > 2 || r < 0.45) return awkwardString(next);
  if (r < 0.5) return [null, true, false, 0, 42, -7, 1.5, 1e21][Math.floor(next() * 8)];
  if (r < 0.75) return Array.from({ length: Math.floor(next() * 3) }, () => awkwardValue(next, depth + 1));
  const obj: Record<string, unknown> = {};
  for (let i = Math.floor(next() * 4); i > 0; i--) obj[awkwardString(next)] = awkwardValue(next, depth + 1);
  return obj;
}

describe('quickYaml', () => {
  it('writes what the library writes for every stack of the corpus and the samples, and writes most of them', async () => {
    let loaded = 0;
    let quick = 0;
    for (const { name, opts } of stacks()) {
      let project;
      try {
        ({ project } = await loadProject(opts));
      } catch (e) {
        if (e instanceof ConfigError) continue;
        throw e;
      }
      loaded++;
      const doc = projectDocument(project);
      const text = quickYaml(doc);
      if (text === undefined) continue;
      quick++;
      expect(text, name).toBe(library(doc));
    }
    expect(loaded).toBeGreaterThanOrEqual(20);
    expect(quick).toBeGreaterThanOrEqual(loaded - 5);
  });

  it('writes what the library writes for documents of awkward strings, or declines', () => {
    const next = random(20261204);
    let quick = 0;
    for (let i = 0; i < 3000; i++) {
      const doc = awkwardValue(next, 0);
      const text = quickYaml(doc);
      if (text === undefined) continue;
      quick++;
      expect(text, JSON.stringify(doc)).toBe(library(doc));
    }
    expect(quick).toBeGreaterThan(1000);
  });

  it('writes the layouts of nested collections as the library does', () => {
    const docs: unknown[] = [
      {},
      [],
      'plain',
      { a: { b: { c: [1, [2, [3, {}]], { d: [] }] } } },
      [[['deep']], { k: [{ x: null }] }, []],
      { list: [{ a: 1, b: [true, false] }, { c: 'it\'s "quoted"' }], empty: {}, none: null, skip: undefined },
      { '': 'empty key', '8080': 'number key', 'a: b': 'colon key', 'say "hi"': 'quote key' },
    ];
    for (const doc of docs) expect(quickYaml(doc), JSON.stringify(doc)).toBe(library(doc));
  });

  it('declines what it is not certain of: multi-line, non-ASCII, tabs, backslashes in quotes, odd numbers, class instances', () => {
    for (const doc of [
      { cmd: 'a\nb' },
      { name: 'café' },
      { tab: 'a\tb' },
      { v: '\\ and :' },
      { n: Number.NaN },
      { n: -0 },
      { d: new Date(0) },
      { ['k'.repeat(1001)]: 'a long key' },
      ['---'],
      [undefined],
    ]) {
      expect(quickYaml(doc), JSON.stringify(doc)).toBeUndefined();
    }
  });

  it('writes a file mode in octal, on the quick path and on the library path alike', async () => {
    expect(quickYaml({ mode: new FileMode(0o440) })).toBe('mode: 0440\n');
    const stack = (command: string): Record<string, string> => ({
      'compose.yaml': [
        'services:',
        '  a:',
        '    image: x',
        `    labels: {note: ${command}}`,
        '    secrets: [{source: s, mode: 0440}]',
        'secrets: {s: {file: ./s}}',
        '',
      ].join('\n'),
      s: 's',
    });
    const plain = await renderProject((await load(stack('run'))).project, 'yaml');
    const multiLine = await renderProject((await load(stack('"run\\nagain"'))).project, 'yaml');
    expect(plain).toContain('mode: 0440');
    expect(multiLine).toContain('mode: 0440');
    expect(multiLine).toContain('|-');
  });
});
