import { describe, expect, it } from 'vitest';
import { EngineUnreachableError } from '../../../src/errors.js';
import { createHash } from 'node:crypto';
import { describeEndpoint, resolveEndpoint, type ConfigFiles } from '../../../src/runtime/docker/endpoint.js';

/** The docker CLI's files, in memory. */
function files(tree: Record<string, string>): ConfigFiles {
  return { readText: (p) => tree[p], exists: (p) => p in tree };
}
const contextDir = (name: string): string => createHash('sha256').update(name).digest('hex');

describe('where the engine is (DOCKER_HOST as the docker CLI reads it)', () => {
  it('default: the local socket', () => {
    expect(resolveEndpoint({})).toEqual({ kind: 'unix', socketPath: '/var/run/docker.sock' });
    expect(resolveEndpoint({ DOCKER_HOST: '' })).toEqual({ kind: 'unix', socketPath: '/var/run/docker.sock' });
  });

  it('unix:// path (Podman socket)', () => {
    expect(resolveEndpoint({ DOCKER_HOST: 'unix:///run/user/1000/podman/podman.sock' })).toEqual({
      kind: 'unix',
      socketPath: '/run/user/1000/podman/podman.sock',
    });
  });

  it('tcp:// without TLS, port defaulting to 2375', () => {
    expect(resolveEndpoint({ DOCKER_HOST: 'tcp://10.0.0.5:2375' })).toEqual({
      kind: 'tcp',
      host: '10.0.0.5',
      port: 2375,
    });
    expect(resolveEndpoint({ DOCKER_HOST: 'tcp://engine.internal' })).toEqual({
      kind: 'tcp',
      host: 'engine.internal',
      port: 2375,
    });
    expect(resolveEndpoint({ DOCKER_HOST: 'tcp://[::1]:2375' })).toEqual({ kind: 'tcp', host: '::1', port: 2375 });
  });

  it('tcp:// with DOCKER_TLS_VERIFY: verified TLS, certs from DOCKER_CERT_PATH or ~/.docker, port 2376', () => {
    expect(
      resolveEndpoint({ DOCKER_HOST: 'tcp://engine:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' }),
    ).toEqual({
      kind: 'tcp',
      host: 'engine',
      port: 2376,
      tls: { certDir: '/certs', verify: true },
    });
    expect(resolveEndpoint({ DOCKER_HOST: 'tcp://engine', DOCKER_TLS_VERIFY: '1', HOME: '/home/u' })).toEqual({
      kind: 'tcp',
      host: 'engine',
      port: 2376,
      tls: { certDir: '/home/u/.docker', verify: true },
    });
  });

  it('DOCKER_CERT_PATH alone: TLS without verifying the server', () => {
    expect(resolveEndpoint({ DOCKER_HOST: 'tcp://engine:2376', DOCKER_CERT_PATH: '/certs' })).toMatchObject({
      tls: { certDir: '/certs', verify: false },
    });
  });

  it('unsupported schemes say so', () => {
    expect(() => resolveEndpoint({ DOCKER_HOST: 'ssh://me@box' })).toThrow(EngineUnreachableError);
    expect(() => resolveEndpoint({ DOCKER_HOST: 'ssh://me@box' })).toThrow(
      /ssh:\/\/ engine addresses are not supported/,
    );
  });

  it('described for messages', () => {
    expect(describeEndpoint({ kind: 'unix', socketPath: '/var/run/docker.sock' })).toBe('unix:///var/run/docker.sock');
    expect(describeEndpoint({ kind: 'tcp', host: 'e', port: 2376, tls: { certDir: '/c', verify: true } })).toBe(
      'tcp://e:2376 (TLS)',
    );
  });
});

describe('docker contexts', () => {
  const home = { HOME: '/home/u' };
  const meta = (name: string, host: string, skip = false): Record<string, string> => ({
    [`/home/u/.docker/contexts/meta/${contextDir(name)}/meta.json`]: JSON.stringify({
      Name: name,
      Metadata: {},
      Endpoints: { docker: { Host: host, SkipTLSVerify: skip } },
    }),
  });

  it('the current context from config.json', () => {
    const fs = files({
      '/home/u/.docker/config.json': '{"currentContext":"podman"}',
      ...meta('podman', 'unix:///run/podman/podman.sock'),
    });
    expect(resolveEndpoint(home, fs)).toEqual({ kind: 'unix', socketPath: '/run/podman/podman.sock' });
  });

  it('DOCKER_CONTEXT over config.json; its TLS files make it TLS', () => {
    const tlsDir = `/home/u/.docker/contexts/tls/${contextDir('remote')}/docker`;
    const fs = files({
      '/home/u/.docker/config.json': '{"currentContext":"podman"}',
      ...meta('remote', 'tcp://engine.internal:2376'),
      [`${tlsDir}/ca.pem`]: 'x',
      [`${tlsDir}/cert.pem`]: 'x',
      [`${tlsDir}/key.pem`]: 'x',
    });
    expect(resolveEndpoint({ ...home, DOCKER_CONTEXT: 'remote' }, fs)).toEqual({
      kind: 'tcp',
      host: 'engine.internal',
      port: 2376,
      tls: { certDir: tlsDir, verify: true },
    });
  });

  it('DOCKER_HOST wins over any context; "default" is the local socket; DOCKER_CONFIG moves the folder', () => {
    const fs = files({
      '/home/u/.docker/config.json': '{"currentContext":"remote"}',
      ...meta('remote', 'tcp://engine:2375'),
    });
    expect(resolveEndpoint({ ...home, DOCKER_HOST: 'unix:///tmp/d.sock' }, fs)).toEqual({
      kind: 'unix',
      socketPath: '/tmp/d.sock',
    });
    expect(resolveEndpoint({ ...home, DOCKER_CONTEXT: 'default' }, fs)).toEqual({
      kind: 'unix',
      socketPath: '/var/run/docker.sock',
    });
    expect(resolveEndpoint({ ...home, DOCKER_CONFIG: '/etc/dock' }, fs)).toEqual({
      kind: 'unix',
      socketPath: '/var/run/docker.sock',
    });
  });

  it('a context that does not exist says so', () => {
    expect(() => resolveEndpoint({ ...home, DOCKER_CONTEXT: 'gone' }, files({}))).toThrow(
      /docker context "gone" does not exist/,
    );
  });
});
