/**
 * Secrets and configs as Docker Compose delivers them outside Swarm (pkg/compose/secrets.go and
 * create.go): one from `file` is a read-only bind mount, one from `environment` or `content` is a file
 * the runtime writes into the container before it starts, with its mode, uid and gid. A missing source
 * stops the load at its file:line, and a value never reaches a label, the hash or `config` output.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProjectCached } from '../../../src/config/cache.js';
import { renderProject } from '../../../src/config/render.js';
import { containerSpec } from '../../../src/plan/desired.js';
import { containerCreateBody } from '../../../src/runtime/docker/to-engine.js';
import { load, loadBrief, writeStack } from '../config/helpers.js';

const VALUE = 's3cret-7d1e0b';

const STACK = [
  'services:',
  '  app:',
  '    image: x',
  '    secrets:',
  '      - source: token',
  '        mode: 0440',
  '        uid: "1000"',
  '        gid: "1001"',
  '      - source: cert',
  '        target: tls.pem',
  '    configs:',
  '      - app_conf',
  '      - source: inline',
  '        target: etc/inline.conf',
  'secrets:',
  '  token:',
  '    environment: TOKEN',
  '  cert:',
  '    file: ./cert.pem',
  'configs:',
  '  app_conf:',
  '    file: ./app.conf',
  '  inline:',
  '    content: "hello ${WHO}"',
  '',
].join('\n');

const FILES = { 'compose.yaml': STACK, 'cert.pem': 'CERT\n', 'app.conf': 'conf\n' };

describe('secrets and configs reach the container as Compose delivers them', () => {
  it('from a file: a read-only bind mount at /run/secrets/<target> or /<source>', async () => {
    const { project, dir } = await load(FILES, { env: { TOKEN: VALUE, WHO: 'you' } });
    const spec = containerSpec(project, project.services.app!, 1, 'test');
    expect(spec.mounts).toEqual([
      { type: 'bind', source: join(dir, 'cert.pem'), target: '/run/secrets/tls.pem', readOnly: true },
      { type: 'bind', source: join(dir, 'app.conf'), target: '/app_conf', readOnly: true },
    ]);
  });

  it('from environment or content: files written in, with mode (YAML 1.1 octal), uid and gid; 0444 by default', async () => {
    const { project } = await load(FILES, { env: { TOKEN: VALUE, WHO: 'you' } });
    const spec = containerSpec(project, project.services.app!, 1, 'test');
    expect(spec.files).toEqual([
      { target: '/run/secrets/token', content: VALUE, mode: 0o440, uid: 1000, gid: 1001 },
      { target: '/etc/inline.conf', content: 'hello you', mode: 0o444, uid: 0, gid: 0 },
    ]);
  });

  it('a value is in no label, not in the create request and not in `config` output (which names the variable)', async () => {
    const { project } = await load(FILES, { env: { TOKEN: VALUE, WHO: 'you' } });
    const spec = containerSpec(project, project.services.app!, 1, 'test');
    expect(JSON.stringify(spec.labels)).not.toContain(VALUE);
    expect(JSON.stringify(containerCreateBody(spec, '1.41'))).not.toContain(VALUE);
    const text = await renderProject(project, 'yaml');
    expect(text).not.toContain(VALUE);
    expect(text).toContain('environment: TOKEN');
  });

  it('another value of the variable changes no label: the hash covers the reference, not the value', async () => {
    const labelsWith = async (token: string): Promise<Record<string, string>> => {
      const { project } = await load(FILES, { env: { TOKEN: token, WHO: 'you' } });
      return containerSpec(project, project.services.app!, 1, 'test').labels;
    };
    const [a, b] = [await labelsWith(VALUE), await labelsWith('other')];
    const { 'com.docker.compose.project.working_dir': _a, 'com.docker.compose.project.config_files': _b, ...left } = a;
    const { 'com.docker.compose.project.working_dir': _c, 'com.docker.compose.project.config_files': _d, ...right } = b;
    expect(left).toEqual(right);
  });

  it('the project cache keeps no value, and a hit reads the variable again', async () => {
    const dir = writeStack(FILES);
    const cacheDir = join(mkdtempSync(join(tmpdir(), 'berth-cache-')), 'projects');
    const cache = { dir: cacheDir, build: 'test' };
    try {
      await loadProjectCached({ cwd: dir, env: { TOKEN: VALUE, WHO: 'you' } }, cache);
      for (const f of readdirSync(cacheDir)) expect(readFileSync(join(cacheDir, f), 'utf8')).not.toContain(VALUE);
      const hit = await loadProjectCached({ cwd: dir, env: { TOKEN: VALUE, WHO: 'you' } }, cache);
      expect(hit.project.file_values?.secrets).toEqual({ token: VALUE });
    } finally {
      rmSync(join(cacheDir, '..'), { recursive: true, force: true });
    }
  });
});

describe('a source that is missing stops the load at its place, before anything is created', () => {
  it('an unset variable of a secret a service uses', async () => {
    expect(await loadBrief(FILES, { env: { WHO: 'you' } })).toEqual([
      'compose.yaml:17:18: secrets.token.environment: environment variable TOKEN required by secret "token" is not set (set TOKEN in the shell or in .env)',
    ]);
  });

  it('a file that does not exist', async () => {
    const { 'cert.pem': _gone, ...files } = FILES;
    const issues = await loadBrief(files, { env: { TOKEN: VALUE, WHO: 'you' } });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(
      /^compose\.yaml:19:11: secrets\.cert\.file: file .*\/cert\.pem required by secret "cert" does not exist/,
    );
  });

  it('a secret no enabled service uses is only a warning', async () => {
    const stack = 'services:\n  app:\n    image: x\nsecrets:\n  token:\n    environment: TOKEN\n';
    const { warnings } = await load({ 'compose.yaml': stack });
    expect(warnings).toEqual(['secret "token": environment variable TOKEN is not set']);
  });

  it('a copied secret in a read-only service is an error, as in Compose', async () => {
    const stack =
      'services:\n  app:\n    image: x\n    read_only: true\n    secrets: [token]\nsecrets:\n  token:\n    environment: TOKEN\n';
    expect(await loadBrief({ 'compose.yaml': stack }, { env: { TOKEN: VALUE } })).toEqual([
      'compose.yaml:5:15: services.app.secrets[0]: cannot create secret "token" in read-only service "app": only "file" works with read_only (use "file:" for secret "token", or remove read_only)',
    ]);
  });
});

describe('mode, uid and gid of a secret from a file', () => {
  it('are named in a warning at their place: the bind mount keeps the file as it is', async () => {
    const stack = [
      'services:',
      '  app:',
      '    image: x',
      '    secrets:',
      '      - source: cert',
      '        mode: 0400',
      'secrets:',
      '  cert:',
      '    file: ./cert.pem',
      '',
    ].join('\n');
    const { warnings, dir } = await load({ 'compose.yaml': stack, 'cert.pem': 'x' });
    expect(warnings.map((w) => w.replace(`${dir}/`, ''))).toEqual([
      'compose.yaml:6:9: services.app.secrets[0].mode: not applied: secret "cert" comes from a file, which is bind-mounted as it is; mode applies outside Swarm only to one from "environment"',
    ]);
  });
});
