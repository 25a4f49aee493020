import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineUnreachableError } from '../../../src/errors.js';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    expect(() => resolveEndpoint({ DOCKER_HOST: 'fd://3' })).toThrow(EngineUnreachableError);
    expect(() => resolveEndpoint({ DOCKER_HOST: 'fd://3' })).toThrow(/fd:\/\/ engine addresses are not supported/);
  });

  it('described for messages', () => {
    expect(describeEndpoint({ kind: 'unix', socketPath: '/var/run/docker.sock' })).toBe('unix:///var/run/docker.sock');
    expect(describeEndpoint({ kind: 'ssh', host: 'box', user: 'me', port: 2222 })).toBe('ssh://me@box:2222');
    expect(describeEndpoint({ kind: 'ssh', host: '::1', socketPath: '/run/d.sock' })).toBe('ssh://[::1]/run/d.sock');
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

describe('ssh:// addresses (as the docker CLI reads them: cli/connhelper/ssh)', () => {
  it.each([
    ['ssh://box', { kind: 'ssh', host: 'box' }],
    ['ssh://me@box', { kind: 'ssh', host: 'box', user: 'me' }],
    ['ssh://me@box:2222', { kind: 'ssh', host: 'box', user: 'me', port: 2222 }],
    ['ssh://me@[::1]:2222', { kind: 'ssh', host: '::1', user: 'me', port: 2222 }],
    ['ssh://box/', { kind: 'ssh', host: 'box' }],
    ['ssh://box/run/user/1000/docker.sock', { kind: 'ssh', host: 'box', socketPath: '/run/user/1000/docker.sock' }],
  ])('%s', (raw, endpoint) => {
    expect(resolveEndpoint({ DOCKER_HOST: raw })).toEqual(endpoint);
  });

  it.each([
    ['ssh://me:secret@box', /a password in the address is not supported/],
    ['ssh://box?x=1', /query parameters are not allowed: "x=1"/],
    ['ssh://box#frag', /fragments are not allowed: "frag"/],
    ['ssh://', /no host given|not a valid ssh:\/\/ address/],
  ])('%s is refused', (raw, message) => {
    expect(() => resolveEndpoint({ DOCKER_HOST: raw })).toThrow(EngineUnreachableError);
    expect(() => resolveEndpoint({ DOCKER_HOST: raw })).toThrow(message);
  });

  it('a context whose endpoint is ssh', () => {
    const fs = files({
      [`/home/u/.docker/contexts/meta/${contextDir('server')}/meta.json`]: JSON.stringify({
        Name: 'server',
        Endpoints: { docker: { Host: 'ssh://deploy@server.example:2200', SkipTLSVerify: false } },
      }),
    });
    expect(resolveEndpoint({ HOME: '/home/u', DOCKER_CONTEXT: 'server' }, fs)).toEqual({
      kind: 'ssh',
      host: 'server.example',
      user: 'deploy',
      port: 2200,
    });
  });
});

describe("Podman's socket, where the docker CLI would find no engine", () => {
  const env = { HOME: '/home/u', XDG_RUNTIME_DIR: '/run/user/1000' };
  const rootless = '/run/user/1000/podman/podman.sock';
  const rootful = '/run/podman/podman.sock';
  const present = (...paths: string[]): ConfigFiles => files(Object.fromEntries(paths.map((p) => [p, ''])));

  it('docker.sock first, when it exists, even with Podman there too', () => {
    expect(resolveEndpoint(env, present('/var/run/docker.sock', rootless, rootful))).toEqual({
      kind: 'unix',
      socketPath: '/var/run/docker.sock',
    });
  });

  it("then the user's Podman ($XDG_RUNTIME_DIR), then the system's", () => {
    expect(resolveEndpoint(env, present(rootless, rootful))).toEqual({ kind: 'unix', socketPath: rootless });
    expect(resolveEndpoint(env, present(rootful))).toEqual({ kind: 'unix', socketPath: rootful });
    expect(resolveEndpoint({ HOME: '/home/u' }, present(rootful))).toEqual({ kind: 'unix', socketPath: rootful });
  });

  it('none of them: docker.sock, which the error then names', () => {
    expect(resolveEndpoint(env, present())).toEqual({ kind: 'unix', socketPath: '/var/run/docker.sock' });
  });

  it('never over DOCKER_HOST or a context', () => {
    expect(resolveEndpoint({ ...env, DOCKER_HOST: 'tcp://e:2375' }, present(rootless))).toEqual({
      kind: 'tcp',
      host: 'e',
      port: 2375,
    });
    const withContext = files({
      [rootless]: '',
      [`/home/u/.docker/contexts/meta/${contextDir('remote')}/meta.json`]: JSON.stringify({
        Endpoints: { docker: { Host: 'tcp://engine:2375' } },
      }),
    });
    expect(resolveEndpoint({ ...env, DOCKER_CONTEXT: 'remote' }, withContext)).toMatchObject({ kind: 'tcp' });
  });
});

describe("Podman's socket on disk, in a temporary XDG_RUNTIME_DIR", () => {
  let runtimeDir = '';
  let server: Server | undefined;
  beforeEach(() => {
    runtimeDir = mkdtempSync(join(tmpdir(), 'berth-xdg-'));
  });
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
    rmSync(runtimeDir, { recursive: true, force: true });
  });
  /** The real disk, on a machine without Docker's socket. */
  const withoutDocker: ConfigFiles = {
    readText: () => undefined,
    exists: (p) => p !== '/var/run/docker.sock' && existsSync(p),
  };

  it('a listening podman.sock there is the engine; before it exists, it is not', async () => {
    const socket = join(runtimeDir, 'podman', 'podman.sock');
    const env = { HOME: runtimeDir, XDG_RUNTIME_DIR: runtimeDir };
    expect(resolveEndpoint(env, withoutDocker)).toMatchObject({ kind: 'unix' });
    expect(resolveEndpoint(env, withoutDocker)).not.toEqual({ kind: 'unix', socketPath: socket });
    mkdirSync(join(runtimeDir, 'podman'));
    server = createServer();
    await new Promise<void>((resolve) => server!.listen(socket, resolve));
    expect(resolveEndpoint(env, withoutDocker)).toEqual({ kind: 'unix', socketPath: socket });
  });
});
