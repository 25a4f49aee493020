/**
 * The engine's streaming answers: the multiplexed stdout/stderr framing (an 8-byte header per frame),
 * splitting output into lines, and the two kinds of long-lived requests (a streamed response body, and a
 * connection hijacked for attach/exec). The framing and line splitting are pure and unit-tested.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { errorForConnection, errorForStatus } from './engine-errors.js';
import type { EngineRequest, QueryValue, Transport } from './transport.js';
import type { OutputStream } from '../runtime.js';

export interface Frame {
  stream: OutputStream;
  data: Buffer;
}

/**
 * Reads the engine's multiplexed stream: each frame is `[type, 0, 0, 0, size (uint32 big-endian)]`
 * followed by `size` bytes; type 1 is stdout, 2 stderr (0, stdin, is written to stdout as the docker CLI
 * does). Chunks may split headers and payloads anywhere.
 */
export class Demuxer {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: Frame[] = [];
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) break;
      const type = this.pending[0];
      const data = this.pending.subarray(8, 8 + size);
      this.pending = this.pending.subarray(8 + size);
      if (size > 0) out.push({ stream: type === 2 ? 'stderr' : 'stdout', data });
    }
    return out;
  }

  /** Bytes of an incomplete frame left at the end of the stream. */
  get leftover(): number {
    return this.pending.length;
  }
}

/** Splits each stream's bytes into lines ("\n", a preceding "\r" dropped); a partial line waits for its end. */
export class LineSplitter {
  private readonly partial: Record<OutputStream, string> = { stdout: '', stderr: '' };
  private readonly decoders = { stdout: new TextDecoder('utf-8'), stderr: new TextDecoder('utf-8') };

  push(stream: OutputStream, data: Buffer): string[] {
    const text = this.partial[stream] + this.decoders[stream].decode(data, { stream: true });
    const parts = text.split('\n');
    this.partial[stream] = parts.pop()!;
    return parts.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  }

  /** What is left once the stream has ended: a last line without a line end. */
  flush(stream: OutputStream): string[] {
    const rest = this.partial[stream] + this.decoders[stream].decode();
    this.partial[stream] = '';
    return rest === '' ? [] : [rest];
  }
}

export interface RawRequest {
  method: EngineRequest['method'];
  path: string;
  query?: Record<string, QueryValue>;
  operation: string;
  /** Sent as JSON. */
  json?: unknown;
  /** Streamed as the body with this content type (a tar for put-archive). */
  body?: { stream: NodeJS.ReadableStream; contentType: string };
  signal?: AbortSignal;
}

function headersFor(req: RawRequest, payload: Buffer | undefined): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = {};
  if (payload) {
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = payload.length;
  } else if (req.body) {
    headers['Content-Type'] = req.body.contentType;
    headers['Transfer-Encoding'] = 'chunked';
  } else {
    headers['Content-Length'] = 0;
  }
  return headers;
}

async function readText(res: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Sends a request and resolves with the response once its status is known: a 2xx response is handed
 * over unread (the caller consumes the body); any other status becomes the typed engine error.
 * Aborting `signal` ends the response (a followed log or event stream) without an error.
 */
export async function openStream(transport: Transport, req: RawRequest): Promise<http.IncomingMessage> {
  const payload = req.json === undefined ? undefined : Buffer.from(JSON.stringify(req.json));
  const { lib, options } = await transport.rawOptions(req.method, req.path, req.query, headersFor(req, payload));
  return new Promise<http.IncomingMessage>((resolve, reject) => {
    const r = lib.request(options, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        resolve(res);
        return;
      }
      readText(res).then(
        (text) => reject(errorForStatus(status, text, req.operation)),
        (err: unknown) => reject(errorForConnection(err, transport.where, req.operation)),
      );
    });
    r.on('error', (err) => {
      if (req.signal?.aborted) return;
      reject(errorForConnection(err, transport.where, req.operation));
    });
    if (req.signal) {
      const onAbort = (): void => {
        r.destroy();
      };
      if (req.signal.aborted) onAbort();
      else req.signal.addEventListener('abort', onAbort, { once: true });
      r.on('close', () => req.signal?.removeEventListener('abort', onAbort));
    }
    if (req.body) {
      req.body.stream.on('error', (err: Error) => {
        r.destroy(err);
      });
      req.body.stream.pipe(r);
    } else {
      r.end(payload);
    }
  });
}

/**
 * Attach and exec-start: asks the engine to upgrade the connection (`Upgrade: tcp`) and hands back the
 * raw socket, which then carries the process's stdin one way and its output the other.
 */
export async function hijack(transport: Transport, req: RawRequest): Promise<Duplex> {
  const payload = req.json === undefined ? undefined : Buffer.from(JSON.stringify(req.json));
  const headers = { ...headersFor(req, payload), Connection: 'Upgrade', Upgrade: 'tcp' };
  const { lib, options } = await transport.rawOptions(req.method, req.path, req.query, headers);
  // An upgraded socket leaves its agent; a connection of its own keeps it out of the pool from the start.
  options.agent = transport.upgradeAgent();
  return new Promise<Duplex>((resolve, reject) => {
    const r = lib.request(options);
    r.on('upgrade', (_res, socket, head) => {
      if (head.length > 0) socket.unshift(head);
      resolve(socket);
    });
    r.on('response', (res) => {
      const status = res.statusCode ?? 0;
      // An engine that answers without upgrading (200 with the stream as the body) is not one berth supports here.
      readText(res).then(
        (text) =>
          reject(
            status >= 200 && status < 300
              ? errorForStatus(500, 'the engine did not upgrade the connection', req.operation)
              : errorForStatus(status, text, req.operation),
          ),
        (err: unknown) => reject(errorForConnection(err, transport.where, req.operation)),
      );
    });
    r.on('error', (err) => reject(errorForConnection(err, transport.where, req.operation)));
    r.end(payload);
  });
}
