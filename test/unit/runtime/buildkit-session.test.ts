/**
 * The BuildKit session's gRPC answers: the health check, a secret by id from a file or a value, a
 * secret it does not hold, a method it does not serve. Messages are written by hand in protobuf's
 * wire format, as the engine sends them.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { answerCall, grpcFrame, grpcMessage, GrpcReader } from '../../../src/runtime/docker/buildkit-session.js';

/** A GetSecretRequest{ID} as a gRPC request body. */
function secretRequest(id: string): Buffer {
  const text = Buffer.from(id);
  return grpcFrame(Buffer.concat([Buffer.from([0x0a, text.length]), text]));
}

const dir = mkdtempSync(join(tmpdir(), 'berth-session-'));
writeFileSync(join(dir, 'token.txt'), 'from-a-file');
const services = {
  ssh: [{ id: 'default', socket: '/run/agent.sock' }],
  secrets: [
    { id: 'token', file: join(dir, 'token.txt') },
    { id: 'api_key', value: 'from-a-value' },
    { id: 'gone', file: join(dir, 'missing.txt') },
  ],
};

describe('BuildKit session answers', () => {
  it('frames a message as gRPC does: flag, big-endian length, bytes', () => {
    expect(grpcFrame(Buffer.from([1, 2, 3]))).toEqual(Buffer.from([0, 0, 0, 0, 3, 1, 2, 3]));
    expect(grpcMessage(Buffer.from([0, 0, 0, 0, 2, 9, 8, 7]))).toEqual(Buffer.from([9, 8]));
  });

  it('answers the health check SERVING', async () => {
    const a = await answerCall('/grpc.health.v1.Health/Check', Buffer.alloc(0), services);
    expect(a.status).toBe(0);
    expect(Buffer.from(a.message!)).toEqual(Buffer.from([0x08, 0x01]));
  });

  it('answers GetSecret with the file read when asked, or the value given', async () => {
    const fromFile = await answerCall('/moby.buildkit.secrets.v1.Secrets/GetSecret', secretRequest('token'), services);
    expect(fromFile.status).toBe(0);
    expect(Buffer.from(fromFile.message!)).toEqual(
      Buffer.concat([Buffer.from([0x0a, 11]), Buffer.from('from-a-file')]),
    );
    const fromValue = await answerCall(
      '/moby.buildkit.secrets.v1.Secrets/GetSecret',
      secretRequest('api_key'),
      services,
    );
    expect(Buffer.from(fromValue.message!).subarray(2).toString()).toBe('from-a-value');
  });

  it('a secret it does not hold is NOT_FOUND; one it cannot read names the error, not the content', async () => {
    const unknown = await answerCall('/moby.buildkit.secrets.v1.Secrets/GetSecret', secretRequest('other'), services);
    expect(unknown).toEqual({ status: 5, error: 'secret other not found' });
    const unreadable = await answerCall('/moby.buildkit.secrets.v1.Secrets/GetSecret', secretRequest('gone'), services);
    expect(unreadable).toEqual({ status: 13, error: 'secret gone: ENOENT' });
  });

  it('a method it does not serve is UNIMPLEMENTED', async () => {
    const a = await answerCall('/moby.filesync.v1.FileSync/DiffCopy', Buffer.alloc(0), services);
    expect(a.status).toBe(12);
  });

  it('CheckAgent knows the agents of build.ssh ("default" when no id is given)', async () => {
    expect((await answerCall('/moby.sshforward.v1.SSH/CheckAgent', secretRequest('default'), services)).status).toBe(0);
    expect((await answerCall('/moby.sshforward.v1.SSH/CheckAgent', Buffer.alloc(0), services)).status).toBe(0);
    expect(await answerCall('/moby.sshforward.v1.SSH/CheckAgent', secretRequest('deploy'), services)).toEqual({
      status: 5,
      error: 'no SSH agent deploy in build.ssh',
    });
  });

  it('reads the messages of a stream as they arrive, whatever the chunks', () => {
    const reader = new GrpcReader();
    const wire = Buffer.concat([
      grpcFrame(Buffer.from('ab')),
      grpcFrame(Buffer.from('')),
      grpcFrame(Buffer.from('cde')),
    ]);
    expect(reader.push(wire.subarray(0, 3))).toEqual([]);
    expect(reader.push(wire.subarray(3, 12)).map(String)).toEqual(['ab', '']);
    expect(reader.push(wire.subarray(12)).map(String)).toEqual(['cde']);
  });
});
