/** Registry credentials from the Docker config file and credential helpers; never shown. */
import { describe, expect, it } from 'vitest';
import { RegistryAuthError } from '../../../src/errors.js';
import {
  CredentialStore,
  dockerConfigPath,
  dockerConfigWith,
  encodeAuthConfigs,
  encodeAuthHeader,
  hostOfKey,
  redact,
  registryHost,
  type HelperRunner,
} from '../../../src/runtime/docker/auth.js';
import { createDockerRuntime } from '../../../src/runtime/docker/index.js';
import { isAuthFailure, splitTag } from '../../../src/runtime/docker/push.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
function store(
  config: unknown,
  runHelper: HelperRunner = () => Promise.reject(new Error('no helper')),
): CredentialStore {
  return new CredentialStore({
    env: { DOCKER_CONFIG: '/cfg' },
    readText: (p) => (p === '/cfg/config.json' ? JSON.stringify(config) : undefined),
    runHelper,
  });
}

describe('where credentials are looked up', () => {
  it('reads DOCKER_CONFIG, else ~/.docker', () => {
    expect(dockerConfigPath({ DOCKER_CONFIG: '/x' })).toBe('/x/config.json');
    expect(dockerConfigPath({ HOME: '/home/u' })).toBe('/home/u/.docker/config.json');
  });

  it('names the registry of a reference as the docker CLI does', () => {
    expect(registryHost('busybox')).toBe('docker.io');
    expect(registryHost('library/busybox:1')).toBe('docker.io');
    expect(registryHost('127.0.0.1:5000/app:1')).toBe('127.0.0.1:5000');
    expect(registryHost('localhost/app')).toBe('localhost');
    expect(registryHost('ghcr.io/o/app@sha256:ab')).toBe('ghcr.io');
    expect(hostOfKey('https://index.docker.io/v1/')).toBe('docker.io');
    expect(hostOfKey('http://127.0.0.1:5000/v2/')).toBe('127.0.0.1:5000');
  });
});

describe('CredentialStore', () => {
  it('decodes auths entries (base64 user:password, or fields), matching keys written with a scheme', async () => {
    const s = store({
      auths: {
        'https://reg.example:5000': { auth: b64('alice:pa:ss') },
        'other.example': { username: 'bob', password: 'pw' },
      },
    });
    expect(await s.forImage('reg.example:5000/app:1')).toEqual({
      serverAddress: 'reg.example:5000',
      username: 'alice',
      password: 'pa:ss',
      source: '/cfg/config.json',
    });
    expect(await s.forImage('other.example/x')).toMatchObject({ username: 'bob', password: 'pw' });
    expect(await s.forImage('nobody.example/x')).toBeUndefined();
  });

  it('asks credHelpers for their registry and credsStore for the others, with the server address on stdin', async () => {
    const calls: string[] = [];
    const runner: HelperRunner = (helper, input) => {
      calls.push(`${helper} ${input}`);
      if (helper === 'pass')
        return Promise.resolve({
          exitCode: 0,
          stdout: JSON.stringify({ ServerURL: input, Username: 'u', Secret: 's' }),
          stderr: '',
        });
      if (input === 'https://index.docker.io/v1/')
        return Promise.resolve({
          exitCode: 0,
          stdout: JSON.stringify({ Username: '<token>', Secret: 'tok' }),
          stderr: '',
        });
      return Promise.resolve({ exitCode: 1, stdout: 'credentials not found in native keychain', stderr: '' });
    };
    const s = store({ credsStore: 'desktop', credHelpers: { 'reg.example': 'pass' } }, runner);
    expect(await s.forImage('reg.example/app')).toEqual({
      serverAddress: 'reg.example',
      username: 'u',
      password: 's',
      source: 'docker-credential-pass',
    });
    expect(await s.forImage('busybox')).toEqual({
      serverAddress: 'https://index.docker.io/v1/',
      identityToken: 'tok',
      source: 'docker-credential-desktop',
    });
    expect(await s.forImage('elsewhere.example/app')).toBeUndefined();
    expect(calls).toEqual(['pass reg.example', 'desktop https://index.docker.io/v1/', 'desktop elsewhere.example']);
  });

  it('names a helper that cannot run or fails, and a config that is not JSON', async () => {
    await expect(store({ credsStore: 'missing' }).forImage('x.example/a')).rejects.toThrow(
      /cannot run the credential helper docker-credential-missing/,
    );
    const failing = store({ credsStore: 'broken' }, () =>
      Promise.resolve({ exitCode: 2, stdout: '', stderr: 'keychain locked\nmore' }),
    );
    await expect(failing.forImage('x.example/a')).rejects.toThrow(
      'the credential helper docker-credential-broken failed for x.example: keychain locked',
    );
    const bad = new CredentialStore({
      env: { DOCKER_CONFIG: '/cfg' },
      readText: () => '{nope',
      runHelper: () => Promise.reject(new Error('x')),
    });
    await expect(bad.forImage('x.example/a')).rejects.toBeInstanceOf(RegistryAuthError);
  });
});

describe('every login, for use_api_socket', () => {
  it("without credsStore: each auths entry under its own key; a credHelpers registry wins over the file's entry", async () => {
    const runner: HelperRunner = (helper, input) =>
      Promise.resolve({
        exitCode: 0,
        stdout: JSON.stringify({ Username: 'h', Secret: `from-${helper}-${input}` }),
        stderr: '',
      });
    const s = store(
      {
        auths: { 'https://reg.example:5000': { auth: b64('alice:pw') }, 'helped.example': { auth: b64('old:old') } },
        credHelpers: { 'helped.example': 'pass' },
      },
      runner,
    );
    const all = await s.allCredentials();
    expect(Object.keys(all).sort()).toEqual(['helped.example', 'https://reg.example:5000']);
    expect(all['https://reg.example:5000']).toMatchObject({ username: 'alice', password: 'pw' });
    expect(all['helped.example']).toMatchObject({ username: 'h', password: 'from-pass-helped.example' });
  });

  it('with credsStore: the servers the helper lists, each asked for; an empty list gives no logins', async () => {
    const calls: string[] = [];
    const runner: HelperRunner = (helper, input, action = 'get') => {
      calls.push(`${helper} ${action} ${input}`);
      if (action === 'list')
        return Promise.resolve({
          exitCode: 0,
          stdout: JSON.stringify({ 'https://index.docker.io/v1/': 'me' }),
          stderr: '',
        });
      return Promise.resolve({ exitCode: 0, stdout: JSON.stringify({ Username: 'me', Secret: 'tok' }), stderr: '' });
    };
    const all = await store({ credsStore: 'desktop', auths: { 'file-only.example': {} } }, runner).allCredentials();
    expect(all).toEqual({
      'https://index.docker.io/v1/': {
        serverAddress: 'https://index.docker.io/v1/',
        username: 'me',
        password: 'tok',
        source: 'docker-credential-desktop',
      },
    });
    expect(calls).toEqual(['desktop list ', 'desktop get https://index.docker.io/v1/']);
    const none = store({ credsStore: 'desktop' }, () => Promise.resolve({ exitCode: 0, stdout: '{}', stderr: '' }));
    expect(await none.allCredentials()).toEqual({});
  });

  it('writes them as the docker CLI writes a config file: base64 auth, identity tokens as they are', () => {
    const text = dockerConfigWith({
      'reg.example': { serverAddress: 'reg.example', username: 'u', password: 'p', source: 'f' },
      'https://index.docker.io/v1/': { serverAddress: 'x', identityToken: 'tok', source: 'f' },
    });
    expect(JSON.parse(text)).toEqual({
      auths: { 'reg.example': { auth: b64('u:p') }, 'https://index.docker.io/v1/': { identitytoken: 'tok' } },
    });
    expect(text).toContain('\n\t"auths"');
    expect(JSON.parse(dockerConfigWith({}))).toEqual({ auths: {} });
  });

  it('refuses an engine a container cannot mount: one reached over tcp', async () => {
    const rt = createDockerRuntime({ env: { DOCKER_HOST: 'tcp://127.0.0.1:2375' } });
    await expect(rt.apiSocket()).rejects.toThrow(/use_api_socket can only be used .* tcp:\/\/127\.0\.0\.1:2375/);
  });
});

describe('what goes to the engine', () => {
  it('encodes X-Registry-Auth as padded URL-safe base64 JSON, {} without credentials', () => {
    const header = encodeAuthHeader({ serverAddress: 'r:5000', username: 'a', password: 'b?>', source: 's' });
    // This payload's length is not a multiple of 3: unpadded base64 would not be a multiple of 4 long.
    expect(JSON.stringify({ serveraddress: 'r:5000', username: 'a', password: 'b?>' }).length % 3).not.toBe(0);
    expect(header.length % 4).toBe(0);
    expect(header).not.toMatch(/[+/]/);
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({
      serveraddress: 'r:5000',
      username: 'a',
      password: 'b?>',
    });
    expect(Buffer.from(encodeAuthHeader(undefined), 'base64url').toString()).toBe('{}');
    const configs = JSON.parse(
      Buffer.from(encodeAuthConfigs([{ serverAddress: 'r', identityToken: 't', source: 's' }]), 'base64url').toString(),
    ) as unknown;
    expect(configs).toEqual({ r: { serveraddress: 'r', identitytoken: 't' } });
  });

  it('redacts secrets from messages and recognizes refused logins', () => {
    expect(redact('bad password hunter2 for x', { serverAddress: 'r', password: 'hunter2', source: 's' })).toBe(
      'bad password *** for x',
    );
    expect(isAuthFailure('unauthorized: authentication required')).toBe(true);
    expect(isAuthFailure('no basic auth credentials')).toBe(true);
    expect(isAuthFailure('manifest unknown')).toBe(false);
    expect(splitTag('127.0.0.1:5000/app:1')).toEqual({ name: '127.0.0.1:5000/app', tag: '1' });
    expect(splitTag('127.0.0.1:5000/app')).toEqual({ name: '127.0.0.1:5000/app', tag: 'latest' });
    expect(splitTag('app@sha256:ab')).toEqual({ name: 'app@sha256:ab', tag: undefined });
  });
});
