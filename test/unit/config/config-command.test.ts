import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProject } from '../../../src/config/load.js';
import type { Project } from '../../../src/config/model.js';
import { berth, writeStack } from './helpers.js';

const STACK = {
  'compose.yaml': [
    'services:',
    '  web:',
    '    image: nginx:${TAG:-1.25}',
    '    command: echo "$$HOME" ${GREETING}',
    '    environment: {PRICE: "5$$", FROM_SHELL: null}',
    '    ports: ["8080:80"]',
    '    volumes: [data:/data, ./html:/usr/share/nginx/html:ro]',
    '    depends_on: [db]',
    '    networks: [front, back]',
    '    secrets: [{source: key, mode: 0440}]',
    '  db:',
    '    build: ./db',
    '    networks: [back]',
    '    healthcheck: {test: "pg_isready", interval: 90s}',
    '  debug:',
    '    image: busybox',
    '    profiles: [dev, tools]',
    '  admin:',
    '    image: admin',
    '    profiles: [ops]',
    'networks: {front: {}, back: {}}',
    'volumes: {data: {}, cache: {}}',
    'secrets: {key: {file: ./key.txt}}',
    '',
  ].join('\n'),
  '.env': 'GREETING=hello\nTAG=2.0\n',
  'key.txt': 'secret\n',
};

/** The part of a project that must survive a round trip through `berth config` output. */
const model = (p: Project): unknown => ({
  name: p.name,
  services: p.services,
  networks: p.networks,
  volumes: p.volumes,
  secrets: p.secrets,
  configs: p.configs,
});

describe('berth config', () => {
  it('prints YAML that loads back to the same model, with $ escaped as Compose does', async () => {
    const dir = writeStack(STACK);
    const env = { FROM_SHELL: 'shell $value' };
    const r = await berth(dir, ['config'], env);
    expect(r.code).toBe(0);
    expect(r.out).toContain('image: nginx:2.0');
    expect(r.out).toContain('PRICE: 5$$');
    expect(r.out).toContain('mode: 0440');
    const first = await loadProject({ cwd: dir, env });
    const again = await loadProject({ cwd: dir, env: {}, files: ['-'], readStdin: () => Promise.resolve(r.out) });
    expect(model(again.project)).toEqual(model(first.project));
  });

  it('keeps top-level models and resolves additional_contexts folders, as compose-go does', async () => {
    const dir = writeStack({
      'compose.yaml': [
        'services:',
        '  web:',
        '    build:',
        '      context: ./app',
        '      additional_contexts: {base: ./other, img: "docker-image://alpine", svc: "service:db"}',
        '  db: {image: x}',
        'models:',
        '  m1: {model: ai/smollm2}',
        '',
      ].join('\n'),
    });
    const r = await berth(dir, ['config', '--format', 'json']);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out) as {
      models: unknown;
      services: { web: { build: { additional_contexts: Record<string, string> } } };
    };
    expect(doc.models).toEqual({ m1: { model: 'ai/smollm2' } });
    expect(doc.services.web.build.additional_contexts).toEqual({
      base: join(dir, 'other'),
      img: 'docker-image://alpine',
      svc: 'service:db',
    });
  });

  it('prints JSON with --format json, and -o writes the file instead of stdout; both load back the same', async () => {
    const dir = writeStack(STACK);
    const r = await berth(dir, ['config', '--format', 'json', '-o', 'out.json']);
    expect(r).toMatchObject({ code: 0, out: '' });
    const text = readFileSync(join(dir, 'out.json'), 'utf8');
    const doc = JSON.parse(text) as { services: Record<string, { secrets: { mode: number }[] }> };
    expect(doc.services.web!.secrets[0]!.mode).toBe(0o440);
    const first = await loadProject({ cwd: dir, env: {} });
    const again = await loadProject({ cwd: dir, env: {}, files: ['out.json'] });
    expect(model(again.project)).toEqual(model(first.project));
  });

  it('lists services, volumes, networks, profiles and images, one per line and sorted', async () => {
    const dir = writeStack(STACK);
    expect((await berth(dir, ['config', '--services'])).out).toBe('db\nweb\n');
    expect((await berth(dir, ['--profile', 'dev', 'config', '--services'])).out).toBe('db\ndebug\nweb\n');
    expect((await berth(dir, ['config', '--volumes'])).out).toBe('cache\ndata\n');
    expect((await berth(dir, ['config', '--networks'])).out).toBe('back\nfront\n');
    expect((await berth(dir, ['config', '--profiles'])).out).toBe('dev\nops\ntools\n');
    expect((await berth(dir, ['-p', 'shop', 'config', '--images'])).out).toBe('shop-db\nnginx:2.0\n');
  });

  it('takes global flags after the command too, repeatable ones adding up', async () => {
    const dir = writeStack(STACK);
    const late = await berth(dir, ['config', '--services', '--profile', 'dev', '--profile', 'ops']);
    expect(late.out).toBe('admin\ndb\ndebug\nweb\n');
    expect((await berth(dir, ['config', '--images', '-p', 'shop'])).out).toBe('shop-db\nnginx:2.0\n');
    expect((await berth(dir, ['config', '--progress', 'loud'])).code).toBe(2);
  });

  it('prints config hashes for "*" or named services, and rejects an unknown one', async () => {
    const dir = writeStack(STACK);
    const all = await berth(dir, ['config', '--hash', '*']);
    expect(all.out).toMatch(/^db [0-9a-f]{64}\nweb [0-9a-f]{64}\n$/);
    const web = await berth(dir, ['config', '--hash', 'web']);
    expect(web.out).toBe(all.out.split('\n')[1]! + '\n');
    const bad = await berth(dir, ['config', '--hash', 'wbe']);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('no such service: wbe');
  });

  it('prints the interpolation environment with --environment: shell over .env, plus the project name', async () => {
    const dir = writeStack(STACK);
    const r = await berth(dir, ['config', '--environment'], { TAG: '3.0', ZED: 'z' });
    expect(r.out).toBe('COMPOSE_PROJECT_NAME=app\nGREETING=hello\nTAG=3.0\nZED=z\n');
  });

  it('-q prints nothing and exits 0 for a valid stack, and fails for an invalid one', async () => {
    // The one line on stderr is the warning every load gives: a mode on a secret from a file is not applied.
    const quiet = await berth(writeStack(STACK), ['config', '-q']);
    expect({ code: quiet.code, out: quiet.out }).toEqual({ code: 0, out: '' });
    expect(quiet.err).toMatch(
      /^warning: \S+compose\.yaml:10:29: services\.web\.secrets\[0\]\.mode: not applied: [^\n]*\n$/,
    );
    const bad = await berth(writeStack({ 'compose.yaml': 'services:\n  web:\n    imag: x\n' }), ['config', '-q']);
    expect(bad.code).toBe(1);
    expect(bad.out).toBe('');
    expect(bad.err).toMatch(/\/compose\.yaml:3:5: services\.web\.imag: unknown key "imag"/);
  });

  it('--no-interpolate prints variables as written, and that output, once interpolated, gives the same model', async () => {
    const dir = writeStack(STACK);
    const r = await berth(dir, ['config', '--no-interpolate']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('image: nginx:${TAG:-1.25}');
    expect(r.out).toContain('PRICE: 5$$');
    const first = await loadProject({ cwd: dir, env: {} });
    const again = await loadProject({ cwd: dir, env: {}, files: ['-'], readStdin: () => Promise.resolve(r.out) });
    expect(model(again.project)).toEqual(model(first.project));
  });

  it('rejects an unknown --format', async () => {
    const r = await berth(writeStack(STACK), ['config', '--format', 'toml']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('unsupported format "toml"');
  });
});
