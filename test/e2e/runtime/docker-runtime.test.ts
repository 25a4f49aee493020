/**
 * The Docker runtime against the real engine on this machine (see ENGINE.md). Everything made here
 * carries one project label unique to the run and is removed in afterAll. Image: the local
 * `berth-local/busybox` (scripts/base-image.sh); nothing is pulled from a registry.
 */
import http from 'node:http';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, EngineError, EngineUnreachableError, NotFoundError } from '../../../src/errors.js';
import { createRuntime } from '../../../src/runtime/index.js';
import type { ContainerSpec, Runtime } from '../../../src/runtime/runtime.js';
import { eventually } from '../../helpers/eventually.js';

const IMAGE = 'berth-local/busybox:latest';
const PROJECT_LABEL = 'com.docker.compose.project';
const project = `berthrt${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const labels = { [PROJECT_LABEL]: project };

let runtime: Runtime;
const tempDirs: string[] = [];

function container(service: string, over: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    name: `${project}-${service}-1`,
    image: IMAGE,
    env: [],
    labels: { ...labels, 'com.docker.compose.service': service },
    ports: [],
    mounts: [],
    endpoints: [],
    ...over,
  };
}

/** A container that runs until told to stop, and exits with `code` on SIGTERM. */
const idle = (code = 0): string[] => ['sh', '-c', `trap "exit ${code}" TERM; while :; do sleep 0.2; done`];

function httpGet(port: number, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

beforeAll(async () => {
  runtime = createRuntime({ env: process.env });
  const info = await runtime.info();
  if (!(await runtime.inspectImage(IMAGE))) throw new Error(`${IMAGE} is missing: run bash scripts/base-image.sh`);
  expect(info.version).not.toBe('');
});

afterAll(async () => {
  if (!runtime) return;
  const filter = { labels: { [PROJECT_LABEL]: project } };
  const containers = await runtime.listContainers({ ...filter, all: true });
  await Promise.all(containers.map((c) => runtime.removeContainer(c.id, { force: true, volumes: true })));
  const [networks, volumes] = await Promise.all([runtime.listNetworks(filter), runtime.listVolumes(filter)]);
  await Promise.all(networks.map((n) => runtime.removeNetwork(n.id)));
  await Promise.all(volumes.map((v) => runtime.removeVolume(v.name, true)));
  runtime.close();
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

describe('Docker runtime on the real engine', () => {
  it('negotiates an API version no newer than the engine and berth both speak', async () => {
    const info = await runtime.info();
    expect(info.apiVersion).toMatch(/^1\.\d+$/);
    expect(Number(info.apiVersion.split('.')[1])).toBeLessThanOrEqual(45);
    expect(info.os).toBe('linux');
  });

  it('creates a labelled network and volume and finds each by its exact name', async () => {
    const netId = await runtime.createNetwork({ name: `${project}_default`, labels });
    await runtime.createNetwork({ name: `${project}_default_more`, labels });
    const vol = await runtime.createVolume({ name: `${project}_data`, labels });
    expect(vol).toMatchObject({ name: `${project}_data`, driver: 'local', labels });

    // The engine's name filter is a substring match: berth's is exact.
    const nets = await runtime.listNetworks({ name: `${project}_default` });
    expect(nets.map((n) => n.id)).toEqual([netId]);
    expect(nets[0]).toMatchObject({ name: `${project}_default`, driver: 'bridge', labels });
    expect((await runtime.inspectNetwork(`${project}_default`)).id).toBe(netId);
    expect(await runtime.listVolumes({ name: `${project}_data` })).toHaveLength(1);
    expect(await runtime.inspectVolume(`${project}_data`)).toMatchObject({ name: `${project}_data`, labels });
  });

  it('runs a web server reachable through a published loopback port, on two networks, healthy', async () => {
    await runtime.createNetwork({ name: `${project}_back`, labels });
    const id = await runtime.createContainer(
      container('web', {
        command: [
          'sh',
          '-c',
          'mkdir -p /www && echo "hello from $GREETING" > /www/index.html && exec httpd -f -p 8080 -h /www',
        ],
        env: ['GREETING=berth'],
        ports: [{ target: 8080, protocol: 'tcp', hostIp: '127.0.0.1' }],
        mounts: [{ type: 'volume', source: `${project}_data`, target: '/data' }],
        endpoints: [
          { network: `${project}_default`, aliases: ['web', 'www'] },
          { network: `${project}_back`, aliases: ['web-back'] },
        ],
        healthcheck: {
          test: ['CMD-SHELL', 'wget -q -O /dev/null http://127.0.0.1:8080/'],
          intervalNs: 200_000_000,
          retries: 20,
        },
        stopTimeoutSec: 1,
      }),
    );
    await runtime.startContainer(id);

    const details = await runtime.inspectContainer(id);
    expect(details).toMatchObject({
      id,
      name: `${project}-web-1`,
      image: IMAGE,
      state: 'running',
      labels: { 'com.docker.compose.service': 'web' },
    });
    expect(details.env).toContain('GREETING=berth');
    expect(details.networks.sort()).toEqual([`${project}_back`, `${project}_default`].sort());
    expect(details.networkSettings[`${project}_default`]?.aliases).toEqual(expect.arrayContaining(['web', 'www']));
    expect(details.networkSettings[`${project}_back`]?.aliases).toEqual(expect.arrayContaining(['web-back']));
    expect(details.mounts).toContainEqual(
      expect.objectContaining({ type: 'volume', name: `${project}_data`, target: '/data', readOnly: false }),
    );
    const published = details.ports.find((p) => p.target === 8080 && p.hostIp === '127.0.0.1');
    expect(published?.hostPort).toBeGreaterThan(1024);

    const res = await eventually(() => httpGet(published!.hostPort!));
    expect(res).toEqual({ status: 200, body: 'hello from berth\n' });

    const healthy = await eventually(async () => {
      const d = await runtime.inspectContainer(id);
      expect(d.health).toBe('healthy');
      return d;
    });
    expect(healthy.healthLog?.[0]?.exitCode).toBe(0);
    // The list call words health in its status text; berth reads it the same.
    const [listed] = await runtime.listContainers({ name: `${project}-web-1` });
    expect(listed).toMatchObject({ id, state: 'running', health: 'healthy' });
  });

  it('stop: the container exits with its own code, wait reports it, stopping again is fine', async () => {
    const id = await runtime.createContainer(container('worker', { command: idle(7) }));
    await runtime.startContainer(id);
    await runtime.stopContainer(id, 5);
    expect(await runtime.waitContainer(id)).toBe(7);
    await runtime.stopContainer(id, 5);
    expect(await runtime.inspectContainer(id)).toMatchObject({ state: 'exited', exitCode: 7, status: 'Exited (7)' });
  });

  it('wait returns the exit code of a container that ends by itself', async () => {
    const id = await runtime.createContainer(container('job', { command: ['sh', '-c', 'exit 42'] }));
    await runtime.startContainer(id);
    expect(await runtime.waitContainer(id)).toBe(42);
  });

  it('a missing container is NotFoundError; a taken name is ConflictError naming the operation', async () => {
    await expect(runtime.inspectContainer(`${project}-nope-1`)).rejects.toBeInstanceOf(NotFoundError);
    await expect(runtime.inspectNetwork(`${project}_nope`)).rejects.toBeInstanceOf(NotFoundError);
    expect(await runtime.inspectImage('berth-local/absent:1')).toBeUndefined();

    await runtime.createContainer(container('dup', { command: idle() }));
    const err: unknown = await runtime.createContainer(container('dup', { command: idle() })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).message).toMatch(
      new RegExp(
        `^create container ${project}-dup-1: Conflict\\. The container name "/${project}-dup-1" is already in use`,
      ),
    );
  });

  it('a failed connect of a later network leaves no half-made container behind', async () => {
    const name = `${project}-orphan-1`;
    // The engine refuses aliases on its default bridge at connect time. (A missing network would not
    // do: Docker 20.10 accepts connecting a created container to one and fails only at start.)
    const err: unknown = await runtime
      .createContainer(
        container('orphan', {
          command: idle(),
          endpoints: [
            { network: `${project}_default`, aliases: [] },
            { network: 'bridge', aliases: ['orphan'] },
          ],
        }),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).message).toMatch(
      /^connect container [0-9a-f]{12} to network bridge: network-scoped alias/,
    );
    expect(await runtime.listContainers({ name, all: true })).toEqual([]);
  });

  it('rename, kill, disconnect and remove', async () => {
    const id = await runtime.createContainer(
      container('tmp', { command: idle(), endpoints: [{ network: `${project}_default`, aliases: [] }] }),
    );
    await runtime.startContainer(id);
    await runtime.renameContainer(id, `${project}-tmp-renamed`);
    expect((await runtime.inspectContainer(id)).name).toBe(`${project}-tmp-renamed`);

    await runtime.disconnectNetwork(`${project}_default`, id);
    expect((await runtime.inspectContainer(id)).networks).toEqual([]);

    await runtime.killContainer(id, 'SIGKILL');
    expect(await runtime.waitContainer(id)).toBe(137);
    await runtime.removeContainer(id, { volumes: true });
    await expect(runtime.inspectContainer(id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('carries anonymous volumes over to a replacement container (volumesFrom)', async () => {
    const oldId = await runtime.createContainer(
      container('cache', { command: idle(), mounts: [{ type: 'volume', target: '/cache' }] }),
    );
    const oldVolume = (await runtime.inspectContainer(oldId)).mounts.find((m) => m.target === '/cache')?.name;
    expect(oldVolume).toMatch(/^[0-9a-f]{64}$/);
    await runtime.renameContainer(oldId, `${project}-cache-old`);

    const newId = await runtime.createContainer(container('cache', { command: idle(), volumesFrom: [oldId] }));
    const newVolume = (await runtime.inspectContainer(newId)).mounts.find((m) => m.target === '/cache')?.name;
    expect(newVolume).toBe(oldVolume);
  });

  it('creates a missing host folder for a bind mount that asks for it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-bind-'));
    tempDirs.push(dir);
    const hostPath = join(dir, 'made', 'by-engine');
    const id = await runtime.createContainer(
      container('bind', {
        command: ['sh', '-c', 'echo written > /mnt/out.txt'],
        mounts: [{ type: 'bind', source: hostPath, target: '/mnt', createHostPath: true }],
      }),
    );
    await runtime.startContainer(id);
    expect(await runtime.waitContainer(id)).toBe(0);
    expect(existsSync(join(hostPath, 'out.txt'))).toBe(true);
  });

  it('observe returns the project by its label, and image ids for the references asked about', async () => {
    const observed = await runtime.observe(project, [IMAGE, 'berth-local/busybox', 'berth-local/absent:1']);
    const names = observed.containers.map((c) => c.name);
    expect(names).toEqual(
      expect.arrayContaining([`${project}-web-1`, `${project}-worker-1`, `${project}-job-1`, `${project}-dup-1`]),
    );
    expect(observed.containers.every((c) => c.labels[PROJECT_LABEL] === project)).toBe(true);
    expect(observed.containers.find((c) => c.name === `${project}-worker-1`)).toMatchObject({ state: 'exited' });
    expect(observed.networks.map((n) => n.name).sort()).toEqual([
      `${project}_back`,
      `${project}_default`,
      `${project}_default_more`,
    ]);
    expect(observed.volumes.map((v) => v.name)).toEqual([`${project}_data`]);

    const image = await runtime.inspectImage(IMAGE);
    expect(observed.images).toEqual({ [IMAGE]: image!.id, 'berth-local/busybox': image!.id });
  });

  it('a pull that cannot reach its registry fails with the engine error', async () => {
    // Port 1 on loopback: refused at once, nothing leaves the machine.
    await expect(runtime.pullImage('127.0.0.1:1/berth/absent:1')).rejects.toBeInstanceOf(EngineError);
  });

  it('an engine that is not there is EngineUnreachableError with a hint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-nosock-'));
    tempDirs.push(dir);
    const nowhere = createRuntime({ env: { DOCKER_HOST: `unix://${join(dir, 'docker.sock')}` } });
    const err: unknown = await nowhere.info().catch((e: unknown) => e);
    nowhere.close();
    expect(err).toBeInstanceOf(EngineUnreachableError);
    expect((err as EngineUnreachableError).hint).toMatch(/is the Docker Engine running\?/);
  });
});
