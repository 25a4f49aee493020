import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { fitsKind, type Kind } from '../../../src/config/kinds.js';
import { compileSchema, standaloneModule } from '../../../src/config/schema-compile.js';
import { fingerprint, SCHEMA_URL, type Validator } from '../../../src/config/schema.js';

/** Documents the two validators must judge alike: valid ones and every kind of error. */
const DOCS = [
  'services: {web: {image: nginx, ports: ["80:80"], healthcheck: {interval: 10s, retries: 3}}}',
  'services: {web: {image: nginx, imagee: x}}',
  'services: {web: {image: nginx, tty: "yes", shm_size: 512m, stop_grace_period: 1m30s}}',
  'services: {web: {image: nginx, tty: maybe, shm_size: lots, stop_grace_period: soon}}',
  'services: {web: {image: nginx, secrets: [{source: s, mode: 0440}], cpus: 1.5, scale: "2"}}',
  'services: {web: {image: nginx, scale: 1.5, cpus: many, secrets: [{source: s, mode: "0999"}]}}',
  'services: {web: {image: nginx, restart: sometimes, depends_on: {db: {condition: healthy}}}}',
  'services: {"bad name!": {image: x}}',
  'services: {web: {image: nginx, deploy: {resources: {limits: {memory: 1gb, pids: "10"}}}}}',
  'services: {web: {image: nginx, environment: [A=1, B], labels: {a: 1}, ulimits: {nofile: {soft: x, hard: 2}}}}',
  'services: {web: {image: ["not", "a", "string"], build: {context: ., args: [A=1]}}}',
  'networks: {n: {external: true, driver: bridge}}\nvolumes: {v: {driver_opts: {a: 1}}}\nservices: {}',
  'services: {web: {image: nginx, tty: "$TTY", shm_size: "${SHM}"}}',
];

async function importStandalone(): Promise<{ default: Validator; schemaHash: string }> {
  const dir = join(process.cwd(), 'node_modules', '.cache', 'berth-schema-test');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `stack-validate-${process.pid}.js`);
  writeFileSync(file, standaloneModule());
  try {
    return (await import(`${pathToFileURL(file).href}?${Date.now()}`)) as { default: Validator; schemaHash: string };
  } finally {
    rmSync(file, { force: true });
  }
}

describe('precompiled schema validator', () => {
  it('judges every document exactly as the schema compiled at run time, errors included', async () => {
    const mod = await importStandalone();
    const runtime = compileSchema();
    for (const text of DOCS) {
      const doc: unknown = parse(text);
      const a = runtime(doc);
      const b = mod.default(doc);
      expect(b, text).toBe(a);
      const strip = (es: typeof runtime.errors) =>
        (es ?? []).map((e) => ({
          keyword: e.keyword,
          instancePath: e.instancePath,
          schemaPath: e.schemaPath,
          params: e.params,
          data: e.data as unknown,
        }));
      expect(strip(mod.default.errors), text).toEqual(strip(runtime.errors));
    }
  });

  it('generates the loose scalar kinds from the same rules fitsKind applies', () => {
    const runtime = compileSchema();
    const at: Record<Kind, (v: unknown) => unknown> = {
      boolean: (v) => ({ services: { s: { image: 'x', tty: v } } }),
      integer: (v) => ({ services: { s: { image: 'x', scale: v } } }),
      number: (v) => ({ services: { s: { image: 'x', cpus: v } } }),
      duration: (v) => ({ services: { s: { image: 'x', stop_grace_period: v } } }),
      bytes: (v) => ({ services: { s: { image: 'x', shm_size: v } } }),
      mode: (v) => ({ services: { s: { image: 'x', secrets: [{ source: 'a', mode: v }] } } }),
    };
    const values: unknown[] = [
      true,
      false,
      'yes',
      'Off',
      'maybe',
      0,
      1,
      -1,
      -2,
      1.5,
      '12',
      ' 7 ',
      '1.5e3',
      'x1',
      '0',
      '90s',
      '1m30s',
      '500ms',
      '1h2m3.5s',
      's',
      '512m',
      '1gb',
      '2 kb',
      '-1',
      '1.5g',
      '0440',
      '755',
      '0999',
      288,
      '$VAR',
    ];
    for (const [kind, doc] of Object.entries(at) as [Kind, (v: unknown) => unknown][]) {
      for (const v of values) {
        runtime(doc(v));
        const kindErrors = (runtime.errors ?? []).filter((e) => e.keyword === 'x-kind');
        expect(kindErrors.length === 0, `${kind} ${JSON.stringify(v)}`).toBe(fitsKind(kind, v));
      }
    }
  });

  it('carries the fingerprint of the schema it was built from', async () => {
    const mod = await importStandalone();
    expect(mod.schemaHash).toBe(fingerprint(readFileSync(SCHEMA_URL, 'utf8')));
    expect(mod.schemaHash).toMatch(/^[0-9a-f]{8}$/);
    expect(fingerprint('a')).not.toBe(fingerprint('b'));
  });
});
