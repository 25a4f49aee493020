/**
 * Where the engine is: `DOCKER_HOST`, `DOCKER_TLS_VERIFY`, `DOCKER_CERT_PATH` and the current docker
 * context, read the way the docker CLI reads them. The environment and the file reader are parameters.
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
    };

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
 * else the local socket.
 *
 * `DOCKER_HOST` takes `unix:///path`, `tcp://host[:port]` (also `http://`/`https://`). TLS is on when
 * `DOCKER_TLS_VERIFY` or `DOCKER_CERT_PATH` is set (or the scheme is https); the server certificate is
 * verified only when `DOCKER_TLS_VERIFY` is non-empty. A context brings its own host and TLS files.
 */
export function resolveEndpoint(env: Env, files: ConfigFiles = noFiles): EngineEndpoint {
  const raw = (env['DOCKER_HOST'] ?? '').trim();
  if (raw !== '') return hostEndpoint(raw, envTls(env), `DOCKER_HOST=${raw}`);

  const configDir = dockerConfigDir(env);
  const contextName = (env['DOCKER_CONTEXT'] ?? '').trim() || currentContext(configDir, files);
  if (contextName === '' || contextName === 'default') return { kind: 'unix', socketPath: DEFAULT_SOCKET };
  return contextEndpoint(contextName, configDir, files);
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
    default:
      throw new EngineUnreachableError(`${where}: ${scheme}:// engine addresses are not supported`, {
        hint: 'use unix:///path/to/docker.sock or tcp://host:port',
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

function splitHostPort(s: string, defaultPort: number): { host: string; port: number } {
  // [ipv6]:port
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracket) return { host: bracket[1]!, port: bracket[2] ? Number(bracket[2]) : defaultPort };
  const m = /^([^:]*)(?::(\d+))?$/.exec(s);
  if (m) return { host: m[1]!, port: m[2] ? Number(m[2]) : defaultPort };
  return { host: s, port: defaultPort };
}

/** "unix:///var/run/docker.sock" or "tcp://host:2376 (TLS)", for messages. */
export function describeEndpoint(e: EngineEndpoint): string {
  if (e.kind === 'unix') return `unix://${e.socketPath}`;
  return `tcp://${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}${e.tls ? ' (TLS)' : ''}`;
}
