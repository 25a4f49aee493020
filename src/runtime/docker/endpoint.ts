/**
 * Where the engine is: `DOCKER_HOST`, `DOCKER_TLS_VERIFY`, `DOCKER_CERT_PATH` and the current docker
 * context, read the way the docker CLI reads them, and Podman's socket where the docker CLI would find no
 * engine. The environment and the file reader are parameters.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { EngineUnreachableError } from '../../errors.js';

export type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_SOCKET = '/var/run/docker.sock';

export type EngineEndpoint =
  | { kind: 'unix'; socketPath: string }
  | {
      kind: 'tcp';
      host: string;
      port: number;
      /** Present when the connection is TLS: the folder holding ca.pem, cert.pem and key.pem. */
      tls?: { certDir: string; verify: boolean };
    }
  | {
      /** `ssh://[user@]host[:port][/socket]`: `docker system dial-stdio` run on the host over ssh. */
      kind: 'ssh';
      host: string;
      user?: string;
      port?: number;
      /** The engine's socket on the remote host, when the address names one. */
      socketPath?: string;
    };

/** Podman's Docker-compatible sockets, rootless first: where berth looks when there is no docker.sock. */
export function podmanSockets(env: Env): string[] {
  const runtimeDir = (env['XDG_RUNTIME_DIR'] ?? '').trim();
  const rootless = runtimeDir !== '' ? [join(runtimeDir, 'podman', 'podman.sock')] : [];
  return [...rootless, '/run/podman/podman.sock'];
}

/** How the endpoint resolution reads the docker CLI's files (config.json, contexts); injected for tests. */
export interface ConfigFiles {
  /** The file's text, or `undefined` when it does not exist. */
  readText(path: string): string | undefined;
  exists(path: string): boolean;
}

const noFiles: ConfigFiles = { readText: () => undefined, exists: () => false };

interface TlsChoice {
  /** TLS requested (https, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, or a context with TLS material). */
  on: boolean;
  certDir: string;
  verify: boolean;
}

/**
 * The engine as the docker CLI picks it: `DOCKER_HOST` first; else the context named by
 * `DOCKER_CONTEXT` or by `currentContext` in `$DOCKER_CONFIG/config.json` (default `~/.docker`);
 * else the local socket, or, when `/var/run/docker.sock` does not exist, Podman's (`podmanSockets`).
 *
 * `DOCKER_HOST` takes `unix:///path`, `tcp://host[:port]` (also `http://`/`https://`) and
 * `ssh://[user@]host[:port][/path/to/socket]`. TLS is on when
 * `DOCKER_TLS_VERIFY` or `DOCKER_CERT_PATH` is set (or the scheme is https); the server certificate is
 * verified only when `DOCKER_TLS_VERIFY` is non-empty. A context brings its own host and TLS files.
 */
export function resolveEndpoint(env: Env, files: ConfigFiles = noFiles): EngineEndpoint {
  const raw = (env['DOCKER_HOST'] ?? '').trim();
  if (raw !== '') return hostEndpoint(raw, envTls(env), `DOCKER_HOST=${raw}`);

  const configDir = dockerConfigDir(env);
  const contextName = (env['DOCKER_CONTEXT'] ?? '').trim() || currentContext(configDir, files);
  if (contextName === '' || contextName === 'default') return localEndpoint(env, files);
  return contextEndpoint(contextName, configDir, files);
}

/** The local socket; Podman's when docker's is missing and one of Podman's is there. */
function localEndpoint(env: Env, files: ConfigFiles): EngineEndpoint {
  if (!files.exists(DEFAULT_SOCKET)) {
    const podman = podmanSockets(env).find((p) => files.exists(p));
    if (podman !== undefined) return { kind: 'unix', socketPath: podman };
  }
  return { kind: 'unix', socketPath: DEFAULT_SOCKET };
}

export function dockerConfigDir(env: Env): string {
  const dir = (env['DOCKER_CONFIG'] ?? '').trim();
  return dir !== '' ? dir : join(env['HOME'] ?? '', '.docker');
}

function currentContext(configDir: string, files: ConfigFiles): string {
  const text = files.readText(join(configDir, 'config.json'));
  if (text === undefined) return '';
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && 'currentContext' in parsed) {
      const name = parsed.currentContext;
      return typeof name === 'string' ? name : '';
    }
  } catch {
    // the docker CLI also carries on without a readable config
  }
  return '';
}

/** The docker CLI stores each context under the sha256 of its name. */
function contextEndpoint(name: string, configDir: string, files: ConfigFiles): EngineEndpoint {
  const id = createHash('sha256').update(name).digest('hex');
  const metaPath = join(configDir, 'contexts', 'meta', id, 'meta.json');
  const text = files.readText(metaPath);
  const where = `docker context "${name}"`;
  if (text === undefined) {
    throw new EngineUnreachableError(`${where} does not exist (no ${metaPath})`, {
      hint: 'pick an existing context with DOCKER_CONTEXT or `docker context use`, or set DOCKER_HOST',
    });
  }
  let host = '';
  let skipVerify = false;
  try {
    const meta = JSON.parse(text) as { Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } } };
    const docker = meta.Endpoints?.docker;
    if (typeof docker?.Host === 'string') host = docker.Host;
    skipVerify = docker?.SkipTLSVerify === true;
  } catch (err) {
    throw new EngineUnreachableError(`${where}: cannot read ${metaPath}: ${(err as Error).message}`, { cause: err });
  }
  if (host === '') return { kind: 'unix', socketPath: DEFAULT_SOCKET };
  const certDir = join(configDir, 'contexts', 'tls', id, 'docker');
  const hasTls = ['ca.pem', 'cert.pem', 'key.pem'].some((f) => files.exists(join(certDir, f)));
  return hostEndpoint(host, { on: hasTls, certDir, verify: hasTls && !skipVerify }, where);
}

function envTls(env: Env): TlsChoice {
  const verify = (env['DOCKER_TLS_VERIFY'] ?? '') !== '';
  const certPath = env['DOCKER_CERT_PATH'] ?? '';
  return {
    on: verify || certPath !== '',
    certDir: certPath !== '' ? certPath : join(env['HOME'] ?? '', '.docker'),
    verify,
  };
}

function hostEndpoint(raw: string, tls: TlsChoice, where: string): EngineEndpoint {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    // The docker CLI accepts a bare "host:port" as tcp.
    return tcpEndpoint(raw, tls, where);
  }
  const rest = raw.slice(scheme.length + 3);
  switch (scheme) {
    case 'unix':
      return { kind: 'unix', socketPath: rest === '' ? DEFAULT_SOCKET : rest };
    case 'tcp':
    case 'http':
      return tcpEndpoint(rest, tls, where);
    case 'https':
      return tcpEndpoint(rest, { ...tls, on: true }, where);
    case 'ssh':
      return sshEndpoint(raw, where);
    default:
      throw new EngineUnreachableError(`${where}: ${scheme}:// engine addresses are not supported`, {
        hint: 'use unix:///path/to/docker.sock, tcp://host:port or ssh://[user@]host[:port]',
      });
  }
}

function tcpEndpoint(hostPort: string, tls: TlsChoice, where: string): EngineEndpoint {
  const trimmed = hostPort.replace(/\/.*$/, '');
  const { host, port } = splitHostPort(trimmed, tls.on ? 2376 : 2375);
  if (host === '') {
    throw new EngineUnreachableError(`${where}: no host given`, { hint: 'use tcp://host:port' });
  }
  if (!tls.on) return { kind: 'tcp', host, port };
  return { kind: 'tcp', host, port, tls: { certDir: tls.certDir, verify: tls.verify } };
}

/** `ssh://[user@]host[:port][/socket]`, refused as the docker CLI refuses it: a password, a query, a fragment. */
function sshEndpoint(raw: string, where: string): EngineEndpoint {
  const bad = (why: string): EngineUnreachableError =>
    new EngineUnreachableError(`${where}: ${why}`, { hint: 'use ssh://[user@]host[:port]' });
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw bad('not a valid ssh:// address');
  }
  if (url.password !== '') throw bad('a password in the address is not supported (use an ssh key or agent)');
  if (url.search !== '') throw bad(`query parameters are not allowed: "${url.search.slice(1)}"`);
  if (url.hash !== '') throw bad(`fragments are not allowed: "${url.hash.slice(1)}"`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw bad('no host given');
  const user = decodeURIComponent(url.username);
  const path = decodeURIComponent(url.pathname);
  return {
    kind: 'ssh',
    host,
    ...(user !== '' && { user }),
    ...(url.port !== '' && { port: Number(url.port) }),
    ...(path.replace(/\//g, '') !== '' && { socketPath: path }),
  };
}

function splitHostPort(s: string, defaultPort: number): { host: string; port: number } {
  // [ipv6]:port
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracket) return { host: bracket[1]!, port: bracket[2] ? Number(bracket[2]) : defaultPort };
  const m = /^([^:]*)(?::(\d+))?$/.exec(s);
  if (m) return { host: m[1]!, port: m[2] ? Number(m[2]) : defaultPort };
  return { host: s, port: defaultPort };
}

/** "unix:///var/run/docker.sock", "tcp://host:2376 (TLS)" or "ssh://me@host:2222", for messages. */
export function describeEndpoint(e: EngineEndpoint): string {
  if (e.kind === 'unix') return `unix://${e.socketPath}`;
  if (e.kind === 'ssh') {
    const host = e.host.includes(':') ? `[${e.host}]` : e.host;
    return `ssh://${e.user !== undefined ? `${e.user}@` : ''}${host}${e.port !== undefined ? `:${e.port}` : ''}${e.socketPath ?? ''}`;
  }
  return `tcp://${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}${e.tls ? ' (TLS)' : ''}`;
}
