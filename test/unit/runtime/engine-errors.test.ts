import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  EngineError,
  EngineUnreachableError,
  NotFoundError,
  PortTakenError,
} from '../../../src/errors.js';
import {
  engineMessage,
  errorForConnection,
  errorForStatus,
  portTakenOr,
} from '../../../src/runtime/docker/engine-errors.js';

describe('engine error answers', () => {
  it('409 keeps the engine message and names the operation', () => {
    const body = JSON.stringify({
      message:
        'Conflict. The container name "/web-1" is already in use by container "abc". You have to remove (or rename) that container to be able to reuse that name.',
    });
    const err = errorForStatus(409, body, 'create container web-1');
    expect(err).toBeInstanceOf(ConflictError);
    expect(err.code).toBe('ENGINE_CONFLICT');
    expect(err.message).toBe(
      'create container web-1: Conflict. The container name "/web-1" is already in use by container "abc". You have to remove (or rename) that container to be able to reuse that name.',
    );
  });

  it('404 is NotFoundError', () => {
    const err = errorForStatus(404, '{"message":"No such container: nope"}', 'inspect container nope');
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toBe('inspect container nope: No such container: nope');
  });

  it('other statuses are EngineError with a status code', () => {
    const err = errorForStatus(500, '{"message":"driver failed"}', 'start container web-1');
    expect(err).toBeInstanceOf(EngineError);
    expect(err).not.toBeInstanceOf(NotFoundError);
    expect(err.code).toBe('ENGINE_INTERNAL');
    expect(err.status).toBe(500);
  });

  it('message shapes: Docker, Podman (cause + message), plain text, empty', () => {
    expect(engineMessage(404, '{"message":"no such image"}')).toBe('no such image');
    expect(engineMessage(404, '{"cause":"no such container","message":"no such container: x","response":404}')).toBe(
      'no such container: x',
    );
    expect(engineMessage(502, 'Bad Gateway\n')).toBe('Bad Gateway');
    expect(engineMessage(500, '')).toBe('HTTP 500');
  });

  it('no socket / refused: unreachable, with the hint to start the engine', () => {
    const enoent = Object.assign(new Error('connect ENOENT /var/run/docker.sock'), { code: 'ENOENT' });
    const err = errorForConnection(enoent, 'unix:///var/run/docker.sock', 'ping the engine');
    expect(err).toBeInstanceOf(EngineUnreachableError);
    expect(err.message).toBe('cannot reach the Docker Engine at unix:///var/run/docker.sock: no such socket');
    expect(err.hint).toMatch(/is the Docker Engine running\? try `bash scripts\/engine.sh`/);
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(errorForConnection(refused, 'tcp://h:2375', 'x').message).toMatch(/connection refused/);
  });

  it('permission denied points at the socket permissions', () => {
    const eacces = Object.assign(new Error('connect EACCES'), { code: 'EACCES' });
    expect(errorForConnection(eacces, 'unix:///var/run/docker.sock', 'x').hint).toMatch(/docker/);
  });
});

describe('a start refused over a taken port', () => {
  it.each([
    [
      'Docker, a port another container publishes',
      'driver failed programming external connectivity on endpoint p-web-1 (3f2a9c1d0b7e): Bind for 127.0.0.1:8080 failed: port is already allocated',
      'port 127.0.0.1:8080 is already allocated',
    ],
    [
      'Docker, a port another process listens on',
      'driver failed programming external connectivity on endpoint p-web-1 (3f2a9c1d0b7e): Error starting userland proxy: listen tcp4 0.0.0.0:8080: bind: address already in use',
      'port 0.0.0.0:8080 is already in use',
    ],
    [
      'Podman (rootless), a port another process listens on',
      'rootlessport listen tcp 0.0.0.0:8080: bind: address already in use',
      'port 0.0.0.0:8080 is already in use',
    ],
  ])("%s: a PortTakenError saying so plainly, the engine's words kept", (_engine, message, plainly) => {
    const err = portTakenOr(new EngineError(500, message, 'start container 3f2a9c1d0b7e'));
    expect(err).toBeInstanceOf(PortTakenError);
    expect((err as PortTakenError).plainly).toBe(plainly);
    expect((err as PortTakenError).message).toBe(`start container 3f2a9c1d0b7e: ${message}`);
  });

  it('any other failure stays as it was', () => {
    const other = new EngineError(500, 'OCI runtime create failed: exec: "nope": not found', 'start container x');
    expect(portTakenOr(other)).toBe(other);
    const lost = new EngineUnreachableError('lost the connection');
    expect(portTakenOr(lost)).toBe(lost);
  });
});
