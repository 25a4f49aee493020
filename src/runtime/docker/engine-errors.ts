/**
 * Engine failures as berth's typed errors. Pure: a status and a body in, an error out.
 */
import { ConflictError, EngineError, EngineUnreachableError, NotFoundError, PortTakenError } from '../../errors.js';

export const ENGINE_HINT = 'is the Docker Engine running? try `bash scripts/engine.sh`';

/**
 * The engine's own words from an error body: Docker sends `{"message": "..."}`, Podman adds `cause`
 * and `response`; a proxy in between may send plain text.
 */
export function engineMessage(status: number, bodyText: string): string {
  const text = bodyText.trim();
  if (text !== '') {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null) {
        const o = parsed as { message?: unknown; cause?: unknown };
        if (typeof o.message === 'string' && o.message !== '') return o.message;
        if (typeof o.cause === 'string' && o.cause !== '') return o.cause;
      }
    } catch {
      // not JSON: use the text as it is
    }
    return text;
  }
  return status === 304 ? 'not modified' : `HTTP ${status}`;
}

/** A non-2xx answer as a typed error naming the operation: "create container web-1: Conflict. ...". */
export function errorForStatus(status: number, bodyText: string, operation: string): EngineError {
  const message = engineMessage(status, bodyText);
  if (status === 404) return new NotFoundError(status, message, operation);
  if (status === 409) return new ConflictError(status, message, operation);
  return new EngineError(status, message, operation);
}

// Docker, a port another container publishes: "driver failed programming external connectivity on
// endpoint p-web-1 (3f2a…): Bind for 127.0.0.1:8080 failed: port is already allocated".
const PORT_ALLOCATED = /Bind for (\S+:\d+) failed: port is already allocated/;
// Docker (and Podman's rootlessport), a port another process listens on: "… listen tcp4 0.0.0.0:8080:
// bind: address already in use".
const PORT_IN_USE = /listen \w+ (\S+:\d+): bind: address already in use/;

/** A start's failure as a PortTakenError when the engine says a published port is taken; else as it was. */
export function portTakenOr(err: unknown): unknown {
  if (!(err instanceof EngineError)) return err;
  const allocated = PORT_ALLOCATED.exec(err.engineMessage)?.[1];
  if (allocated !== undefined)
    return new PortTakenError(err.status, err.engineMessage, err.operation, allocated, 'allocated');
  const inUse = PORT_IN_USE.exec(err.engineMessage)?.[1];
  if (inUse !== undefined) return new PortTakenError(err.status, err.engineMessage, err.operation, inUse, 'in use');
  return err;
}

/** A socket-level failure (no HTTP answer at all) as an EngineUnreachableError. */
export function errorForConnection(err: unknown, where: string, operation: string): EngineUnreachableError {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  const detail = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'ESSH':
      return sshError(err, where);
    case 'ENOENT':
      return new EngineUnreachableError(`cannot reach the Docker Engine at ${where}: no such socket`, {
        cause: err,
        hint: ENGINE_HINT,
      });
    case 'ECONNREFUSED':
      return new EngineUnreachableError(`cannot reach the Docker Engine at ${where}: connection refused`, {
        cause: err,
        hint: ENGINE_HINT,
      });
    case 'EACCES':
    case 'EPERM':
      return new EngineUnreachableError(`cannot reach the Docker Engine at ${where}: permission denied`, {
        cause: err,
        hint: 'run as a user allowed to use the Docker socket (e.g. a member of the "docker" group)',
      });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new EngineUnreachableError(`cannot reach the Docker Engine at ${where}: unknown host`, {
        cause: err,
        hint: 'check DOCKER_HOST',
      });
    default:
      if (/CERT|SIGNATURE|^ERR_TLS|^ERR_SSL/.test(code)) {
        return new EngineUnreachableError(
          `cannot reach the Docker Engine at ${where}: TLS verification failed (${code})`,
          {
            cause: err,
            hint: "check that DOCKER_CERT_PATH holds the ca.pem that signed the engine's certificate",
          },
        );
      }
      return new EngineUnreachableError(
        `${operation}: lost the connection to the Docker Engine at ${where} (${code || detail})`,
        {
          cause: err,
          hint: ENGINE_HINT,
        },
      );
  }
}

/**
 * ssh, or `docker system dial-stdio` on the remote host, failed: its own last line of stderr, and a hint
 * for the two cases a user meets first (no docker on the host: a shell's exit code 127; ssh's own failures: 255).
 */
function sshError(err: unknown, where: string): EngineUnreachableError {
  const detail = err instanceof Error ? err.message : String(err);
  const exitCode = typeof err === 'object' && err !== null && 'exitCode' in err ? err.exitCode : undefined;
  const hint =
    exitCode === 127
      ? 'berth runs `docker system dial-stdio` on the remote host: install the docker CLI (18.09 or later) there'
      : exitCode === 255
        ? `check that \`${sshCommandFor(where)} docker version\` works: berth uses ssh's own config, keys and agent`
        : 'check that the Docker Engine is running on the remote host';
  return new EngineUnreachableError(`cannot reach the Docker Engine at ${where}: ${detail}`, { cause: err, hint });
}

/** "ssh://me@box:2222" as the command a user would type: "ssh -p 2222 me@box". */
function sshCommandFor(where: string): string {
  const m = /^ssh:\/\/(?:([^@/]*)@)?(\[[^\]]+\]|[^:/]+)(?::(\d+))?/.exec(where);
  if (!m) return 'ssh HOST';
  const [, user, host, port] = m;
  return `ssh${port !== undefined ? ` -p ${port}` : ''} ${user !== undefined ? `${user}@` : ''}${host!.replace(/^\[|\]$/g, '')}`;
}

export function timeoutError(operation: string, where: string, ms: number): EngineUnreachableError {
  return new EngineUnreachableError(
    `${operation}: the Docker Engine at ${where} did not answer within ${ms < 1000 ? `${ms}ms` : `${Math.round(ms / 1000)}s`}`,
    { hint: ENGINE_HINT },
  );
}
