/**
 * A BuildKit session, for build secrets: the engine's `POST /session` upgraded to `h2c` turns the
 * connection around, the engine becoming a gRPC client and berth the server. berth serves the two
 * services a secret needs: `grpc.health.v1.Health/Check` (BuildKit drops a session that does not
 * answer it) and `moby.buildkit.secrets.v1.Secrets/GetSecret`. The build names the session in its
 * query (`session=<id>`). Node's `http2` serves on the hijacked socket; the gRPC framing (a flag byte
 * and a length before each protobuf message, the status in trailers) is written here, the messages
 * with protobufjs. A secret's value goes into the answer to the engine and nowhere else.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http2 from 'node:http2';
import type { Duplex } from 'node:stream';
import protobuf from 'protobufjs/light.js';
import type { BuildSecret } from '../runtime.js';
import { hijack } from './stream.js';
import type { Transport } from './transport.js';

const HEALTH_CHECK = '/grpc.health.v1.Health/Check';
const GET_SECRET = '/moby.buildkit.secrets.v1.Secrets/GetSecret';

/** gRPC status codes berth answers with. */
const GRPC_OK = 0;
const GRPC_NOT_FOUND = 5;
const GRPC_UNIMPLEMENTED = 12;
const GRPC_INTERNAL = 13;

const SECRETS_PROTO = {
  nested: {
    GetSecretRequest: {
      fields: {
        ID: { type: 'string', id: 1 },
        annotations: { keyType: 'string', type: 'string', id: 2 },
      },
    },
    GetSecretResponse: { fields: { data: { type: 'bytes', id: 1 } } },
    HealthCheckResponse: { fields: { status: { type: 'int32', id: 1 } } },
  },
};

let types: { request: protobuf.Type; response: protobuf.Type; health: protobuf.Type } | undefined;

function messageTypes(): NonNullable<typeof types> {
  if (!types) {
    const root = protobuf.Root.fromJSON(SECRETS_PROTO);
    types = {
      request: root.lookupType('GetSecretRequest'),
      response: root.lookupType('GetSecretResponse'),
      health: root.lookupType('HealthCheckResponse'),
    };
  }
  return types;
}

/** One gRPC answer: a status, and the message when the status is OK. */
interface GrpcAnswer {
  status: number;
  message?: Uint8Array;
  error?: string;
}

/** A gRPC message on the wire: not compressed (0), its length (big-endian), the bytes. */
export function grpcFrame(message: Uint8Array): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

/** The first message of a gRPC request body (unary calls carry one). */
export function grpcMessage(body: Buffer): Buffer {
  if (body.length < 5) return Buffer.alloc(0);
  return body.subarray(5, 5 + body.readUInt32BE(1));
}

/** The secret's bytes: its file, read when BuildKit asks, or the value berth was given. */
async function secretValue(secret: BuildSecret): Promise<Buffer> {
  if (secret.file !== undefined) return readFile(secret.file);
  return Buffer.from(secret.value ?? '', 'utf8');
}

/** Answers one call of the session's services. */
export async function answerCall(path: string, body: Buffer, secrets: readonly BuildSecret[]): Promise<GrpcAnswer> {
  const t = messageTypes();
  if (path === HEALTH_CHECK) return { status: GRPC_OK, message: t.health.encode({ status: 1 }).finish() };
  if (path !== GET_SECRET) return { status: GRPC_UNIMPLEMENTED, error: `berth does not serve ${path}` };
  const { ID } = t.request.toObject(t.request.decode(grpcMessage(body))) as { ID?: string };
  const secret = secrets.find((s) => s.id === ID);
  if (!secret) return { status: GRPC_NOT_FOUND, error: `secret ${ID ?? ''} not found` };
  try {
    return { status: GRPC_OK, message: t.response.encode({ data: await secretValue(secret) }).finish() };
  } catch (err) {
    // The file's path, never its content.
    return {
      status: GRPC_INTERNAL,
      error: `secret ${ID ?? ''}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`,
    };
  }
}

function serve(stream: http2.ServerHttp2Stream, path: string, secrets: readonly BuildSecret[]): void {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('error', () => undefined);
  stream.on('end', () => {
    void answerCall(path, Buffer.concat(chunks), secrets).then((answer) => {
      if (stream.destroyed) return;
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => {
        stream.sendTrailers({
          'grpc-status': String(answer.status),
          ...(answer.error !== undefined && { 'grpc-message': encodeURIComponent(answer.error) }),
        });
      });
      stream.end(answer.message ? grpcFrame(answer.message) : undefined);
    });
  });
}

export interface BuildkitSession {
  /** For the build's `session` query parameter. */
  id: string;
  close(): void;
}

/** Opens a session serving `secrets` for the builds that name it; `close()` ends it. */
export async function openSession(transport: Transport, secrets: readonly BuildSecret[]): Promise<BuildkitSession> {
  const id = randomBytes(16).toString('hex');
  const socket: Duplex = await hijack(
    transport,
    { method: 'POST', path: '/session', operation: 'open a BuildKit session' },
    'h2c',
    {
      'X-Docker-Expose-Session-Uuid': id,
      'X-Docker-Expose-Session-Name': 'berth',
      'X-Docker-Expose-Session-Sharedkey': randomBytes(16).toString('hex'),
      // Repeated, one method each: joined into one line they would name none.
      'X-Docker-Expose-Session-Grpc-Method': [HEALTH_CHECK, GET_SECRET],
    },
  );
  const server = http2.createServer();
  server.on('stream', (stream, headers) => serve(stream, String(headers[':path'] ?? ''), secrets));
  server.on('sessionError', () => undefined);
  socket.on('error', () => undefined);
  server.emit('connection', socket);
  return {
    id,
    close: () => {
      socket.destroy();
      server.close();
    },
  };
}
