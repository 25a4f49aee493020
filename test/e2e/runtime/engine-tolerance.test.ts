/**
 * The Docker runtime settles the engine's quirks beside the engine call, so that apply/ adds no
 * tolerance of its own: a list that leaves mounts out, a name the engine reserved before its container
 * can be inspected, a rename to the name a container has or whose answer was lost, and a network of one
 * name that another client made at the same moment. Each is played against the real engine through the
 * fault proxy (test/helpers/fault-proxy.ts), which drops, delays or answers the request in question.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, NameConflictError } from '../../../src/errors.js';
import { createRuntime } from '../../../src/runtime/index.js';
import type { ContainerSpec, Runtime } from '../../../src/runtime/runtime.js';
import { docker } from '../../helpers/cli.js';
import { FaultProxy } from '../../helpers/fault-proxy.js';

const IMAGE = 'berth-local/busybox:latest';
const PROJECT_LABEL = 'com.docker.compose.project';
const project = `e2e-tolerance-${process.pid}`;
const labels = { [PROJECT_LABEL]: project };

let proxy: FaultProxy;
/** Through the proxy. */
let rt: Runtime;
/** Straight to the engine: what the test does behind the runtime's back. */
let direct: Runtime;

function container(service: string, over: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    name: `${project}-${service}-1`,
    image: IMAGE,
    command: ['sleep', '300'],
    env: [],
    labels: { ...labels, 'com.docker.compose.service': service },
    ports: [],
    mounts: [],
    endpoints: [],
    ...over,
  };
}

/** A network made as another client may make it: without the engine's duplicate check. */
function createDuplicateNetwork(name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ Name: name, CheckDuplicate: false, Labels: labels });
    const req = http.request(
      {
        socketPath: '/var/run/docker.sock',
        method: 'POST',
        path: '/v1.41/networks/create',
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () =>
          res.statusCode === 201
            ? resolve((JSON.parse(text) as { Id: string }).Id)
            : reject(new Error(`create network: ${res.statusCode} ${text}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  proxy = await FaultProxy.start();
  rt = createRuntime({ env: { DOCKER_HOST: proxy.dockerHost } });
  direct = createRuntime({ env: process.env });
  if (!(await direct.inspectImage(IMAGE))) throw new Error(`${IMAGE} is missing: run bash scripts/base-image.sh`);
});

afterAll(async () => {
  const filter = { labels };
  if (direct) {
    for (const c of await direct.listContainers({ ...filter, all: true }))
      await direct.removeContainer(c.id, { force: true, volumes: true });
    for (const n of await direct.listNetworks(filter)) await direct.removeNetwork(n.id);
    direct.close();
  }
  rt?.close();
  await proxy?.close();
});

describe('an engine whose container list leaves mounts out', () => {
  it('the runtime inspects those containers for their volumes; one gone meanwhile is left out', async () => {
    const id = await direct.createContainer(container('cache', { mounts: [{ type: 'volume', target: '/cache' }] }));
    const anonymous = (await direct.inspectContainer(id)).mounts.find((m) => m.target === '/cache')?.name;
    expect(anonymous).toMatch(/^[0-9a-f]{64}$/);
    const gone = 'f'.repeat(64);
    const entry = (cid: string, name: string) => ({
      Id: cid,
      Names: [`/${name}`],
      Image: IMAGE,
      ImageID: '',
      Labels: { ...labels, 'com.docker.compose.service': 'cache' },
      State: 'created',
      Status: 'Created',
      Created: 0,
      Ports: [],
      NetworkSettings: { Networks: {} },
    });
    proxy.fail({
      method: 'GET',
      path: /^\/containers\/json$/,
      respond: { status: 200, body: [entry(id, `${project}-cache-1`), entry(gone, `${project}-gone-1`)] },
      times: 1,
    });
    const listed = await rt.listContainers({ labels, all: true });
    expect(listed.map((c) => [c.name, c.volumes])).toEqual([
      [`${project}-cache-1`, [{ name: anonymous, target: '/cache' }]],
    ]);
    expect(proxy.count('GET', new RegExp(`^/containers/${id}/json$`))).toBe(1);
    // An engine that lists mounts: no inspect.
    const before = proxy.seen.length;
    expect((await rt.listContainers({ labels, all: true }))[0]?.volumes).toEqual([
      { name: anonymous, target: '/cache' },
    ]);
    expect(proxy.seen.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual(['GET /containers/json']);
  });
});

describe('a name conflict on create', () => {
  it('names the holder, even while the engine still answers 404 for the name it reserved', async () => {
    const holder = await direct.createContainer(container('taken'));
    const name = `${project}-taken-1`;
    proxy.fail({
      method: 'GET',
      path: new RegExp(`^/containers/${name}/json$`),
      respond: { status: 404, body: { message: `No such container: ${name}` } },
      times: 3,
    });
    const err: unknown = await rt.createContainer(container('taken')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NameConflictError);
    expect((err as NameConflictError).holder).toMatchObject({ id: holder, name, labels: { [PROJECT_LABEL]: project } });
    expect((err as NameConflictError).message).toMatch(/^create container .*: Conflict\. The container name/);
    expect(proxy.count('GET', new RegExp(`^/containers/${name}/json$`))).toBe(4);
  });
});

describe('a rename', () => {
  it('to the name the container has is done', async () => {
    const id = await direct.createContainer(container('same'));
    await rt.renameContainer(id, `${project}-same-1`);
    expect((await direct.inspectContainer(id)).name).toBe(`${project}-same-1`);
  });

  it('whose answer was lost after the engine renamed is done', async () => {
    const id = await direct.createContainer(container('lost'));
    proxy.fail({ method: 'POST', path: /\/rename$/, drop: 'after', times: 1 });
    await rt.renameContainer(id, `${project}-lost-aside`);
    expect(proxy.injected).toBeGreaterThan(0);
    expect((await direct.inspectContainer(id)).name).toBe(`${project}-lost-aside`);
  });

  it('to a name another container holds is the conflict, and nothing changes', async () => {
    const id = await direct.createContainer(container('mover'));
    await direct.createContainer(container('holder'));
    await expect(rt.renameContainer(id, `${project}-holder-1`)).rejects.toBeInstanceOf(ConflictError);
    expect((await direct.inspectContainer(id)).name).toBe(`${project}-mover-1`);
  });
});

describe('ensuring a network', () => {
  it('one there already: done, nothing made or removed', async () => {
    const name = `${project}_there`;
    const id = await direct.createNetwork({ name, labels });
    await rt.ensureNetwork({ name, labels });
    expect((await direct.listNetworks({ name })).map((n) => n.id)).toEqual([id]);
    expect(proxy.count('DELETE', /^\/networks\//)).toBe(0);
  });

  it("another client's newer one of the same name appears: the maker of the oldest keeps it, waits for the other to go, and never removes it", async () => {
    const name = `${project}_raced`;
    let other: Promise<string> | undefined;
    // Right after our create, as our first look goes out, another client makes one of the same name.
    proxy.fail({
      method: 'GET',
      path: /^\/networks$/,
      delayMs: 300,
      times: 1,
      onMatch: () => {
        other = createDuplicateNetwork(name);
      },
    });
    const started = Date.now();
    let done = false;
    const ensured = rt.ensureNetwork({ name, labels }).then(() => {
      done = true;
    });
    // The other client sees the duplicate and removes its own, a moment later.
    const otherId = await new Promise<string>((resolve) => {
      const check = setInterval(() => {
        if (other) {
          clearInterval(check);
          resolve(other);
        }
      }, 10);
    });
    await new Promise((r) => setTimeout(r, 700));
    expect((await direct.listNetworks({ name })).length).toBe(2);
    expect(done).toBe(false);
    await docker(['network', 'rm', otherId]);
    await ensured;
    // It went on once the other was gone, not at the end of its 5 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    expect(Date.now() - started).toBeLessThan(4000);
    const left = await direct.listNetworks({ name });
    expect(left).toHaveLength(1);
    expect(left[0]!.id).not.toBe(otherId);
    expect(proxy.count('DELETE', /^\/networks\//)).toBe(0);
  });
});
