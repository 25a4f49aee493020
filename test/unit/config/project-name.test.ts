import { describe, expect, it } from 'vitest';
import { normalizeProjectName } from '../../../src/config/names.js';
import { load, loadBrief, writeStack } from './helpers.js';
import { loadProject } from '../../../src/config/load.js';

const stack = { 'compose.yaml': 'name: from-file\nservices: {}\n' };

describe('project name', () => {
  it('-p wins over COMPOSE_PROJECT_NAME, which wins over name:, which wins over the directory', async () => {
    expect((await load(stack, { projectName: 'flag', env: { COMPOSE_PROJECT_NAME: 'env' } })).project.name).toBe(
      'flag',
    );
    expect((await load(stack, { env: { COMPOSE_PROJECT_NAME: 'env' } })).project.name).toBe('env');
    expect((await load({ ...stack, '.env': 'COMPOSE_PROJECT_NAME=dotenv\n' })).project.name).toBe('dotenv');
    expect((await load(stack)).project.name).toBe('from-file');
    expect((await load({ 'compose.yaml': 'services: {}\n' })).project.name).toBe('app');
  });

  it('takes name: from the last file that sets it, interpolated', async () => {
    const { project } = await load(
      { 'a.yaml': 'name: first\nservices: {}\n', 'b.yaml': 'name: ${N}-second\n' },
      { files: ['a.yaml', 'b.yaml'], env: { N: 'my' } },
    );
    expect(project.name).toBe('my-second');
  });

  it('normalizes a directory name as Compose does', async () => {
    expect(normalizeProjectName('My App.v2')).toBe('myappv2');
    expect(normalizeProjectName('__x-Y')).toBe('x-y');
    const dir = writeStack({ 'compose.yaml': 'services: {}\n' }, 'My.Project');
    expect((await loadProject({ cwd: dir, env: {} })).project.name).toBe('myproject');
  });

  it('rejects an invalid explicit name', async () => {
    expect(await loadBrief(stack, { projectName: 'My App' })).toEqual([
      '--project-name:0:0: invalid project name "My App" (a project name must contain only lowercase letters, digits, dashes and underscores, and start with a letter or digit; try "myapp")',
    ]);
    expect(await loadBrief({ 'compose.yaml': 'name: Bad!\nservices: {}\n' })).toEqual([
      'compose.yaml:1:7: name: invalid project name "Bad!" (a project name must contain only lowercase letters, digits, dashes and underscores, and start with a letter or digit; try "bad")',
    ]);
  });

  it('fails when no name can be derived', async () => {
    const dir = writeStack({ 'compose.yaml': 'services: {}\n' }, '___');
    await expect(loadProject({ cwd: dir, env: {} })).rejects.toThrow('invalid stack file');
  });
});
