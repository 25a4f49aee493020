import { describe, expect, it } from 'vitest';
import { oneOffService, oneOffSpec, type RunOptions } from '../../../src/apply/run.js';
import { parseOneOffFlags } from '../../../src/cli/commands/run.js';
import { UsageError } from '../../../src/errors.js';
import { project } from '../../helpers/project.js';
import { runOptions } from '../../helpers/run-options.js';

const p = project('demo', {
  web: {
    image: 'busybox',
    restart: 'always',
    command: ['httpd', '-f'],
    environment: { A: '1' },
    ports: [{ target: 80, published: '8080', protocol: 'tcp', mode: 'ingress' }],
  },
});
const base = runOptions();
const world = {
  lookupEnv: (k: string) => (k === 'FROM_SHELL' ? 'shell' : undefined),
  baseDir: '/srv/demo',
  home: '/home/u',
};
const noFlags = { env: [], labels: [], publish: [], volumes: [] };
const slug = 'ab'.repeat(32);

describe('one-off containers', () => {
  it('are named <project>-<service>-run-<12 hex>, labelled one-off with the slug, without the service alias, restart policy or ports', () => {
    const spec = oneOffSpec(p, oneOffService(p.services.web!, base), base, slug, 'test');
    expect(spec.name).toBe(`demo-web-run-${slug.slice(0, 12)}`);
    expect(spec.labels['com.docker.compose.oneoff']).toBe('True');
    expect(spec.labels['com.docker.compose.slug']).toBe(slug);
    expect(spec.labels['com.docker.compose.container-number']).toBeUndefined();
    expect(spec.endpoints.map((e) => e.aliases)).toEqual([[]]);
    expect(spec.restartPolicy).toBeUndefined();
    expect(spec.ports).toEqual([]);
    expect(spec.openStdin).toBe(true);
    expect(spec.stdinOnce).toBe(true);
  });

  it('take the command, entrypoint, environment, labels and ports from the flags', () => {
    const flags = parseOneOffFlags(
      {
        env: ['B=2', 'FROM_SHELL', 'UNSET'],
        labels: ['x=y'],
        publish: ['127.0.0.1:9000:90'],
        volumes: ['./data:/data'],
      },
      world,
    );
    const o: RunOptions = { ...base, command: ['echo', 'hi'], ...flags, servicePorts: true, name: 'custom' };
    const s = oneOffService(p.services.web!, o);
    expect(s.command).toEqual(['echo', 'hi']);
    expect(s.environment).toEqual({ A: '1', B: '2', FROM_SHELL: 'shell' });
    expect(s.labels).toEqual({ x: 'y' });
    expect(s.ports.map((x) => `${x.host_ip ?? ''}:${x.published}:${x.target}`)).toEqual([
      ':8080:80',
      '127.0.0.1:9000:90',
    ]);
    expect(s.volumes).toMatchObject([{ type: 'bind', source: '/srv/demo/data', target: '/data' }]);
    expect(oneOffSpec(p, s, o, slug, 'test').name).toBe('custom');
    const e = oneOffService(p.services.web!, { ...base, entrypoint: ['sh', '-c'] });
    expect(e.entrypoint).toEqual(['sh', '-c']);
    expect(e.command).toEqual([]);
  });

  it('reject malformed flags with a usage error', () => {
    expect(() => parseOneOffFlags({ ...noFlags, env: ['=x'] }, world)).toThrow(UsageError);
    expect(() => parseOneOffFlags({ ...noFlags, labels: ['novalue'] }, world)).toThrow(UsageError);
    expect(() => parseOneOffFlags({ ...noFlags, publish: ['a:b:c:d'] }, world)).toThrow(/^-p: /);
    expect(() => parseOneOffFlags({ ...noFlags, volumes: [':'] }, world)).toThrow(/^-v: /);
  });
});

describe('one-off set-up under the project lock', () => {
  it('makes the dependencies, networks and the container inside `setup`, and attaches, starts and waits outside it', async () => {
    const { runOneOff } = await import('../../../src/apply/run.js');
    const { FakeRuntime } = await import('../../helpers/fake-runtime.js');
    const { PassThrough } = await import('node:stream');
    const stack = project('demo', {
      db: { image: 'busybox' },
      web: { image: 'busybox', depends_on: { db: { condition: 'service_started', required: true, restart: false } } },
    });
    const rt = new FakeRuntime({ busybox: 'sha256:1' });
    const inside: string[] = [];
    const setup = async <T>(fn: () => Promise<T>): Promise<T> => {
      const from = rt.calls.length;
      const out = await fn();
      inside.push(...rt.calls.slice(from));
      return out;
    };
    const quiet = { start: () => undefined, event: () => undefined, done: () => Promise.resolve() };
    const io = { stdout: new PassThrough(), stderr: new PassThrough() };
    const r = await runOneOff(
      stack,
      rt,
      { ...base, service: 'web' },
      { parallel: 1, berthVersion: 't', setup },
      () => Promise.resolve(quiet),
      io,
      { randomId: () => slug },
    );
    expect(r.exitCode).toBe(0);
    expect(inside).toEqual([
      'create network demo_default',
      'create demo-db-1',
      'start demo-db-1',
      `create demo-web-run-${slug.slice(0, 12)}`,
    ]);
    const after = rt.calls.slice(rt.calls.indexOf(`create demo-web-run-${slug.slice(0, 12)}`) + 1);
    expect(after).toEqual([`attach demo-web-run-${slug.slice(0, 12)}`, `start demo-web-run-${slug.slice(0, 12)}`]);
  });
});

describe("the one-off's networks, volumes and image, through its plan", () => {
  const quiet = { start: () => undefined, event: () => undefined, done: () => Promise.resolve() };

  it('on a fresh engine: the plan makes the network, the volume and the image before the one-off is created', async () => {
    const { runOneOff } = await import('../../../src/apply/run.js');
    const { FakeRuntime } = await import('../../helpers/fake-runtime.js');
    const { PassThrough } = await import('node:stream');
    const stack = project(
      'demo',
      { web: { image: 'busybox', volumes: [{ type: 'volume', source: 'data', target: '/data' }] } },
      { volumes: { data: { name: 'demo_data' } } },
    );
    const rt = new FakeRuntime({});
    const titles: string[] = [];
    const renderer = {
      start: (items: { title: string }[]) => void titles.push(...items.map((i) => i.title)),
      event: () => undefined,
      done: () => Promise.resolve(),
    };
    const r = await runOneOff(
      stack,
      rt,
      { ...base, service: 'web', noDeps: true, detach: true },
      { parallel: 1, berthVersion: 't' },
      () => Promise.resolve(renderer),
      { stdout: new PassThrough(), stderr: new PassThrough() },
      { randomId: () => slug },
    );
    expect(r.exitCode).toBe(0);
    expect(titles).toEqual(['network demo_default', 'volume demo_data', 'image busybox']);
    expect(rt.calls).toEqual([
      'create network demo_default',
      'create volume demo_data',
      'pull busybox',
      `create demo-web-run-${slug.slice(0, 12)}`,
      `start demo-web-run-${slug.slice(0, 12)}`,
    ]);
  });

  it('an external network that does not exist: the same error as up, and nothing is made', async () => {
    const { runOneOff } = await import('../../../src/apply/run.js');
    const { FakeRuntime } = await import('../../helpers/fake-runtime.js');
    const { ExternalResourceMissingError } = await import('../../../src/errors.js');
    const { PassThrough } = await import('node:stream');
    const stack = project(
      'demo',
      { web: { image: 'busybox', networks: { shared: null } } },
      { networks: { shared: { name: 'shared', external: true } } },
    );
    const rt = new FakeRuntime({ busybox: 'sha256:1' });
    const attempt = runOneOff(
      stack,
      rt,
      { ...base, service: 'web', noDeps: true },
      { parallel: 1, berthVersion: 't' },
      () => Promise.resolve(quiet),
      { stdout: new PassThrough(), stderr: new PassThrough() },
      { randomId: () => slug },
    );
    await expect(attempt).rejects.toThrow(ExternalResourceMissingError);
    await expect(attempt).rejects.toThrow('network shared is declared as external, but could not be found');
    expect(rt.calls).toEqual([]);
  });
});
