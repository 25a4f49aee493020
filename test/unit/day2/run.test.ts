import { describe, expect, it } from 'vitest';
import { oneOffService, oneOffSpec, type RunOptions } from '../../../src/apply/run.js';
import { UsageError } from '../../../src/errors.js';
import { project } from '../../helpers/project.js';

const p = project('demo', {
  web: {
    image: 'busybox', restart: 'always', command: ['httpd', '-f'], environment: { A: '1' },
    ports: [{ target: 80, published: '8080', protocol: 'tcp', mode: 'ingress' }],
  },
});
const base: RunOptions = {
  service: 'web', command: [], env: [], labels: [], volumes: [], publish: [], servicePorts: false,
  noDeps: false, detach: false, remove: false, tty: false, interactive: true,
};
const world = { lookupEnv: (k: string) => (k === 'FROM_SHELL' ? 'shell' : undefined), home: '/home/u' };
const slug = 'ab'.repeat(32);

describe('one-off containers', () => {
  it('are named <project>-<service>-run-<12 hex>, labelled one-off with the slug, without the service alias, restart policy or ports', () => {
    const spec = oneOffSpec(p, oneOffService(p, p.services.web!, base, world), base, slug, 'test');
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
    const o: RunOptions = { ...base, command: ['echo', 'hi'], env: ['B=2', 'FROM_SHELL', 'UNSET'], labels: ['x=y'], publish: ['127.0.0.1:9000:90'], servicePorts: true, name: 'custom' };
    const s = oneOffService(p, p.services.web!, o, world);
    expect(s.command).toEqual(['echo', 'hi']);
    expect(s.environment).toEqual({ A: '1', B: '2', FROM_SHELL: 'shell' });
    expect(s.labels).toEqual({ x: 'y' });
    expect(s.ports.map((x) => `${x.host_ip ?? ''}:${x.published}:${x.target}`)).toEqual([':8080:80', '127.0.0.1:9000:90']);
    expect(oneOffSpec(p, s, o, slug, 'test').name).toBe('custom');
    const e = oneOffService(p, p.services.web!, { ...base, entrypoint: ['sh', '-c'] }, world);
    expect(e.entrypoint).toEqual(['sh', '-c']);
    expect(e.command).toEqual([]);
  });

  it('reject malformed flags with a usage error', () => {
    expect(() => oneOffService(p, p.services.web!, { ...base, env: ['=x'] }, world)).toThrow(UsageError);
    expect(() => oneOffService(p, p.services.web!, { ...base, labels: ['novalue'] }, world)).toThrow(UsageError);
    expect(() => oneOffService(p, p.services.web!, { ...base, publish: ['a:b:c:d'] }, world)).toThrow(UsageError);
  });
});
