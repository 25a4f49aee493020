import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { load, loadBrief } from './helpers.js';

describe('extends', () => {
  it('extends a service of the same file, the extending service winning', async () => {
    const { project } = await load({
      'compose.yaml': [
        'services:',
        '  base:',
        '    image: base',
        '    environment: {A: "1", B: "1"}',
        '    ports: ["80:80"]',
        '  web:',
        '    extends: base',
        '    environment: {B: "2"}',
        '    ports: ["443:443"]',
        '',
      ].join('\n'),
    });
    const web = project.services.web!;
    expect(web.image).toBe('base');
    expect(web.environment).toEqual({ A: '1', B: '2' });
    expect(web.ports.map((p) => p.target)).toEqual([80, 443]);
    expect(web).not.toHaveProperty('extends');
  });

  it('follows chains', async () => {
    const { project } = await load({
      'compose.yaml':
        'services:\n  a: {image: a, user: u}\n  b: {extends: {service: a}, hostname: h}\n  c: {extends: b, working_dir: /w}\n',
    });
    expect(project.services.c).toMatchObject({ image: 'a', user: 'u', hostname: 'h', working_dir: '/w' });
  });

  it("extends a service of another file, with that file's paths resolved against its directory", async () => {
    const { project, dir } = await load({
      'compose.yaml':
        'services:\n  web:\n    extends:\n      file: common/base.yaml\n      service: app\n    image: web\n',
      'common/base.yaml': 'services:\n  app:\n    image: base\n    build: ./ctx\n    volumes: ["./conf:/conf"]\n',
    });
    const web = project.services.web!;
    expect(web.image).toBe('web');
    expect(web.build).toEqual({ context: join(dir, 'common', 'ctx') });
    expect(web.volumes[0]).toMatchObject({ type: 'bind', source: join(dir, 'common', 'conf') });
    expect(project.services).not.toHaveProperty('app');
  });

  it('reports an unknown base service and cycles', async () => {
    expect(await loadBrief({ 'compose.yaml': 'services:\n  web:\n    extends: bsae\n  base: {image: x}\n' })).toEqual([
      'compose.yaml:3:14: services.web.extends.service: cannot extend undefined service "bsae" (did you mean "base"?)',
    ]);
    expect(await loadBrief({ 'compose.yaml': 'services:\n  a:\n    extends: b\n  b:\n    extends: a\n' })).toEqual([
      'compose.yaml:3:14: services.a.extends: circular extends: a -> b -> a',
    ]);
  });
});
