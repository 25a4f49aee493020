/**
 * Requests whose answer is a stream of JSON objects and that need more than `Transport.stream` offers:
 * registry headers (X-Registry-Auth, X-Registry-Config), repeated query keys (`t` for each build tag)
 * and a streamed request body (a build context as tar).
 */
import { errorForConnection, errorForStatus } from './engine-errors.js';
import type { Transport } from './transport.js';

export type StreamQuery = Record<string, string | number | boolean | string[] | undefined>;

export interface JsonStreamRequest {
  method: 'POST' | 'GET';
  path: string;
  query?: StreamQuery;
  headers?: Record<string, string>;
  /** Sent chunked with `contentType`. */
  body?: { stream: NodeJS.ReadableStream; contentType: string };
  /** Named in errors: "build image web". */
  operation: string;
}

/** Splits a byte stream into JSON objects, one per line; stray non-JSON lines are skipped. */
export class JsonLineSplitter {
  private buffered = '';
  private readonly decoder = new TextDecoder('utf-8');
  constructor(private readonly onMessage: (message: unknown) => void) {}

  push(chunk: Buffer): void {
    this.buffered += this.decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, nl);
      this.buffered = this.buffered.slice(nl + 1);
      this.emit(line);
    }
  }

  end(): void {
    this.emit(this.buffered + this.decoder.decode());
    this.buffered = '';
  }

  private emit(line: string): void {
    const text = line.trim();
    if (text === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return;
    }
    this.onMessage(parsed);
  }
}

/**
 * Sends the request and hands each JSON object of a 2xx answer to `onMessage` as it arrives. A non-2xx
 * answer rejects with the typed error for its status; a dropped connection with EngineUnreachableError.
 */
export async function jsonStream(
  transport: Transport,
  req: JsonStreamRequest,
  onMessage: (message: unknown) => void,
): Promise<void> {
  const headers: Record<string, string> = { Accept: 'application/json', ...req.headers };
  if (req.body) headers['Content-Type'] = req.body.contentType;
  else headers['Content-Length'] = '0';
  const { lib, options } = await transport.rawOptions(req.method, req.path, req.query, headers);
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      fn();
    };
    const r = lib.request(options, (res) => {
      const status = res.statusCode ?? 0;
      const ok = status >= 200 && status < 300;
      const chunks: Buffer[] = [];
      const splitter = new JsonLineSplitter((m) => {
        try {
          onMessage(m);
        } catch (err) {
          finish(() => reject(err instanceof Error ? err : new Error(String(err))));
          r.destroy();
        }
      });
      res.on('data', (c: Buffer) => (ok ? splitter.push(c) : chunks.push(c)));
      res.on('error', (err) => finish(() => reject(errorForConnection(err, transport.where, req.operation))));
      res.on('end', () => {
        if (!ok) {
          finish(() => reject(errorForStatus(status, Buffer.concat(chunks).toString('utf8'), req.operation)));
          return;
        }
        splitter.end();
        finish(resolve);
      });
    });
    r.on('error', (err) => finish(() => reject(errorForConnection(err, transport.where, req.operation))));
    if (req.body) {
      const body = req.body.stream;
      body.on('error', (err: Error) => {
        finish(() => reject(err));
        r.destroy();
      });
      body.pipe(r);
    } else {
      r.end();
    }
  });
}
