/**
 * `config --variables`, the digest pinning of `--resolve-image-digests`/`--lock-image-digests` (with the
 * registry passed in), and the COMPOSE_* variables read from the shell and the project's `.env`:
 * the CLI run in-process, files in, output out.
 */
import { describe, expect, it } from 'vitest';
import { dockerRef, lockedImages, withImagesPinned } from '../../../src/config/digests.js';
import { extractVariables, variablesIn, variablesYaml } from '../../../src/config/variables.js';
import { project } from '../../helpers/project.js';
import { berth, writeStack } from './helpers.js';

const STACK = {
  'compose.yaml': [
    'services:',
    '  web:',
    '    image: nginx:${TAG:-1.25}',
    '    command: echo "$$HOME" ${GREETING}',
    '    environment: {DB_URL: "${DB_URL:?set DB_URL}", MODE: "${DEBUG:+verbose}", NESTED: "${A:-${B}}"}',
    '',
  ].join('\n'),
};

const SIMPLE = { 'compose.yaml': 'services:\n  web:\n    image: nginx:${TAG:-1.25}\n' };

describe('config --variables', () => {
  it('lists each variable once, sorted, with its default, alternate value and whether it is required', async () => {
    const dir = writeStack(STACK);
    const r = await berth(dir, ['config', '--variables']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        'NAME       REQUIRED   DEFAULT VALUE   ALTERNATE VALUE',
        'A          false      ${B}',
        'B          false',
        'DB_URL     true',
        'DEBUG      false                      verbose',
        'GREETING   false',
        'TAG        false      1.25',
        '',
      ].join('\n'),
    );
  });

  it('prints JSON and YAML as Compose writes them, and needs no variable set', async () => {
    const dir = writeStack(STACK);
    const json = await berth(dir, ['config', '--variables', '--format', 'json']);
    expect(JSON.parse(json.out)).toMatchObject({
      TAG: { Name: 'TAG', DefaultValue: '1.25', PresenceValue: '', Required: false },
      DB_URL: { Name: 'DB_URL', Required: true },
    });
    const yaml = await berth(dir, ['config', '--variables', '--format', 'yaml']);
    expect(yaml.out).toContain(
      'TAG:\n    name: TAG\n    defaultvalue: "1.25"\n    presencevalue: ""\n    required: false\n',
    );
  });

  it('skips $$ and combines uses: required when one use is, the first default kept', () => {
    expect(variablesIn('$$HOME ${X} $Y')).toEqual([
      { name: 'X', defaultValue: '', presenceValue: '', required: false },
      { name: 'Y', defaultValue: '', presenceValue: '', required: false },
    ]);
    const vars = extractVariables({ a: ['${X}', { b: '${X:-one}' }], c: '${X?missing} ${X-two}' });
    expect([...vars.values()]).toEqual([{ name: 'X', defaultValue: 'one', presenceValue: '', required: true }]);
    expect(variablesYaml(new Map())).toBe('{}\n');
  });
});

describe('image digests', () => {
  it('writes references as Docker does, with registry, library/ and :latest', () => {
    expect(dockerRef('nginx')).toBe('docker.io/library/nginx:latest');
    expect(dockerRef('me/app:1')).toBe('docker.io/me/app:1');
    expect(dockerRef('localhost:5000/app')).toBe('localhost:5000/app:latest');
    expect(dockerRef('ghcr.io/o/app@sha256:ab')).toBe('ghcr.io/o/app@sha256:ab');
  });

  it('pins each image with a digest, leaves services without image alone, and names those no registry knows', async () => {
    const p = project('demo', {
      web: { image: 'nginx:1.25' },
      app: { build: { context: '/src' } },
      local: { image: 'mine/only-here' },
    });
    const lookup = (ref: string) =>
      Promise.resolve(ref === 'docker.io/library/nginx:1.25' ? `sha256:${'a'.repeat(64)}` : undefined);
    const { project: pinned, unresolved } = await withImagesPinned(p, lookup);
    expect(pinned.services.web!.image).toBe(`docker.io/library/nginx:1.25@sha256:${'a'.repeat(64)}`);
    expect(pinned.services.app!.image).toBeUndefined();
    expect(unresolved).toEqual(['mine/only-here (service local)']);
    expect(lockedImages(pinned, 'yaml')).toBe(
      [
        'services:',
        '  app: {}',
        '  local:',
        '    image: mine/only-here',
        '  web:',
        `    image: docker.io/library/nginx:1.25@sha256:${'a'.repeat(64)}`,
        '',
      ].join('\n'),
    );
  });
});

describe('COMPOSE_* variables', () => {
  it('COMPOSE_DISABLE_ENV_FILE: the .env is not read', async () => {
    const dir = writeStack({ ...SIMPLE, '.env': 'TAG=from-dotenv\n' });
    expect((await berth(dir, ['config', '--images'])).out).toBe('nginx:from-dotenv\n');
    expect((await berth(dir, ['config', '--images'], { COMPOSE_DISABLE_ENV_FILE: 'true' })).out).toBe('nginx:1.25\n');
  });

  it('COMPOSE_ENV_FILES: the env files to read when no --env-file is given', async () => {
    const dir = writeStack({ ...SIMPLE, 'a.env': 'TAG=a\n', 'b.env': 'TAG=b\n' });
    expect((await berth(dir, ['config', '--images'], { COMPOSE_ENV_FILES: 'a.env,b.env' })).out).toBe('nginx:b\n');
    const flag = await berth(dir, ['--env-file', 'a.env', 'config', '--images'], { COMPOSE_ENV_FILES: 'b.env' });
    expect(flag.out).toBe('nginx:a\n');
  });

  it('a value that means nothing is refused, from the shell or from the .env', async () => {
    const dir = writeStack(SIMPLE);
    const shell = await berth(dir, ['config', '-q'], { COMPOSE_PROGRESS: 'fancy' });
    expect(shell.code).toBe(2);
    expect(shell.err).toContain('COMPOSE_PROGRESS=fancy is not valid');
    const dotenv = writeStack({ ...SIMPLE, '.env': 'COMPOSE_ANSI=sometimes\n' });
    const fromFile = await berth(dotenv, ['config', '-q']);
    expect(fromFile.code).toBe(2);
    expect(fromFile.err).toContain('COMPOSE_ANSI=sometimes is not valid: use one of never, always, auto');
    expect((await berth(dir, ['config', '-q'], { COMPOSE_ANSI: 'never', COMPOSE_REMOVE_ORPHANS: '1' })).code).toBe(0);
  });
});

const PATHS = {
  'compose.yaml': [
    'services:',
    '  web:',
    '    build: ./web',
    '    env_file: ./web.env',
    '    volumes:',
    '      - ./data:/data',
    '      - /abs:/abs',
    '      - cache:/cache',
    '    environment: {ROOT: /srv/x}',
    '    secrets: [token]',
    '  db:',
    '    image: postgres',
    '    networks: [back]',
    'networks:',
    '  back: {}',
    'volumes:',
    '  cache: {}',
    'secrets:',
    '  token:',
    '    file: ./token.txt',
    '',
  ].join('\n'),
  'web.env': 'A=1\n',
  'token.txt': 't\n',
  'web/Dockerfile': 'FROM scratch\n',
};

describe('config --no-path-resolution and --no-normalize', () => {
  it('--no-path-resolution prints relative paths as written, absolute ones and values unchanged', async () => {
    const dir = writeStack(PATHS);
    const r = await berth(dir, ['config', '--format', 'json', '--no-path-resolution']);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out) as {
      services: Record<
        string,
        {
          build: { context: string };
          env_file: { path: string }[];
          volumes: { source: string }[];
          environment: Record<string, string>;
        }
      >;
      secrets: Record<string, { file: string }>;
    };
    const web = doc.services.web!;
    expect(web.build.context).toBe('./web');
    expect(web.env_file.map((f) => f.path)).toEqual(['./web.env']);
    expect(web.volumes.map((v) => v.source)).toEqual(['./data', '/abs', 'cache']);
    expect(web.environment).toEqual({ A: '1', ROOT: '/srv/x' });
    expect(doc.secrets.token!.file).toBe('./token.txt');
    // The default resolves them against the project directory.
    const resolved = JSON.parse((await berth(dir, ['config', '--format', 'json'])).out) as typeof doc;
    expect(resolved.services.web!.build.context).toBe(`${dir}/web`);
  });

  it('--no-normalize leaves out the implicit default network and the names made from keys', async () => {
    const dir = writeStack(PATHS);
    const r = await berth(dir, ['-p', 'demo', 'config', '--format', 'json', '--no-normalize']);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out) as {
      services: Record<string, { networks?: Record<string, unknown> }>;
      networks?: Record<string, { name?: string }>;
      volumes?: Record<string, { name?: string }>;
      secrets?: Record<string, { name?: string }>;
    };
    expect(doc.services.web!.networks).toBeUndefined();
    expect(Object.keys(doc.services.db!.networks!)).toEqual(['back']);
    expect(doc.networks).toEqual({ back: {} });
    expect(doc.volumes).toEqual({ cache: {} });
    expect(doc.secrets!.token!.name).toBeUndefined();
    const normal = JSON.parse((await berth(dir, ['-p', 'demo', 'config', '--format', 'json'])).out) as typeof doc;
    expect(Object.keys(normal.services.web!.networks!)).toEqual(['default']);
    expect(normal.networks!.default).toEqual({ name: 'demo_default' });
    expect(normal.volumes!.cache!.name).toBe('demo_cache');
  });
});
