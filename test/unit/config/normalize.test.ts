import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { load, loadBrief } from './helpers.js';

async function web(body: string, extra = '', env: Record<string, string> = {}, files: Record<string, string> = {}) {
  const { project, dir } = await load(
    { 'compose.yaml': `services:\n  web:\n    image: x\n${body}${extra}`, ...files },
    { env },
  );
  return { svc: project.services.web!, project, dir };
}

describe('normalization to the model', () => {
  it('environment: list or map; bare keys from the shell or null; scalars as strings', async () => {
    const a = await web('    environment:\n      - A=1\n      - B\n      - C\n      - D=x=y\n', '', { B: 'shell' });
    expect(a.svc.environment).toEqual({ A: '1', B: 'shell', C: null, D: 'x=y' });
    const b = await web('    environment:\n      N: 1\n      T: true\n      E:\n      S: ""\n');
    expect(b.svc.environment).toEqual({ N: '1', T: 'true', E: null, S: '' });
  });

  it('labels: list or map, always strings', async () => {
    expect((await web('    labels: ["a=1", "b"]\n')).svc.labels).toEqual({ a: '1', b: '' });
    expect((await web('    labels: {a: 1, b: false}\n')).svc.labels).toEqual({ a: '1', b: 'false' });
  });

  it('command and entrypoint: strings split like a shell, lists kept, null kept', async () => {
    const { svc } = await web(`    command: sh -c 'echo "a b" && exit 1'\n    entrypoint: ["/bin/tini", "--"]\n`);
    expect(svc.command).toEqual(['sh', '-c', 'echo "a b" && exit 1']);
    expect(svc.entrypoint).toEqual(['/bin/tini', '--']);
    expect((await web('    command: null\n')).svc.command).toBeNull();
    expect(await loadBrief({ 'compose.yaml': 'services:\n  web:\n    image: x\n    command: echo "oops\n' })).toEqual([
      'compose.yaml:4:14: services.web.command: cannot split the command into words: unterminated double quote (close the quote, or write the command as a list)',
    ]);
  });

  it('healthcheck: test string to CMD-SHELL, durations canonical', async () => {
    const { svc } = await web(
      '    healthcheck:\n      test: curl -f http://localhost\n      interval: 90s\n      timeout: 1500ms\n      start_period: 1h0m5s\n      retries: "3"\n',
    );
    expect(svc.healthcheck).toEqual({
      test: ['CMD-SHELL', 'curl -f http://localhost'],
      interval: '1m30s',
      timeout: '1.5s',
      start_period: '1h0m5s',
      retries: 3,
    });
    expect((await web('    healthcheck:\n      test: ["CMD", "true"]\n      disable: yes\n')).svc.healthcheck).toEqual({
      test: ['CMD', 'true'],
      disable: true,
    });
  });

  it('build: string to {context}, context absolute, args as a map', async () => {
    const a = await web('    build: ./app\n');
    expect(a.svc.build).toEqual({ context: join(a.dir, 'app') });
    const b = await web('    build:\n      dockerfile: Dockerfile.dev\n      args: [A=1, B]\n      shm_size: 1gb\n');
    expect(b.svc.build).toEqual({
      context: b.dir,
      dockerfile: 'Dockerfile.dev',
      args: { A: '1', B: null },
      shm_size: 1024 ** 3,
    });
    const c = await web('    build: https://github.com/x/y.git#main\n');
    expect(c.svc.build).toEqual({ context: 'https://github.com/x/y.git#main' });
  });

  it('sizes in bytes, durations canonical, numbers typed', async () => {
    const { svc } = await web(
      '    shm_size: 64m\n    mem_limit: 1gb\n    stop_grace_period: 1m\n    cpus: "0.5"\n    scale: 2\n    privileged: "true"\n',
    );
    expect([svc.shm_size, svc.mem_limit, svc.stop_grace_period, svc.cpus, svc.scale, svc.privileged]).toEqual([
      64 * 1024 ** 2,
      1024 ** 3,
      '1m0s',
      0.5,
      2,
      true,
    ]);
  });

  it('ulimits: a number is soft and hard', async () => {
    const { svc } = await web('    ulimits:\n      nproc: 65535\n      nofile: {soft: 20000, hard: 40000}\n');
    expect(svc.ulimits).toEqual({ nproc: { soft: 65535, hard: 65535 }, nofile: { soft: 20000, hard: 40000 } });
  });

  it('extra_hosts: list or map, written host:ip', async () => {
    expect((await web('    extra_hosts: ["a:1.2.3.4", "b=::1"]\n')).svc.extra_hosts).toEqual(['a:1.2.3.4', 'b:::1']);
    expect((await web('    extra_hosts:\n      a: 1.2.3.4\n      b: [5.6.7.8, "::1"]\n')).svc.extra_hosts).toEqual([
      'a:1.2.3.4',
      'b:5.6.7.8',
      'b:::1',
    ]);
  });

  it('devices, tmpfs, dns: short forms to long forms', async () => {
    const { svc } = await web('    devices: ["/dev/a", "/dev/b:/dev/c:r"]\n    tmpfs: /run\n    dns: 8.8.8.8\n');
    expect(svc.devices).toEqual([
      { source: '/dev/a', target: '/dev/a', permissions: 'rwm' },
      { source: '/dev/b', target: '/dev/c', permissions: 'r' },
    ]);
    expect([svc.tmpfs, svc.dns]).toEqual([['/run'], ['8.8.8.8']]);
  });

  it('secrets and configs: short and long forms; must be declared', async () => {
    const { svc, project, dir } = await web(
      '    secrets: [db_pass, {source: api, target: /run/api, mode: "0400", uid: "100"}]\n',
      'secrets:\n  db_pass:\n    file: ./pass.txt\n  api:\n    environment: API_KEY\n',
      { API_KEY: 'k' },
      { 'pass.txt': 'p' },
    );
    expect(svc.secrets).toEqual([
      { source: 'db_pass' },
      { source: 'api', target: '/run/api', mode: 0o400, uid: '100' },
    ]);
    expect(project.secrets).toEqual({
      db_pass: { name: `app_db_pass`, file: join(dir, 'pass.txt') },
      api: { name: 'app_api', environment: 'API_KEY' },
    });
    expect(await loadBrief({ 'compose.yaml': 'services:\n  web:\n    image: x\n    configs: [nginx]\n' })).toEqual([
      'compose.yaml:4:15: services.web.configs[0]: service "web" uses config "nginx", which is not declared under the top-level "configs"',
    ]);
  });

  it('networks: the default network when none is given; lists to maps; engine names', async () => {
    const { project } = await load({
      'compose.yaml': [
        'name: p',
        'services:',
        '  a: {image: x}',
        '  b: {image: x, networks: [front]}',
        '  c: {image: x, networks: {front: {aliases: [c1]}, back: null}}',
        '  d: {image: x, network_mode: host}',
        'networks:',
        '  front: {}',
        '  back: {name: the-back}',
        '  ext: {external: true}',
        '',
      ].join('\n'),
    });
    expect(project.services.a!.networks).toEqual({ default: null });
    expect(project.services.b!.networks).toEqual({ front: null });
    expect(project.services.c!.networks).toEqual({ front: { aliases: ['c1'] }, back: null });
    expect(project.services.d!.networks).toEqual({});
    expect(project.networks).toEqual({
      front: { name: 'p_front' },
      back: { name: 'the-back' },
      ext: { name: 'ext', external: true },
      default: { name: 'p_default' },
    });
  });

  it('does not add the default network when nobody uses it', async () => {
    const { project } = await load({
      'compose.yaml': 'services:\n  a: {image: x, networks: [n]}\nnetworks:\n  n: {}\n',
    });
    expect(Object.keys(project.networks)).toEqual(['n']);
  });

  it('rejects undeclared networks and network_mode together with networks', async () => {
    expect(
      await loadBrief({
        'compose.yaml': 'services:\n  a:\n    image: x\n    networks: [frnt]\nnetworks:\n  front: {}\n',
      }),
    ).toEqual([
      'compose.yaml:4:16: services.a.networks.frnt: service "a" uses network "frnt", which is not declared under the top-level "networks" (did you mean "front"?)',
    ]);
    expect(
      await loadBrief({
        'compose.yaml': 'services:\n  a:\n    image: x\n    network_mode: host\n    networks: [default]\n',
      }),
    ).toEqual([
      'compose.yaml:4:19: services.a.network_mode: "network_mode" and "networks" cannot both be set (remove one of them)',
    ]);
  });

  it('depends_on: list or map, with defaults', async () => {
    const { project } = await load({
      'compose.yaml':
        'services:\n  a: {image: x, depends_on: [b]}\n  b: {image: x, depends_on: {c: {condition: service_healthy, restart: true}}}\n  c: {image: x}\n',
    });
    expect(project.services.a!.depends_on).toEqual({
      b: { condition: 'service_started', required: true, restart: false },
    });
    expect(project.services.b!.depends_on).toEqual({
      c: { condition: 'service_healthy', required: true, restart: true },
    });
  });

  it('depends_on an unknown service is an error, unless not required', async () => {
    expect(
      await loadBrief({ 'compose.yaml': 'services:\n  a:\n    image: x\n    depends_on: [dbb]\n  db: {image: x}\n' }),
    ).toEqual([
      'compose.yaml:4:18: services.a.depends_on.dbb: service "a" depends on undefined service "dbb" (did you mean "db"?)',
    ]);
    const { project } = await load({
      'compose.yaml':
        'services:\n  a:\n    image: x\n    depends_on:\n      opt: {condition: service_started, required: false}\n',
    });
    expect(project.services.a!.depends_on).toEqual({});
  });

  it('checks service references in links, volumes_from and network_mode', async () => {
    expect(
      await loadBrief({
        'compose.yaml':
          'services:\n  a:\n    image: x\n    links: ["dbb:db"]\n    volumes_from: [data]\n    network_mode: "service:vpn"\n  db: {image: x}\n',
      }),
    ).toEqual([
      'compose.yaml:6:19: services.a.network_mode: "service:vpn" refers to undefined service "vpn"',
      'compose.yaml:4:13: services.a.links[0]: link to undefined service "dbb" (did you mean "db"?)',
      'compose.yaml:5:20: services.a.volumes_from[0]: volumes_from refers to undefined service "data"',
    ]);
  });

  it('keeps x- extensions of services and of the project', async () => {
    const { project } = await load({ 'compose.yaml': 'x-top: 1\nservices:\n  a:\n    image: x\n    x-mine: {k: v}\n' });
    expect(project.extensions).toEqual({ 'x-top': 1 });
    expect(project.services.a!.extensions).toEqual({ 'x-mine': { k: 'v' } });
  });

  it('warns that version is obsolete', async () => {
    const { warnings } = await load({ 'compose.yaml': 'version: "3.8"\nservices: {}\n' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/the attribute "version" is obsolete/);
  });

  it('returns a frozen model', async () => {
    const { project } = await load({ 'compose.yaml': 'services:\n  a: {image: x}\n' });
    expect(Object.isFrozen(project.services.a!.networks)).toBe(true);
  });

  it('requires an image or a build context', async () => {
    expect(await loadBrief({ 'compose.yaml': 'services:\n  web:\n    user: me\n' })).toEqual([
      'compose.yaml:2:3: services.web: service "web" has neither an image nor a build context (add "image:" or "build:")',
    ]);
  });
});
