/**
 * Where the engine is: `DOCKER_HOST`, `DOCKER_TLS_VERIFY` and `DOCKER_CERT_PATH` read the way the
 * docker CLI reads them. Pure: the environment is a parameter.
 */
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

/**
 * `unix:///path`, `tcp://host[:port]` (also `http://`/`https://`), or the default socket. TLS as the
 * docker CLI decides it: on when `DOCKER_TLS_VERIFY` or `DOCKER_CERT_PATH` is set (or the scheme is
 * https); the server certificate is verified only when `DOCKER_TLS_VERIFY` is non-empty.
 */
export function resolveEndpoint(env: Env): EngineEndpoint {
  const raw = (env['DOCKER_HOST'] ?? '').trim();
  if (raw === '') return { kind: 'unix', socketPath: DEFAULT_SOCKET };

  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    // The docker CLI accepts a bare "host:port" as tcp.
    return tcpEndpoint(raw, false, env);
  }
  const rest = raw.slice(scheme.length + 3);
  switch (scheme) {
    case 'unix':
      return { kind: 'unix', socketPath: rest === '' ? DEFAULT_SOCKET : rest };
    case 'tcp':
    case 'http':
      return tcpEndpoint(rest, false, env);
    case 'https':
      return tcpEndpoint(rest, true, env);
    default:
      throw new EngineUnreachableError(`DOCKER_HOST=${raw}: ${scheme}:// engine addresses are not supported`, {
        hint: 'use unix:///path/to/docker.sock or tcp://host:port',
      });
  }
}

function tcpEndpoint(hostPort: string, https: boolean, env: Env): EngineEndpoint {
  const verify = (env['DOCKER_TLS_VERIFY'] ?? '') !== '';
  const certPath = env['DOCKER_CERT_PATH'] ?? '';
  const useTls = https || verify || certPath !== '';
  const trimmed = hostPort.replace(/\/.*$/, '');
  const { host, port } = splitHostPort(trimmed, useTls ? 2376 : 2375);
  if (host === '') {
    throw new EngineUnreachableError(`DOCKER_HOST=${env['DOCKER_HOST'] ?? ''}: no host given`, {
      hint: 'use tcp://host:port',
    });
  }
  if (!useTls) return { kind: 'tcp', host, port };
  const certDir = certPath !== '' ? certPath : join(env['HOME'] ?? '', '.docker');
  return { kind: 'tcp', host, port, tls: { certDir, verify } };
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
