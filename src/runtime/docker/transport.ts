/**
 * HTTP to the engine with Node's own `http`/`https`: a keep-alive agent, JSON in and out, the API
 * version negotiated once through `GET /_ping` and put in front of every path. Requests that hold
 * their connection for as long as the engine takes (wait, pull) use a second, unbounded agent, so
 * that many of them never starve the short calls of sockets. Over ssh, one pool makes each connection an
 * ssh process (runtime/docker/ssh.ts) and keeps it for the next request.
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { EngineUnreachableError } from '../../errors.js';
import { describeEndpoint, type EngineEndpoint } from './endpoint.js';
import { errorForConnection, errorForStatus, timeoutError } from './engine-errors.js';
import { JsonLineSplitter } from './json-stream.js';
import { SshAgent } from './ssh.js';

/** The newest Engine API version berth speaks. */
export const MAX_API_VERSION = '1.45';
/** What the docker client assumes when `/_ping` names no version. */
export const FALLBACK_API_VERSION = '1.24';

export type QueryValue = string | number | boolean | undefined;

export interface EngineRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD';
  /** Path without the version prefix: "/containers/json". */
  path: string;
  query?: Record<string, QueryValue>;
  /** Sent as JSON. */
  body?: unknown;
  /** Extra request headers (X-Registry-Auth); never part of an error. */
  headers?: Record<string, string>;
  /** Named in errors: "create container web-1". */
  operation: string;
  /** Statuses outside 2xx that are not errors here (304 for stop/start). */
  accept?: number[];
  /** Milliseconds without a complete answer before giving up; 0: wait as long as it takes. */
  timeoutMs?: number;
  /** false for `/_ping`, which lives outside the versioned paths. */
  versioned?: boolean;
  /** The answer may take minutes (wait, pull): keep it off the bounded pool. */
  long?: boolean;
}

export interface EngineResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON, the text when not JSON, `undefined` when empty. */
  body: unknown;
}

export interface TransportOptions {
  /** Default request timeout (ms). */
  timeoutMs?: number;
  /** Connections for the short calls (256; over ssh no limit, where the handshakes are what is limited). */
  maxSockets?: number;
  /** Use this API version instead of negotiating (DOCKER_API_VERSION). */
  apiVersion?: string;
}

/** Compare "1.41" and "1.9" as numbers: negative when a < b. */
export function compareApiVersions(a: string, b: string): number {
  const [amaj = 0, amin = 0] = a.split('.').map((p) => Number.parseInt(p, 10) || 0);
  const [bmaj = 0, bmin = 0] = b.split('.').map((p) => Number.parseInt(p, 10) || 0);
  return amaj !== bmaj ? amaj - bmaj : amin - bmin;
}

/** The version to speak: the engine's (from `/_ping`'s API-Version header), capped at ours. */
export function negotiateApiVersion(engineVersion: string | undefined, max: string = MAX_API_VERSION): string {
  const v = (engineVersion ?? '').trim();
  if (!/^\d+\.\d+$/.test(v)) return FALLBACK_API_VERSION;
  return compareApiVersions(v, max) < 0 ? v : max;
}

/** `filters` as the engine wants it in a query string: `{"label":["a=b"]}`. */
export function encodeFilters(filters: Record<string, string[] | undefined>): string | undefined {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(filters)) if (v !== undefined && v.length > 0) out[k] = v;
  return Object.keys(out).length === 0 ? undefined : JSON.stringify(out);
}

/** Query string as the engine reads it: booleans as 1/0, a list as its key repeated, undefined left out. */
export function buildQuery(query: Record<string, QueryValue | readonly string[]> | undefined): string {
  if (!query) return '';
  // encodeURIComponent rather than URLSearchParams: the same for the engine, and cheaper to start.
  const parts: string[] = [];
  const add = (k: string, v: string): number => parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    if (typeof v === 'object') for (const item of v) add(k, item);
    else add(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  }
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

/**
 * One path segment that may hold an image reference or a name: everything escaped except the
 * characters the engine's router takes as they are (`/` in repository paths, `:` and `@`).
 */
export function pathSegment(s: string): string {
  return s.replace(/[^A-Za-z0-9._\-/:@]/g, (c) => encodeURIComponent(c));
}

/** `http` or `https`, as far as berth uses them. */
export interface RequestLib {
  request(options: http.RequestOptions, callback?: (res: http.IncomingMessage) => void): http.ClientRequest;
}

export class Transport {
  readonly where: string;
  private readonly lib: RequestLib;
  /** Where every request goes (`requestTarget`). */
  private readonly target: http.RequestOptions;
  private readonly agent: http.Agent;
  private readonly longAgent: http.Agent;
  private readonly defaultTimeoutMs: number;
  private readonly fixedVersion: string | undefined;
  /** A connection of its own, for a request that takes its connection over (attach, exec). */
  private readonly ownConnection: () => http.Agent | false;
  private version: Promise<string> | undefined;

  constructor(endpoint: EngineEndpoint, options: TransportOptions = {}) {
    this.where = describeEndpoint(endpoint);
    this.target = requestTarget(endpoint);
    this.defaultTimeoutMs = options.timeoutMs ?? 60_000;
    this.fixedVersion = options.apiVersion;
    this.ownConnection = () => false;
    if (endpoint.kind === 'ssh') {
      // Each connection costs an ssh handshake: one pool for every kind of call, so that any idle
      // connection serves the next one (an upgraded one leaves the pool by itself).
      const agent = new SshAgent(endpoint, { keepAlive: true, maxSockets: options.maxSockets ?? Infinity });
      this.agent = agent;
      this.longAgent = agent;
      this.ownConnection = () => agent;
      this.lib = http;
      return;
    }
    // Applies run as wide as the graph and --parallel allow; the pool must not be the narrower limit.
    const maxSockets = options.maxSockets ?? 256;
    if (endpoint.kind === 'tcp' && endpoint.tls) {
      const { certDir, verify } = endpoint.tls;
      const tls = {
        // Without verification the CA is optional; the client pair is always sent.
        ca: readCert(certDir, 'ca.pem', !verify),
        cert: readCert(certDir, 'cert.pem', false),
        key: readCert(certDir, 'key.pem', false),
        rejectUnauthorized: verify,
      };
      // https (and tls with it) only for a TLS endpoint: loading them costs every other start.
      const https = createRequire(import.meta.url)('node:https') as typeof import('node:https');
      this.agent = new https.Agent({ keepAlive: true, maxSockets, ...tls });
      this.longAgent = new https.Agent({ keepAlive: true, ...tls });
      this.lib = https;
    } else {
      this.agent = new http.Agent({ keepAlive: true, maxSockets });
      this.longAgent = new http.Agent({ keepAlive: true });
      this.lib = http;
    }
  }

  /** The negotiated API version ("1.41"); pings the engine the first time. */
  apiVersion(): Promise<string> {
    if (this.fixedVersion !== undefined) return Promise.resolve(this.fixedVersion);
    if (!this.version) {
      const p = this.request({
        method: 'GET',
        path: '/_ping',
        operation: 'ping the engine',
        versioned: false,
        timeoutMs: 10_000,
      }).then((res) => negotiateApiVersion(headerValue(res.headers['api-version'])));
      // A failed ping must not stick: the next call tries again.
      p.catch(() => {
        if (this.version === p) this.version = undefined;
      });
      this.version = p;
    }
    return this.version;
  }

  /** Sends one request; resolves on 2xx (and `accept`ed statuses), rejects with a typed error otherwise. */
  async request(req: EngineRequest): Promise<EngineResponse> {
    const prefix = req.versioned === false ? '' : `/v${await this.apiVersion()}`;
    const path = `${prefix}${req.path}${buildQuery(req.query)}`;
    const idempotent = req.method === 'GET' || req.method === 'HEAD';
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.send(req, path);
      } catch (err) {
        if (!(err instanceof StaleSocketError)) throw err;
        // A keep-alive socket the engine closed meanwhile: safe to retry a read once.
        if (!idempotent || attempt > 1) throw errorForConnection(err.cause, this.where, req.operation);
      }
    }
  }

  /**
   * A streaming answer (pull, build): each JSON object of the body goes to `onMessage` as it comes.
   * `timeoutMs` counts silence between chunks here, not the whole transfer.
   */
  async stream(req: EngineRequest, onMessage: (message: unknown) => void): Promise<void> {
    const prefix = req.versioned === false ? '' : `/v${await this.apiVersion()}`;
    const path = `${prefix}${req.path}${buildQuery(req.query)}`;
    const splitter = new JsonLineSplitter(onMessage);
    try {
      await this.send(req, path, (chunk) => splitter.push(chunk));
    } catch (err) {
      if (err instanceof StaleSocketError) throw errorForConnection(err.cause, this.where, req.operation);
      throw err;
    }
    splitter.end();
  }

  /** Requests a JSON body and hands it back typed as the caller says the engine shapes it. */
  async json<T>(req: EngineRequest): Promise<T> {
    const res = await this.request(req);
    return res.body as T;
  }

  /**
   * Node request options for a call whose body or connection the caller handles itself (followed logs,
   * events, attach, exec, archives: runtime/docker/stream.ts): the versioned path, the long agent, no timeout.
   */
  async rawOptions(
    method: EngineRequest['method'],
    path: string,
    query: Record<string, QueryValue | readonly string[]> | undefined,
    headers: http.OutgoingHttpHeaders,
  ): Promise<{ lib: RequestLib; options: http.RequestOptions }> {
    const versioned = `/v${await this.apiVersion()}${path}${buildQuery(query)}`;
    return { lib: this.lib, options: { method, path: versioned, headers, agent: this.longAgent, ...this.target } };
  }

  /**
   * The agent for a request whose connection is taken over (`Upgrade: tcp`): none for a socket or tcp (a
   * fresh connection, outside the pool from the start); over ssh, the pool, whose idle connection spares
   * a handshake.
   */
  upgradeAgent(): http.Agent | false {
    return this.ownConnection();
  }

  close(): void {
    this.agent.destroy();
    this.longAgent.destroy();
  }

  /** With `onChunk`, a 2xx body is handed over piece by piece instead of collected. */
  private send(req: EngineRequest, path: string, onChunk?: (chunk: Buffer) => void): Promise<EngineResponse> {
    const payload = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
    const headers: http.OutgoingHttpHeaders = {
      ...req.headers,
      Accept: 'application/json',
      'Content-Length': payload ? payload.length : 0,
    };
    if (payload) headers['Content-Type'] = 'application/json';
    const options: http.RequestOptions = {
      method: req.method,
      path,
      headers,
      agent: req.long ? this.longAgent : this.agent,
      ...this.target,
    };
    const lib = this.lib;
    const timeoutMs = req.timeoutMs ?? this.defaultTimeoutMs;

    return new Promise<EngineResponse>((resolve, reject) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        fn();
      };
      const arm = (): void => {
        if (timeoutMs <= 0) return;
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => {
          finish(() => reject(timeoutError(req.operation, this.where, timeoutMs)));
          r.destroy();
        }, timeoutMs);
      };
      const r = lib.request(options, (res) => {
        const chunks: Buffer[] = [];
        const status0 = res.statusCode ?? 0;
        const streaming = onChunk !== undefined && status0 >= 200 && status0 < 300;
        res.on('data', (c: Buffer) => {
          if (!streaming) {
            chunks.push(c);
            return;
          }
          arm();
          try {
            onChunk(c);
          } catch (err) {
            finish(() => reject(err instanceof Error ? err : new Error(String(err))));
            r.destroy();
          }
        });
        res.on('error', (err) => finish(() => reject(errorForConnection(err, this.where, req.operation))));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          const ok = (status >= 200 && status < 300) || (req.accept ?? []).includes(status);
          if (!ok) {
            finish(() => reject(errorForStatus(status, text, req.operation)));
            return;
          }
          finish(() => resolve({ status, headers: res.headers, body: parseBody(text, res.headers['content-type']) }));
        });
      });
      r.on('error', (err) => {
        const stale = r.reusedSocket && (err as NodeJS.ErrnoException).code === 'ECONNRESET';
        finish(() => reject(stale ? new StaleSocketError(err) : errorForConnection(err, this.where, req.operation)));
      });
      arm();
      r.end(payload);
    });
  }
}

/**
 * Where every request goes. Over a unix socket the TLS server name is set (empty) rather than left for
 * the agent to work out from the host: that costs a first use of Node's IPv6 pattern, a few ms of every
 * start. Over ssh the agent makes the connection; the host only names the engine in the Host header, as
 * the docker CLI's "docker.example.com" does.
 */
function requestTarget(endpoint: EngineEndpoint): http.RequestOptions {
  switch (endpoint.kind) {
    case 'unix':
      return { socketPath: endpoint.socketPath, host: 'localhost', servername: '' } as http.RequestOptions;
    case 'ssh':
      return { host: 'docker.example.com' };
    case 'tcp':
      return { host: endpoint.host, port: endpoint.port };
  }
}

class StaleSocketError extends Error {
  constructor(override readonly cause: Error) {
    super(cause.message);
  }
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (text === '') return undefined;
  if (contentType?.includes('json') || /^[[{]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

function headerValue(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h[0] : h;
}

function readCert(dir: string, file: string, optional: boolean): Buffer | undefined {
  try {
    return readFileSync(join(dir, file));
  } catch (err) {
    if (optional) return undefined;
    throw new EngineUnreachableError(`cannot read TLS ${file} from ${dir}: ${(err as Error).message}`, {
      cause: err,
      hint: 'set DOCKER_CERT_PATH to the folder holding ca.pem, cert.pem and key.pem',
    });
  }
}
