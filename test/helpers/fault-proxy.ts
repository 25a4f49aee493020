/**
 * A fault-injecting engine proxy for tests: a unix socket that forwards every request to the real
 * engine, so that berth meets the engine failures users meet (a dropped connection in the middle of a
 * recreate, a 409 from a concurrent removal, a slow engine) on purpose and at a chosen step.
 *
 *   const proxy = await FaultProxy.start();            // forwards to /var/run/docker.sock
 *   proxy.fail({ method: 'POST', path: /\/containers\/[^/]+\/start$/, respond: { status: 500, body: { message: 'boom' } }, times: 1 });
 *   proxy.fail({ method: 'POST', path: /\/rename$/, drop: 'after' });  // the engine renames, berth hears nothing
 *   await berth(['up', '-d'], { env: { DOCKER_HOST: proxy.dockerHost } });
 *   proxy.count('POST', /\/containers\/create$/);        // requests seen, by method and path
 *   await proxy.close();
 *
 * Paths are matched without the `/v1.xx` prefix and without the query string. Rules are tried in the
 * order they were added; a rule with `times` stops matching once it has fired that many times. Upgraded
 * connections (attach, exec) are passed through untouched.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface FaultRule {
  method?: string;
  /** Matched against the path without the API version prefix and the query string. */
  path: RegExp;
  /** Answer with this status and JSON body instead of forwarding. */
  respond?: { status: number; body?: unknown };
  /**
   * Drop the client's connection: `before` forwarding (the engine never sees the request) or `after`
   * the engine has answered (the engine did the work; the client never hears of it).
   */
  drop?: 'before' | 'after';
  /** Wait this long before forwarding. */
  delayMs?: number;
  /** Fire at most this many times (default: always). */
  times?: number;
  /** Called when the rule fires (e.g. to SIGKILL the client at this very step). */
  onMatch?: (req: { method: string; path: string }) => void;
}

interface ActiveRule extends FaultRule {
  fired: number;
}

export interface SeenRequest {
  method: string;
  path: string;
}

export class FaultProxy {
  private rules: ActiveRule[] = [];
  private readonly sockets = new Set<Socket>();
  /** Every request received, in order (path without version prefix and query). */
  readonly seen: SeenRequest[] = [];
  /** Faults injected so far (rules fired). */
  injected = 0;

  private constructor(
    private readonly server: Server,
    private readonly dir: string,
    readonly socketPath: string,
    private readonly target: string,
  ) {}

  static async start(target = '/var/run/docker.sock'): Promise<FaultProxy> {
    const dir = mkdtempSync(join(tmpdir(), 'berth-proxy-'));
    const socketPath = join(dir, 'docker.sock');
    const server = createServer();
    const proxy = new FaultProxy(server, dir, socketPath, target);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void proxy.handle(req, res));
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => proxy.tunnel(req, socket, head));
    server.on('connection', (s: Socket) => {
      proxy.sockets.add(s);
      s.on('close', () => proxy.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, resolve);
    });
    return proxy;
  }

  /** `DOCKER_HOST` for a berth run through this proxy. */
  get dockerHost(): string {
    return `unix://${this.socketPath}`;
  }

  /** Adds a rule (tried after the ones already there). */
  fail(rule: FaultRule): void {
    this.rules.push({ ...rule, fired: 0 });
  }

  /** Removes every rule; counts stay. */
  clear(): void {
    this.rules = [];
  }

  /** How many requests matched the method and path. */
  count(method: string, path: RegExp): number {
    return this.seen.filter((r) => r.method === method && path.test(r.path)).length;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private match(method: string, path: string): ActiveRule | undefined {
    const rule = this.rules.find(
      (r) =>
        (r.method === undefined || r.method === method) &&
        r.path.test(path) &&
        (r.times === undefined || r.fired < r.times),
    );
    if (rule) {
      rule.fired++;
      this.injected++;
      rule.onMatch?.({ method, path });
    }
    return rule;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = enginePath(req.url ?? '/');
    this.seen.push({ method, path });
    const rule = this.match(method, path);
    if (rule?.delayMs) await sleep(rule.delayMs);
    if (rule?.drop === 'before') {
      req.socket.destroy();
      return;
    }
    if (rule?.respond) {
      req.resume();
      const body = rule.respond.body === undefined ? '' : JSON.stringify(rule.respond.body);
      res.writeHead(rule.respond.status, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
      });
      res.end(body);
      return;
    }
    const upstream = request({ socketPath: this.target, method, path: req.url, headers: req.headers }, (answer) => {
      if (rule?.drop === 'after') {
        // Let the engine finish its work, then hang up on the client without a word.
        answer.resume();
        answer.on('end', () => req.socket.destroy());
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => req.socket.destroy());
    req.pipe(upstream);
    req.socket.on('close', () => upstream.destroy());
  }

  /** Attach and exec upgrade the connection to a raw stream: pass it through byte for byte. */
  private tunnel(req: IncomingMessage, socket: Socket, head: Buffer): void {
    this.seen.push({ method: req.method ?? 'GET', path: enginePath(req.url ?? '/') });
    const upstream = connect(this.target, () => {
      const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    this.sockets.add(upstream);
    const end = (): void => {
      upstream.destroy();
      socket.destroy();
      this.sockets.delete(upstream);
    };
    upstream.on('error', end);
    socket.on('error', end);
    upstream.on('close', end);
    socket.on('close', end);
  }
}

/** `/v1.41/containers/abc/start?x=1` -> `/containers/abc/start`. */
export function enginePath(url: string): string {
  const path = url.split('?')[0] ?? '/';
  return path.replace(/^\/v\d+\.\d+(?=\/)/, '');
}
