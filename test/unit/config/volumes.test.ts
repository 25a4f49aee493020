import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { load, loadBrief } from './helpers.js';

describe('service volumes', () => {
  it('reads the short syntax: named, relative, absolute, home, anonymous', async () => {
    const { project, dir } = await load(
      {
        'compose.yaml': [
          'services:',
          '  web:',
          '    image: x',
          '    volumes:',
          '      - data:/var/lib/data',
          '      - ./src:/app/src:ro',
          '      - /etc/hosts:/etc/hosts:ro,z',
          '      - ~/cache:/cache',
          '      - /scratch',
          '      - data:/nc:nocopy',
          'volumes:',
          '  data: {}',
          '',
        ].join('\n'),
      },
      { env: { HOME: '/home/me' } },
    );
    expect(project.services.web!.volumes).toEqual([
      { type: 'volume', source: 'data', target: '/var/lib/data' },
      { type: 'bind', source: join(dir, 'src'), target: '/app/src', read_only: true, bind: { create_host_path: true } },
      {
        type: 'bind',
        source: '/etc/hosts',
        target: '/etc/hosts',
        read_only: true,
        bind: { create_host_path: true, selinux: 'z' },
      },
      { type: 'bind', source: '/home/me/cache', target: '/cache', bind: { create_host_path: true } },
      { type: 'volume', target: '/scratch' },
      { type: 'volume', source: 'data', target: '/nc', volume: { nocopy: true } },
    ]);
  });

  it('reads the long syntax and resolves bind sources', async () => {
    const { project, dir } = await load({
      'compose.yaml': [
        'services:',
        '  web:',
        '    image: x',
        '    volumes:',
        '      - type: bind',
        '        source: ./conf',
        '        target: /conf',
        '        read_only: "true"',
        '      - type: tmpfs',
        '        target: /tmp',
        '        tmpfs: {size: 64m, mode: 01777}',
        '',
      ].join('\n'),
    });
    expect(project.services.web!.volumes).toEqual([
      { type: 'bind', source: join(dir, 'conf'), target: '/conf', read_only: true },
      { type: 'tmpfs', target: '/tmp', tmpfs: { size: 64 * 1024 * 1024, mode: 0o1777 } },
    ]);
  });

  it('rejects a named volume that is not declared', async () => {
    expect(
      await loadBrief({
        'compose.yaml': 'services:\n  web:\n    image: x\n    volumes: ["dta:/d"]\nvolumes:\n  data: {}\n',
      }),
    ).toEqual([
      'compose.yaml:4:15: services.web.volumes[0]: service "web" uses volume "dta", which is not declared under the top-level "volumes" (did you mean "data"?)',
    ]);
  });

  it('rejects a malformed short volume', async () => {
    expect(
      await loadBrief({ 'compose.yaml': 'services:\n  web:\n    image: x\n    volumes: ["./a:/b:ro:x"]\n' }),
    ).toEqual([
      'compose.yaml:4:15: services.web.volumes[0]: invalid volume "./a:/b:ro:x": expected [SOURCE:]TARGET[:MODE] (write it as SOURCE:TARGET[:ro], e.g. "./data:/data" or "db-data:/var/lib/db")',
    ]);
  });

  it('ignores an option compose-go does not know, with a warning at its place, as Compose ignores it', async () => {
    const { project, warnings, dir } = await load({
      'compose.yaml': 'services:\n  web:\n    image: x\n    volumes: ["./a:/b:rx,ro"]\n',
    });
    expect(project.services.web!.volumes).toEqual([
      { type: 'bind', source: join(dir, 'a'), target: '/b', read_only: true, bind: { create_host_path: true } },
    ]);
    expect(warnings.map((w) => w.replace(`${dir}/`, ''))).toEqual([
      'compose.yaml:4:15: services.web.volumes[0]: volume option "rx" ignored, as Docker Compose ignores it (known: ro, rw, nocopy, z, Z, shared, slave, private, rshared, rslave, rprivate, consistent, cached, delegated)',
    ]);
  });

  it('names project volumes <project>_<key> unless name: or external', async () => {
    const { project } = await load({
      'compose.yaml':
        'name: p\nservices: {}\nvolumes:\n  a: {}\n  b:\n    name: custom\n  c:\n    external: true\n  d:\n    external:\n      name: old-style\n',
    });
    expect(project.volumes).toEqual({
      a: { name: 'p_a' },
      b: { name: 'custom' },
      c: { name: 'c', external: true },
      d: { name: 'old-style', external: true },
    });
  });
});
