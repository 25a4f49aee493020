/**
 * pullImage against a registry of our own on loopback (Debian's docker-registry, see ENGINE.md):
 * the local base image is pushed there with the docker CLI as a fixture step, untagged locally, and
 * pulled back through berth. Nothing leaves the machine.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../../src/errors.js';
import { createRuntime } from '../../../src/runtime/index.js';
import type { PullProgress, Runtime } from '../../../src/runtime/runtime.js';
import { eventually } from '../../helpers/eventually.js';

const BASE = 'berth-local/busybox:latest';
const tag = `t${Date.now().toString(36)}`;
const dir = mkdtempSync(join(tmpdir(), 'berth-registry-'));
let registry: ChildProcess | undefined;
let runtime: Runtime;
let ref = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function status(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', reject);
  });
}

const docker = (...args: string[]): void => {
  execFileSync('docker', args, { stdio: 'ignore' });
};

beforeAll(async () => {
  runtime = createRuntime({ env: process.env });
  const port = await freePort();
  writeFileSync(
    join(dir, 'config.yml'),
    `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\nhttp:\n  addr: 127.0.0.1:${port}\n`,
  );
  registry = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  await eventually(async () => expect(await status(`http://127.0.0.1:${port}/v2/`)).toBe(200), { timeoutMs: 20_000 });

  ref = `127.0.0.1:${port}/berth/busybox:${tag}`;
  docker('tag', BASE, ref);
  docker('push', ref);
  docker('rmi', ref);
});

afterAll(async () => {
  if (ref)
    await runtime
      .inspectImage(ref)
      .then((img) => (img ? docker('rmi', ref) : undefined))
      .catch(() => undefined);
  runtime?.close();
  registry?.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe('pullImage', () => {
  it('pulls an image the engine does not have, reporting progress', async () => {
    expect(await runtime.inspectImage(ref)).toBeUndefined();
    const progress: PullProgress[] = [];
    await runtime.pullImage(ref, (p) => progress.push(p));

    const pulled = await runtime.inspectImage(ref);
    const base = await runtime.inspectImage(BASE);
    expect(pulled?.id).toBe(base?.id);
    expect(pulled?.repoTags).toContain(ref);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.some((p) => /Status: (Downloaded newer image|Image is up to date)/.test(p.status))).toBe(true);
  });

  it('a tag the registry does not have is NotFoundError', async () => {
    const err: unknown = await runtime.pullImage(ref.replace(`:${tag}`, ':absent')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).message).toMatch(/^pull image 127\.0\.0\.1:\d+\/berth\/busybox:absent: /);
  });
});
