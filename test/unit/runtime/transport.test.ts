import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineUnreachableError, NotFoundError } from '../../../src/errors.js';
import {
  Transport,
  buildQuery,
  compareApiVersions,
  encodeFilters,
  negotiateApiVersion,
  pathSegment,
} from '../../../src/runtime/docker/transport.js';

describe('API version negotiation', () => {
  it.each([
    ['1.41', '1.41'],
    ['1.43', '1.43'],
    ['1.45', '1.45'],
    ['1.47', '1.45'],
    ['2.0', '1.45'],
    [undefined, '1.24'],
    ['garbage', '1.24'],
  ])('engine %s -> %s', (engine, used) => {
    expect(negotiateApiVersion(engine)).toBe(used);
  });
  it('compares minor versions as numbers', () => {
    expect(compareApiVersions('1.9', '1.41')).toBeLessThan(0);
    expect(compareApiVersions('1.44', '1.44')).toBe(0);
  });
});

describe('query strings', () => {
  it('filters as JSON, empty ones left out', () => {
    expect(encodeFilters({ label: ['a=b'], name: undefined, reference: [] })).toBe('{"label":["a=b"]}');
    expect(encodeFilters({ label: undefined })).toBeUndefined();
  });
  it('booleans as 1/0, undefined dropped, values escaped', () => {
    expect(buildQuery({ all: true, force: false, t: undefined, filters: '{"label":["a=b"]}' })).toBe(
      '?all=1&force=0&filters=%7B%22label%22%3A%5B%22a%3Db%22%5D%7D',
    );
    expect(buildQuery({})).toBe('');
  });
  it('path segments keep "/", ":" and "@" of image references', () => {
    expect(pathSegment('localhost:5000/app:v1')).toBe('localhost:5000/app:v1');
    expect(pathSegment('busybox@sha256:ab')).toBe('busybox@sha256:ab');
    expect(pathSegment('a b?c#')).toBe('a%20b%3Fc%23');
  });
});

/** A stand-in engine on a unix socket: records requests, answers from a table. */
describe('transport against a stand-in engine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-transport-'));
  const socketPath = join(dir, 'engine.sock');
  const seen: { method: string; url: string; body: string }[] = [];
  const sockets = new Set<unknown>();
  const served = new WeakSet<object>();
  const server = http.createServer((req, res) => {
    // A keep-alive connection the engine drops when it is used again.
    if (req.url?.startsWith('/v1.43/flaky') && served.has(req.socket)) {
      req.socket.destroy();
      return;
    }
    served.add(req.socket);
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', body });
      const url = req.url ?? '';
      if (url === '/_ping') {
        res.writeHead(200, { 'API-Version': '1.43', 'Content-Type': 'text/plain' }).end('OK');
      } else if (url.startsWith('/v1.43/containers/json')) {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('[{"Id":"c1"}]');
      } else if (url === '/v1.43/containers/gone/json') {
        res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"message":"No such container: gone"}');
      } else if (url === '/v1.43/containers/c1/stop') {
        res.writeHead(304).end();
      } else if (url === '/v1.43/containers/create?name=web-1') {
        res
          .writeHead(201, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ Id: 'new', Echo: JSON.parse(body) as unknown }));
      } else if (url === '/v1.43/images/create?fromImage=app&tag=latest') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        // One object split across writes, two in one write.
        res.write('{"status":"Pulling fro');
        res.write(
          'm app"}\r\n{"status":"Downloading","id":"l1","progressDetail":{"current":1,"total":2}}\r\n{"status":"Done"}',
        );
        res.end('\r\n');
      } else if (url.startsWith('/v1.43/flaky')) {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
      } else if (url.startsWith('/v1.43/slow')) {
        // never answers
      } else {
        res.writeHead(500).end('unexpected');
      }
    });
  });
  server.on('connection', (s) => sockets.add(s));
  let transport: Transport;

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    transport = new Transport({ kind: 'unix', socketPath }, { timeoutMs: 2000 });
  });
  afterAll(async () => {
    transport.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('pings once, then prefixes every path with the negotiated version', async () => {
    const res = await transport.request({
      method: 'GET',
      path: '/containers/json',
      query: { all: true },
      operation: 'list containers',
    });
    expect(res.body).toEqual([{ Id: 'c1' }]);
    await transport.request({ method: 'GET', path: '/containers/json', operation: 'list containers' });
    expect(seen.filter((r) => r.url === '/_ping')).toHaveLength(1);
    expect(seen.map((r) => r.url)).toContain('/v1.43/containers/json?all=1');
    expect(await transport.apiVersion()).toBe('1.43');
  });

  it('reuses connections (keep-alive)', async () => {
    const before = sockets.size;
    for (let i = 0; i < 5; i++)
      await transport.request({ method: 'GET', path: '/containers/json', operation: 'list containers' });
    expect(sockets.size - before).toBeLessThanOrEqual(1);
  });

  it('sends JSON bodies', async () => {
    const res = await transport.json<{ Id: string; Echo: unknown }>({
      method: 'POST',
      path: '/containers/create',
      query: { name: 'web-1' },
      body: { Image: 'x' },
      operation: 'create container web-1',
    });
    expect(res).toEqual({ Id: 'new', Echo: { Image: 'x' } });
  });

  it('404 becomes NotFoundError with the engine message', async () => {
    await expect(
      transport.request({ method: 'GET', path: '/containers/gone/json', operation: 'inspect container gone' }),
    ).rejects.toThrow(new NotFoundError(404, 'No such container: gone', 'inspect container gone'));
  });

  it('an accepted non-2xx status (304) resolves', async () => {
    const res = await transport.request({
      method: 'POST',
      path: '/containers/c1/stop',
      operation: 'stop',
      accept: [304],
    });
    expect(res.status).toBe(304);
  });

  it('streams JSON lines as they come, across chunk boundaries', async () => {
    const got: unknown[] = [];
    await transport.stream(
      { method: 'POST', path: '/images/create', query: { fromImage: 'app', tag: 'latest' }, operation: 'pull' },
      (m) => got.push(m),
    );
    expect(got).toEqual([
      { status: 'Pulling from app' },
      { status: 'Downloading', id: 'l1', progressDetail: { current: 1, total: 2 } },
      { status: 'Done' },
    ]);
  });

  it('gives up after the timeout with an unreachable error', async () => {
    await expect(
      transport.request({ method: 'GET', path: '/slow', operation: 'slow thing', timeoutMs: 100 }),
    ).rejects.toThrow(/slow thing: the Docker Engine at unix:\/\/.* did not answer within 100ms/);
  });

  it('a read on a keep-alive connection the engine dropped is retried once; a write is not', async () => {
    const t = new Transport({ kind: 'unix', socketPath }, { maxSockets: 1 });
    await t.request({ method: 'GET', path: '/flaky', operation: 'first' });
    expect((await t.request({ method: 'GET', path: '/flaky', operation: 'read again' })).body).toEqual({ ok: true });
    await expect(t.request({ method: 'POST', path: '/flaky', operation: 'write again' })).rejects.toThrow(
      /^write again: lost the connection to the Docker Engine/,
    );
    t.close();
  });

  it('long waits do not take sockets from the bounded pool', async () => {
    const t = new Transport({ kind: 'unix', socketPath }, { maxSockets: 1, timeoutMs: 2000 });
    const hanging = t
      .request({ method: 'POST', path: '/slow', operation: 'wait for container x', long: true, timeoutMs: 0 })
      .catch((e: unknown) => e);
    const res = await t.request({ method: 'GET', path: '/containers/json', operation: 'list containers' });
    expect(res.body).toEqual([{ Id: 'c1' }]);
    t.close();
    expect(await hanging).toBeInstanceOf(EngineUnreachableError);
  });

  it('a missing socket is EngineUnreachableError with a hint, and a later call tries again', async () => {
    const t = new Transport({ kind: 'unix', socketPath: join(dir, 'missing.sock') });
    const err: unknown = await t
      .request({ method: 'GET', path: '/containers/json', operation: 'list containers' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineUnreachableError);
    expect((err as EngineUnreachableError).message).toMatch(
      /cannot reach the Docker Engine at unix:\/\/.*missing\.sock: no such socket/,
    );
    expect((err as EngineUnreachableError).hint).toMatch(/bash scripts\/engine\.sh/);
    await expect(t.apiVersion()).rejects.toBeInstanceOf(EngineUnreachableError);
    t.close();
  });
});
