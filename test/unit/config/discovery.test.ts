import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProject } from '../../../src/config/load.js';
import { StackNotFoundError } from '../../../src/errors.js';
import { load, writeStack } from './helpers.js';

const svc = (image: string): string => `services:\n  web:\n    image: ${image}\n`;

describe('finding the stack files', () => {
  it('finds compose.yaml in the working directory', async () => {
    const { project, dir } = await load({ 'compose.yaml': svc('a') });
    expect(project.config_files).toEqual([join(dir, 'compose.yaml')]);
    expect(project.working_dir).toBe(dir);
  });

  it('prefers compose.yaml over docker-compose.yml and warns about the other', async () => {
    const { project, warnings } = await load({ 'compose.yaml': svc('a'), 'docker-compose.yml': svc('b') });
    expect(project.services.web!.image).toBe('a');
    expect(warnings[0]).toMatch(
      /found several stack files in .*: compose\.yaml, docker-compose\.yml; using compose\.yaml/,
    );
  });

  it('reads docker-compose.yml with docker-compose.override.yml', async () => {
    const { project } = await load({
      'docker-compose.yml': svc('a'),
      'docker-compose.override.yml': 'services:\n  web:\n    user: me\n',
    });
    expect(project.services.web!.image).toBe('a');
    expect(project.services.web!.user).toBe('me');
    expect(project.config_files.map((f) => f.split('/').pop())).toEqual([
      'docker-compose.yml',
      'docker-compose.override.yml',
    ]);
  });

  it("looks in parent directories; the project directory is the file's", async () => {
    const { project, dir } = await load({ 'compose.yaml': svc('a'), 'sub/deeper/.keep': '' }, { in: 'sub/deeper' });
    expect(project.working_dir).toBe(dir);
    expect(project.name).toBe('app');
  });

  it("takes -f files in order, relative to cwd; the project directory is the first file's", async () => {
    const { project, dir } = await load(
      { 'stack/base.yaml': svc('a'), 'stack/prod.yaml': 'services:\n  web:\n    image: b\n' },
      { files: ['stack/base.yaml', 'stack/prod.yaml'] },
    );
    expect(project.services.web!.image).toBe('b');
    expect(project.working_dir).toBe(join(dir, 'stack'));
    expect(project.name).toBe('stack');
  });

  it('reads -f - from stdin', async () => {
    const { project, dir } = await load({}, { files: ['-'], readStdin: async () => svc('from-stdin') });
    expect(project.services.web!.image).toBe('from-stdin');
    expect(project.config_files).toEqual(['-']);
    expect(project.working_dir).toBe(dir);
  });

  it('uses COMPOSE_FILE with COMPOSE_PATH_SEPARATOR, from the shell or .env', async () => {
    const a = await load(
      { 'one.yaml': svc('a'), 'two.yaml': 'services:\n  web:\n    user: u\n' },
      { env: { COMPOSE_FILE: 'one.yaml:two.yaml' } },
    );
    expect([a.project.services.web!.image, a.project.services.web!.user]).toEqual(['a', 'u']);
    const b = await load(
      { 'one.yaml': svc('a'), 'two.yaml': 'services:\n  web:\n    user: u\n' },
      { env: { COMPOSE_FILE: 'one.yaml;two.yaml', COMPOSE_PATH_SEPARATOR: ';' } },
    );
    expect(b.project.services.web!.user).toBe('u');
    const c = await load({ 'one.yaml': svc('c'), '.env': 'COMPOSE_FILE=one.yaml\n' });
    expect(c.project.services.web!.image).toBe('c');
  });

  it('honours --project-directory for discovery, .env and relative paths', async () => {
    const { project, dir } = await load(
      {
        'proj/compose.yaml': 'services:\n  web:\n    image: ${IMG}\n    volumes: [./data:/data]\n',
        'proj/.env': 'IMG=from-proj-env\n',
      },
      { projectDirectory: 'proj' },
    );
    expect(project.working_dir).toBe(join(dir, 'proj'));
    expect(project.services.web!.image).toBe('from-proj-env');
    expect(project.services.web!.volumes[0]).toMatchObject({ type: 'bind', source: join(dir, 'proj', 'data') });
  });

  it('throws StackNotFoundError when there is no file', async () => {
    const dir = writeStack({});
    await expect(loadProject({ cwd: dir, env: {} })).rejects.toThrow(StackNotFoundError);
    await expect(loadProject({ cwd: dir, env: {} })).rejects.toThrow(
      /^no stack file found in .* or any parent directory$/,
    );
  });

  it('throws StackNotFoundError for a missing -f file, naming it', async () => {
    const dir = writeStack({});
    await expect(loadProject({ cwd: dir, env: {}, files: ['nope.yaml'] })).rejects.toThrow(
      `stack file not found: ${join(dir, 'nope.yaml')}`,
    );
  });
});
