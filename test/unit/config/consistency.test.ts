import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProject } from '../../../src/config/load.js';
import { renderProject } from '../../../src/config/render.js';
import { load, loadBrief } from './helpers.js';

describe('several YAML documents in one file', () => {
  it('merges them in order, as layers, the way Compose v2 does; empty documents are skipped', async () => {
    const { project } = await load({
      'compose.yaml': [
        'services:',
        '  app:',
        '    image: alpine',
        '    environment: {A: "1"}',
        '---',
        '---',
        'services:',
        '  app:',
        '    environment: {B: "2"}',
        '    ports: ["80:80"]',
        '  db: {image: postgres}',
        '---',
        '',
      ].join('\n'),
    });
    expect(project.services.app).toMatchObject({ image: 'alpine', environment: { A: '1', B: '2' } });
    expect(project.services.app!.ports).toHaveLength(1);
    expect(Object.keys(project.services)).toEqual(['app', 'db']);
  });

  it('reports errors in a later document at its own line, and keeps anchors per document', async () => {
    expect(
      await loadBrief({ 'compose.yaml': 'services:\n  a: {image: x}\n---\nservices:\n  a:\n    tty: maybe\n' }),
    ).toEqual(['compose.yaml:6:10: services.a.tty: must be a boolean (true or false)']);
    expect(
      await loadBrief({ 'compose.yaml': 'x-base: &b {image: x}\nservices: {a: *b}\n---\nservices: {c: *b}\n' }),
    ).toEqual(['compose.yaml:4:15: services.c: unknown anchor "*b" (define it with "&name" before using it)']);
  });

  it('reads a file of several documents through extends as well', async () => {
    const { project } = await load({
      'compose.yaml': 'services:\n  web:\n    extends: {file: base.yaml, service: app}\n',
      'base.yaml': 'services:\n  app: {image: a}\n---\nservices:\n  app: {user: nobody}\n',
    });
    expect(project.services.web).toMatchObject({ image: 'a', user: 'nobody' });
  });
});

describe('extends across files', () => {
  it('follows chains through several files, each resolving paths against its own directory', async () => {
    const { project, dir } = await load({
      'compose.yaml': 'services:\n  web:\n    extends: {file: mid/mid.yaml, service: mid}\n    image: web\n',
      'mid/mid.yaml':
        'services:\n  mid:\n    extends: {file: ../base/base.yaml, service: base}\n    volumes: ["./m:/m"]\n',
      'base/base.yaml': 'services:\n  base:\n    build: ./ctx\n    user: nobody\n',
    });
    expect(project.services.web).toMatchObject({
      image: 'web',
      user: 'nobody',
      build: { context: join(dir, 'base', 'ctx') },
    });
    expect(project.services.web!.volumes[0]).toMatchObject({
      type: 'bind',
      source: join(dir, 'mid', 'm'),
      target: '/m',
    });
  });

  it('lets two files extend services of each other', async () => {
    const { project } = await load({
      'compose.yaml': [
        'services:',
        '  core: {image: core, user: root}',
        '  web:',
        '    extends: {file: other.yaml, service: app}',
        '    hostname: web',
        '',
      ].join('\n'),
      'other.yaml': 'services:\n  app:\n    extends: {file: compose.yaml, service: core}\n    working_dir: /app\n',
    });
    expect(project.services.web).toMatchObject({ image: 'core', user: 'root', working_dir: '/app', hostname: 'web' });
    expect(project.services.core).toMatchObject({ image: 'core' });
  });

  it('resolves extends inside an included file against that file', async () => {
    const { project, dir } = await load({
      'compose.yaml': 'include: [sub/compose.yaml]\nservices:\n  web: {image: web}\n',
      'sub/compose.yaml': [
        'services:',
        '  base: {image: base, user: nobody}',
        '  worker:',
        '    extends: base',
        '    command: [work]',
        '  tool:',
        '    extends: {file: ./tools.yaml, service: t}',
        '',
      ].join('\n'),
      'sub/tools.yaml': 'services:\n  t:\n    image: tool\n    volumes: ["./cache:/cache"]\n',
    });
    expect(project.services.worker).toMatchObject({ image: 'base', user: 'nobody', command: ['work'] });
    expect(project.services.tool!.volumes[0]).toMatchObject({ source: join(dir, 'sub', 'cache') });
  });

  it('reports a cycle that runs through two files', async () => {
    expect(
      await loadBrief({
        'compose.yaml': 'services:\n  web:\n    extends: {file: other.yaml, service: app}\n',
        'other.yaml': 'services:\n  app:\n    extends: {file: compose.yaml, service: web}\n',
      }),
    ).toEqual(['compose.yaml:3:14: services.web.extends: circular extends: web -> app (other.yaml) -> web']);
  });
});

describe('consistency rules Compose applies after the schema', () => {
  it('rejects "external" together with anything but a name, for networks, volumes, secrets and configs', async () => {
    expect(
      await loadBrief({
        'compose.yaml': [
          'services: {a: {image: x}}',
          'networks:',
          '  n: {external: true, driver: bridge}',
          '  ok: {external: true, name: real, x-note: fine}',
          'volumes:',
          '  v:',
          '    external: true',
          '    driver_opts: {type: nfs}',
          'secrets:',
          '  s: {external: true, file: ./s.txt}',
          '',
        ].join('\n'),
      }),
    ).toEqual([
      'compose.yaml:3:23: networks.n.driver: conflicting parameters "external" and "driver" specified for network "n" (an external network already exists and is not created by berth: remove "driver", or remove "external")',
      'compose.yaml:8:5: volumes.v.driver_opts: conflicting parameters "external" and "driver_opts" specified for volume "v" (an external volume already exists and is not created by berth: remove "driver_opts", or remove "external")',
      'compose.yaml:10:23: secrets.s.file: conflicting parameters "external" and "file" specified for secret "s" (an external secret already exists and is not created by berth: remove "file", or remove "external")',
    ]);
  });

  it('rejects container_name on a service that runs more than one container, and a container name used twice', async () => {
    expect(
      await loadBrief({
        'compose.yaml': [
          'services:',
          '  a: {image: x, container_name: one, scale: 2}',
          '  b: {image: x, container_name: two, deploy: {replicas: 3}}',
          '  c: {image: x, container_name: three, scale: 1}',
          '  d: {image: x, container_name: three}',
          '',
        ].join('\n'),
      }),
    ).toEqual([
      'compose.yaml:2:33: services.a.container_name: service "a" sets "container_name" and runs 2 containers (scale), but a container name must be unique (remove "container_name", or run a single container)',
      'compose.yaml:3:33: services.b.container_name: service "b" sets "container_name" and runs 3 containers (deploy.replicas), but a container name must be unique (remove "container_name", or run a single container)',
      'compose.yaml:5:33: services.d.container_name: container name "three" is already used by service "c" (give each service its own container_name)',
    ]);
  });
});

describe('file modes of secrets and configs', () => {
  it('print in octal in YAML, as Compose prints them, and read back the same', async () => {
    const { project, dir } = await load({
      'compose.yaml': [
        'services:',
        '  a:',
        '    image: x',
        '    secrets: [{source: s, mode: 0440}]',
        '    configs: [{source: c, mode: "0755"}]',
        '    build: {context: ., secrets: [{source: s, mode: 0400}]}',
        'secrets: {s: {file: ./s}}',
        'configs: {c: {file: ./c}}',
        '',
      ].join('\n'),
      s: 's',
      c: 'c',
    });
    const yaml = await renderProject(project, 'yaml');
    expect(yaml).toContain('mode: 0440');
    expect(yaml).toContain('mode: 0755');
    expect(yaml).toContain('mode: 0400');
    expect(JSON.parse(await renderProject(project, 'json'))).toMatchObject({
      services: { a: { secrets: [{ mode: 288 }], configs: [{ mode: 493 }] } },
    });
    const again = await loadProject({ cwd: dir, env: {}, files: ['-'], readStdin: () => Promise.resolve(yaml) });
    expect(again.project.services.a).toEqual(project.services.a);
  });
});
