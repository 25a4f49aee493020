/**
 * DOCKER_HOST=tcp://… with and without TLS, against stand-in engines on loopback. The certificates
 * (a CA, a server certificate for 127.0.0.1 and a client pair) are made with openssl per run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineUnreachableError } from '../../../src/errors.js';
import { createRuntime } from '../../../src/runtime/index.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-tls-'));
const openssl = (...args: string[]): void => {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
};

function engine(req: http.IncomingMessage, res: http.ServerResponse): void {
  if (req.url === '/_ping') res.writeHead(200, { 'API-Version': '1.41' }).end('OK');
  else if (req.url === '/v1.41/version') {
    res
      .writeHead(200, { 'Content-Type': 'application/json' })
      .end('{"Version":"20.10.24","ApiVersion":"1.41","Os":"linux","Arch":"amd64"}');
  } else res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"message":"page not found"}');
}

let tlsServer: https.Server;
let plainServer: http.Server;
const port = (s: http.Server | https.Server): number => (s.address() as AddressInfo).port;

beforeAll(async () => {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'ca-key.pem',
    '-out',
    'ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=berth-test-ca',
  );
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  openssl(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'server-key.pem',
    '-out',
    'server.csr',
    '-subj',
    '/CN=127.0.0.1',
  );
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca-key.pem',
    '-CAcreateserial',
    '-out',
    'server-cert.pem',
    '-days',
    '1',
    '-extfile',
    'server.ext',
  );
  openssl(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'key.pem',
    '-out',
    'client.csr',
    '-subj',
    '/CN=client',
  );
  openssl(
    'x509',
    '-req',
    '-in',
    'client.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca-key.pem',
    '-CAcreateserial',
    '-out',
    'cert.pem',
    '-days',
    '1',
  );
  const read = (f: string): Buffer => readFileSync(join(dir, f));
  tlsServer = https.createServer(
    {
      key: read('server-key.pem'),
      cert: read('server-cert.pem'),
      ca: read('ca.pem'),
      requestCert: true,
      rejectUnauthorized: true,
    },
    engine,
  );
  plainServer = http.createServer(engine);
  await Promise.all([
    new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve)),
    new Promise<void>((resolve) => plainServer.listen(0, '127.0.0.1', resolve)),
  ]);
});

afterAll(async () => {
  tlsServer.closeAllConnections();
  plainServer.closeAllConnections();
  await Promise.all([
    new Promise<void>((resolve) => tlsServer.close(() => resolve())),
    new Promise<void>((resolve) => plainServer.close(() => resolve())),
  ]);
  rmSync(dir, { recursive: true, force: true });
});

describe('engine over tcp', () => {
  it('plain tcp://', async () => {
    const rt = createRuntime({ env: { DOCKER_HOST: `tcp://127.0.0.1:${port(plainServer)}` } });
    expect(await rt.info()).toEqual({ apiVersion: '1.41', version: '20.10.24', os: 'linux', arch: 'amd64' });
    rt.close();
  });

  it('TLS with DOCKER_TLS_VERIFY: verifies the server and presents the client certificate', async () => {
    const rt = createRuntime({
      env: { DOCKER_HOST: `tcp://127.0.0.1:${port(tlsServer)}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir },
    });
    expect((await rt.info()).version).toBe('20.10.24');
    rt.close();
  });

  it('TLS to a server the CA did not sign is refused', async () => {
    const other = mkdtempSync(join(tmpdir(), 'berth-tls-other-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-keyout',
          'k.pem',
          '-out',
          'ca.pem',
          '-days',
          '1',
          '-subj',
          '/CN=other',
        ],
        { cwd: other, stdio: 'ignore' },
      );
      for (const f of ['cert.pem', 'key.pem']) writeFileSync(join(other, f), readFileSync(join(dir, f)));
      const rt = createRuntime({
        env: { DOCKER_HOST: `tcp://127.0.0.1:${port(tlsServer)}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: other },
      });
      const err: unknown = await rt.info().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EngineUnreachableError);
      expect((err as EngineUnreachableError).message).toMatch(/TLS verification failed/);
      rt.close();
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('missing certificates are reported when the runtime is made', () => {
    expect(() =>
      createRuntime({
        env: { DOCKER_HOST: 'tcp://127.0.0.1:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: join(dir, 'none') },
      }),
    ).toThrow(/cannot read TLS ca\.pem from .*none/);
  });
});
