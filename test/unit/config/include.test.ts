import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { load, loadBrief } from './helpers.js';

describe('include', () => {
  it('adds the services, networks and volumes of the included file, paths relative to it', async () => {
    const { project, dir } = await load({
      'compose.yaml': 'include:\n  - db/compose.yaml\nservices:\n  web: {image: x, depends_on: [db]}\n',
      'db/compose.yaml':
        'services:\n  db:\n    image: postgres:${PG}\n    volumes: ["data:/var/lib/postgresql/data", "./init:/docker-entrypoint-initdb.d"]\nvolumes:\n  data: {}\n',
      'db/.env': 'PG=16\n',
    });
    expect(Object.keys(project.services).sort()).toEqual(['db', 'web']);
    const db = project.services.db!;
    expect(db.image).toBe('postgres:16');
    expect(db.volumes[1]).toMatchObject({ type: 'bind', source: join(dir, 'db', 'init') });
    expect(project.volumes).toEqual({ data: { name: 'app_data' } });
  });

  it('accepts the long form with project_directory and env_file', async () => {
    const { project } = await load({
      'compose.yaml': 'include:\n  - path: [sub/a.yaml, sub/b.yaml]\n    env_file: vars.env\nservices: {}\n',
      'sub/a.yaml': 'services:\n  a: {image: "${IMG}"}\n',
      'sub/b.yaml': 'services:\n  a: {user: u}\n',
      'vars.env': 'IMG=from-vars\n',
    });
    expect(project.services.a).toMatchObject({ image: 'from-vars', user: 'u' });
  });

  it('rejects a service defined both here and in an included file', async () => {
    const out = await loadBrief({
      'compose.yaml': 'include: [other.yaml]\nservices:\n  web: {image: x}\n',
      'other.yaml': 'services:\n  web: {image: y}\n',
    });
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(
      /^compose\.yaml:3:3: services\.web: service "web" is also defined by the included file .*other\.yaml/,
    );
  });

  it('reports a missing included file', async () => {
    const out = await loadBrief({ 'compose.yaml': 'include: [nope.yaml]\nservices: {}\n' });
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^compose\.yaml:1:11: include\[0\]: included file .*nope\.yaml not found$/);
  });

  it('rejects an include cycle at the include that closes it, naming the files of the cycle', async () => {
    const hint =
      ' (a file cannot include itself, directly or through the files it includes: remove one of these includes)';
    expect(
      await loadBrief({
        'compose.yaml': 'include:\n  - b.yaml\nservices:\n  a: {image: x}\n',
        'b.yaml': 'include:\n  - compose.yaml\nservices:\n  b: {image: x}\n',
      }),
    ).toEqual(['b.yaml:2:5: include[0]: include cycle: compose.yaml -> b.yaml -> compose.yaml' + hint]);
    expect(
      await loadBrief({
        'compose.yaml': 'include: [sub/a.yaml]\nservices: {}\n',
        'sub/a.yaml': 'include: [../lib/b.yaml]\nservices: {}\n',
        'lib/b.yaml': 'services: {}\ninclude:\n  - path: ../sub/a.yaml\n',
      }),
    ).toEqual(['lib/b.yaml:3:5: include[0]: include cycle: sub/a.yaml -> lib/b.yaml -> sub/a.yaml' + hint]);
    expect(await loadBrief({ 'compose.yaml': 'include: [compose.yaml]\nservices: {}\n' })).toEqual([
      'compose.yaml:1:11: include[0]: include cycle: compose.yaml -> compose.yaml' + hint,
    ]);
  });

  it('includes the same file from two places (no cycle)', async () => {
    const { project } = await load({
      'compose.yaml': 'include: [a.yaml, b.yaml]\nservices: {}\n',
      'a.yaml': 'include: [common.yaml]\nservices:\n  a: {image: x, depends_on: [c]}\n',
      'b.yaml': 'services:\n  b: {image: x}\n',
      'common.yaml': 'services:\n  c: {image: x}\n',
    });
    expect(Object.keys(project.services).sort()).toEqual(['a', 'b', 'c']);
  });
});
