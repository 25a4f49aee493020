/**
 * A BuildKit session, for build secrets and SSH agent forwarding: the engine's `POST /session`
 * upgraded to `h2c` turns the connection around, the engine becoming a gRPC client and berth the
 * server. berth serves `grpc.health.v1.Health/Check` (BuildKit drops a session that does not answer
 * it), `moby.buildkit.secrets.v1.Secrets/GetSecret`, and `moby.sshforward.v1.SSH` (`CheckAgent`, and
 * `ForwardAgent`, a stream of bytes piped to the agent's socket). The build names the session in its
 * query (`session=<id>`). Node's `http2` serves on the hijacked socket; the gRPC framing (a flag byte
 * and a length before each protobuf message, the status in trailers) is written here, the messages
 * with protobufjs. A secret's value goes into the answer to the engine and nowhere else.
 */
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import http2 from 'node:http2';
import type { Duplex } from 'node:stream';
import protobuf from 'protobufjs/light.js';
import { createConnection } from 'node:net';
import { BuildContextError } from '../../errors.js';
import type { BuildSecret, BuildSsh } from '../runtime.js';
import { hijack } from './stream.js';
import type { Transport } from './transport.js';

const HEALTH_CHECK = '/grpc.health.v1.Health/Check';
const GET_SECRET = '/moby.buildkit.secrets.v1.Secrets/GetSecret';
const CHECK_AGENT = '/moby.sshforward.v1.SSH/CheckAgent';
const FORWARD_AGENT = '/moby.sshforward.v1.SSH/ForwardAgent';
/** The gRPC metadata (a request header) naming the agent a ForwardAgent stream is for. */
const SSH_ID_HEADER = 'buildkit.ssh.id';

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
    CheckAgentRequest: { fields: { ID: { type: 'string', id: 1 } } },
    BytesMessage: { fields: { data: { type: 'bytes', id: 1 } } },
  },
};

let types:
  | {
      request: protobuf.Type;
      response: protobuf.Type;
      health: protobuf.Type;
      agent: protobuf.Type;
      bytes: protobuf.Type;
    }
  | undefined;

function messageTypes(): NonNullable<typeof types> {
  if (!types) {
    const root = protobuf.Root.fromJSON(SECRETS_PROTO);
    types = {
      request: root.lookupType('GetSecretRequest'),
      response: root.lookupType('GetSecretResponse'),
      health: root.lookupType('HealthCheckResponse'),
      agent: root.lookupType('CheckAgentRequest'),
      bytes: root.lookupType('BytesMessage'),
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

/** What a session serves: secrets by id, SSH agent sockets by id. */
export interface SessionServices {
  secrets: readonly BuildSecret[];
  ssh: readonly BuildSsh[];
}

/** Answers one unary call of the session's services. */
export async function answerCall(path: string, body: Buffer, services: SessionServices): Promise<GrpcAnswer> {
  const t = messageTypes();
  if (path === HEALTH_CHECK) return { status: GRPC_OK, message: t.health.encode({ status: 1 }).finish() };
  if (path === CHECK_AGENT) {
    const { ID } = t.agent.toObject(t.agent.decode(grpcMessage(body))) as { ID?: string };
    return services.ssh.some((a) => a.id === (ID || 'default'))
      ? { status: GRPC_OK, message: new Uint8Array() }
      : { status: GRPC_NOT_FOUND, error: `no SSH agent ${ID ?? ''} in build.ssh` };
  }
  if (path !== GET_SECRET) return { status: GRPC_UNIMPLEMENTED, error: `berth does not serve ${path}` };
  const secrets = services.secrets;
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

function reply(stream: http2.ServerHttp2Stream, answer: GrpcAnswer): void {
  if (stream.destroyed) return;
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  stream.on('wantTrailers', () => {
    stream.sendTrailers({
      'grpc-status': String(answer.status),
      ...(answer.error !== undefined && { 'grpc-message': encodeURIComponent(answer.error) }),
    });
  });
  stream.end(answer.message ? grpcFrame(answer.message) : undefined);
}

function serve(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, services: SessionServices): void {
  const path = String(headers[':path'] ?? '');
  stream.on('error', () => undefined);
  if (path === FORWARD_AGENT) {
    forwardAgent(stream, String(headers[SSH_ID_HEADER] ?? '') || 'default', services.ssh);
    return;
  }
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => {
    void answerCall(path, Buffer.concat(chunks), services).then((answer) => reply(stream, answer));
  });
}

/** Splits a gRPC stream's bytes into its messages as they arrive. */
export class GrpcReader {
  private buffered = Buffer.alloc(0);
  push(chunk: Buffer): Buffer[] {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    const out: Buffer[] = [];
    while (this.buffered.length >= 5) {
      const length = this.buffered.readUInt32BE(1);
      if (this.buffered.length < 5 + length) break;
      out.push(this.buffered.subarray(5, 5 + length));
      this.buffered = this.buffered.subarray(5 + length);
    }
    return out;
  }
}

/** `ForwardAgent`: the stream's bytes to the agent's socket and back, each way as BytesMessages. */
function forwardAgent(stream: http2.ServerHttp2Stream, id: string, agents: readonly BuildSsh[]): void {
  const agent = agents.find((a) => a.id === id);
  if (!agent) {
    reply(stream, { status: GRPC_NOT_FOUND, error: `no SSH agent ${id} in build.ssh` });
    return;
  }
  const t = messageTypes();
  const socket = createConnection(agent.socket);
  const reader = new GrpcReader();
  let status = GRPC_OK;
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': String(status) }));
  stream.on('data', (chunk: Buffer) => {
    for (const m of reader.push(chunk)) {
      const { data } = t.bytes.toObject(t.bytes.decode(m), { bytes: Buffer }) as { data?: Buffer };
      if (data?.length) socket.write(data);
    }
  });
  stream.on('end', () => socket.end());
  stream.on('close', () => socket.destroy());
  socket.on('data', (data: Buffer) => {
    if (!stream.destroyed) stream.write(grpcFrame(t.bytes.encode({ data }).finish()));
  });
  socket.on('error', () => {
    status = GRPC_INTERNAL;
  });
  socket.on('close', () => {
    if (!stream.destroyed && !stream.writableEnded) stream.end();
  });
}

/** Each forwarded agent must be a socket: a key file would need an agent berth does not run. */
async function checkAgentSockets(agents: readonly BuildSsh[], who: string): Promise<void> {
  for (const a of agents) {
    const st = await stat(a.socket).catch(() => undefined);
    if (st?.isSocket()) continue;
    throw new BuildContextError(
      `service "${who}": build.ssh "${a.id}": ${a.socket} is ${st ? "not an SSH agent's socket" : 'missing'}; berth forwards an agent, not a key file`,
      { hint: 'start ssh-agent, add the key with ssh-add, and name its socket (SSH_AUTH_SOCK for "default")' },
    );
  }
}

export interface BuildkitSession {
  /** For the build's `session` query parameter. */
  id: string;
  close(): void;
}

/** Opens a session serving secrets and SSH agents for the builds that name it; `close()` ends it. */
export async function openSession(
  transport: Transport,
  services: SessionServices,
  who: string,
): Promise<BuildkitSession> {
  await checkAgentSockets(services.ssh, who);
  const id = randomBytes(16).toString('hex');
  const methods = [HEALTH_CHECK, GET_SECRET, ...(services.ssh.length > 0 ? [CHECK_AGENT, FORWARD_AGENT] : [])];
  const socket: Duplex = await hijack(
    transport,
    { method: 'POST', path: '/session', operation: 'open a BuildKit session' },
    'h2c',
    {
      'X-Docker-Expose-Session-Uuid': id,
      'X-Docker-Expose-Session-Name': 'berth',
      'X-Docker-Expose-Session-Sharedkey': randomBytes(16).toString('hex'),
      // Repeated, one method each: joined into one line they would name none.
      'X-Docker-Expose-Session-Grpc-Method': methods,
    },
  );
  const server = http2.createServer();
  server.on('stream', (stream, headers) => serve(stream, headers, services));
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
