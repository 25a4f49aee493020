/**
 * Removals promise an outcome: the object is gone. The engine's answers to a removal, sorted (one case
 * per engine wording), and the Docker runtime's removals against a stand-in engine that answers as the
 * real one does when another client removes the same object, or when something still uses it.
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeClock } from '../../helpers/clock.js';
import { ConflictError, EngineError, NotFoundError, ResourceInUseError } from '../../../src/errors.js';
import { DockerRuntime } from '../../../src/runtime/docker/docker-runtime.js';
import { classifyRemoval, containerIdsIn, pollUntil } from '../../../src/runtime/docker/removal.js';
import { Transport } from '../../../src/runtime/docker/transport.js';

const ID = 'a'.repeat(64);
const ID2 = 'b'.repeat(64);

describe("classifying the engine's answer to a removal", () => {
  it.each([
    ['Docker, container gone', new NotFoundError(404, `No such container: ${ID}`, 'remove container'), 'gone'],
    ['Docker, network gone', new NotFoundError(404, 'network p_default not found', 'remove network'), 'gone'],
    ['Docker, volume gone', new NotFoundError(404, 'get p_data: no such volume', 'remove volume'), 'gone'],
    ['Podman, container gone with a 500', new EngineError(500, `no such container: ${ID}`, 'remove container'), 'gone'],
    [
      'Docker, removal in progress',
      new ConflictError(409, `removal of container ${ID} is already in progress`, 'remove container'),
      'in-progress',
    ],
    [
      'Docker, network in use',
      new EngineError(
        403,
        `error while removing network: network p_default id ${ID} has active endpoints`,
        'remove network',
      ),
      'in-use',
    ],
    [
      'Podman, network in use',
      new EngineError(
        500,
        '"p_default" has associated containers with it. Use -f to forcibly delete containers and pods: network is being used',
        'remove network',
      ),
      'in-use',
    ],
    [
      'Docker, volume in use',
      new ConflictError(409, `remove p_data: volume is in use - [${ID}, ${ID2}]`, 'remove volume'),
      'in-use',
    ],
    [
      'Podman, volume in use',
      new ConflictError(
        409,
        `volume p_data is being used by the following container(s): ${ID}: volume is being used`,
        'remove volume',
      ),
      'in-use',
    ],
    [
      'Docker, running container without force',
      new ConflictError(
        409,
        `You cannot remove a running container ${ID}. Stop the container before attempting removal or force remove`,
        'remove container',
      ),
      'failed',
    ],
    [
      'Docker, driver failure',
      new EngineError(
        500,
        'driver "overlay2" failed to remove root filesystem: device or resource busy',
        'remove container',
      ),
      'failed',
    ],
    ['not an engine answer', new Error('socket hang up'), 'failed'],
  ])('%s', (_engine, err, kind) => {
    expect(classifyRemoval(err).kind).toBe(kind);
  });

  it('names the containers a volume-in-use answer lists (Docker and Podman)', () => {
    expect(containerIdsIn(`remove p_data: volume is in use - [${ID}, ${ID2}]`)).toEqual([ID, ID2]);
    expect(
      containerIdsIn(`volume p_data is being used by the following container(s): ${ID}: volume is being used`),
    ).toEqual([ID]);
    expect(containerIdsIn('volume is in use')).toEqual([]);
  });
});

describe('polling until done', () => {
  const clock = fakeClock;

  it('stops as soon as the step says done, pausing longer each time (50 ms up to 500 ms)', async () => {
    const c = clock();
    let calls = 0;
    expect(await pollUntil(() => Promise.resolve(++calls === 7), 10_000, c)).toBe(true);
    expect(c.pauses).toEqual([50, 100, 200, 400, 500, 500]);
  });

  it('gives up after its time', async () => {
    const c = clock();
    expect(await pollUntil(() => Promise.resolve(false), 1000, c)).toBe(false);
    expect(c.now()).toBeGreaterThanOrEqual(1000);
    expect(c.now()).toBeLessThan(1600);
  });
});

/** Answers scripted per "METHOD path": each request takes the next answer, the last one repeats. */
type Answer = { status: number; body?: unknown };

describe('Docker runtime removals against a stand-in engine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-removal-'));
  const socketPath = join(dir, 'engine.sock');
  let script = new Map<string, Answer[]>();
  let seen: string[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const key = `${req.method ?? ''} ${(req.url ?? '').replace(/^\/v1\.41/, '').split('?')[0]}`;
      seen.push(key);
      const answers = script.get(key);
      const answer =
        answers === undefined
          ? { status: 500, body: { message: `unexpected ${key}` } }
          : answers.length > 1
            ? answers.shift()!
            : answers[0]!;
      const body = answer.body === undefined ? '' : JSON.stringify(answer.body);
      res.writeHead(answer.status, { 'Content-Type': 'application/json' }).end(body);
    });
  });
  const timing = {
    now: () => Date.now(),
    sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, Math.min(ms, 5))),
    removalTimeoutMs: 300,
    staleUseMs: 200,
  };
  let transport: Transport;
  let rt: DockerRuntime;
  const container = (id: string, name: string, status: string, labels: Record<string, string> = {}): Answer => ({
    status: 200,
    body: { Id: id, Name: `/${name}`, State: { Status: status }, Config: { Labels: labels } },
  });
  const missing = (what: string): Answer => ({ status: 404, body: { message: `No such container: ${what}` } });

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    transport = new Transport({ kind: 'unix', socketPath }, { timeoutMs: 2000, apiVersion: '1.41' });
    rt = new DockerRuntime(transport, undefined, timing);
  });
  beforeEach(() => {
    script = new Map();
    seen = [];
  });
  afterAll(async () => {
    transport.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('a container already gone is removed', async () => {
    script.set(`DELETE /containers/${ID}`, [missing(ID)]);
    await rt.removeContainer(ID, { force: true });
    expect(seen).toEqual([`DELETE /containers/${ID}`]);
  });

  it('a container another client is removing: waits until it is gone', async () => {
    script.set(`DELETE /containers/${ID}`, [
      { status: 409, body: { message: `removal of container ${ID} is already in progress` } },
    ]);
    script.set(`GET /containers/${ID}/json`, [
      container(ID, 'p-web-1', 'removing'),
      container(ID, 'p-web-1', 'removing'),
      missing(ID),
    ]);
    await rt.removeContainer(ID, { force: true });
    expect(seen).toEqual([`DELETE /containers/${ID}`, ...Array<string>(3).fill(`GET /containers/${ID}/json`)]);
  });

  it('a removal by another client that fails: removes the container itself', async () => {
    script.set(`DELETE /containers/${ID}`, [
      { status: 409, body: { message: `removal of container ${ID} is already in progress` } },
      { status: 204 },
    ]);
    script.set(`GET /containers/${ID}/json`, [container(ID, 'p-web-1', 'removing'), container(ID, 'p-web-1', 'dead')]);
    await rt.removeContainer(ID, { force: true });
    expect(seen.filter((s) => s.startsWith('DELETE'))).toHaveLength(2);
  });

  it('a removal by another client that never ends: a conflict naming the container, after the bound', async () => {
    script.set(`DELETE /containers/${ID}`, [
      { status: 409, body: { message: `removal of container ${ID} is already in progress` } },
    ]);
    script.set(`GET /containers/${ID}/json`, [container(ID, 'p-web-1', 'removing')]);
    await expect(rt.removeContainer(ID, { force: true })).rejects.toThrow(
      /removal of container aaaaaaaaaaaa is already in progress and not finished after 0s/,
    );
  });

  it('any other refusal is an error, as the engine said it', async () => {
    script.set(`DELETE /containers/${ID}`, [
      { status: 409, body: { message: 'You cannot remove a running container' } },
    ]);
    await expect(rt.removeContainer(ID)).rejects.toThrow(/You cannot remove a running container/);
    expect(seen).toHaveLength(1);
  });

  it('a network already gone is removed', async () => {
    script.set('DELETE /networks/n1', [{ status: 404, body: { message: 'network n1 not found' } }]);
    await rt.removeNetwork('n1');
  });

  it('a network whose endpoint count lags behind its last container: tried again until it goes', async () => {
    const busy = {
      status: 403,
      body: { message: 'error while removing network: network p_default id n1 has active endpoints' },
    };
    script.set('DELETE /networks/n1', [busy, busy, { status: 204 }]);
    // The engine still lists the removed container, and a stale endpoint of its own naming.
    script.set('GET /networks/n1', [
      {
        status: 200,
        body: { Id: 'n1', Name: 'p_default', Containers: { [ID]: { Name: 'p-web-1' }, 'ep-0123': { Name: 'gone' } } },
      },
    ]);
    script.set(`GET /containers/${ID}/json`, [missing(ID)]);
    await rt.removeNetwork('n1');
    expect(seen.filter((s) => s === 'DELETE /networks/n1')).toHaveLength(3);
    expect(seen).not.toContain('GET /containers/ep-0123/json');
  });

  it('a network a container still uses: ResourceInUseError naming it, with its labels', async () => {
    script.set('DELETE /networks/n1', [
      { status: 403, body: { message: 'error while removing network: network p_default id n1 has active endpoints' } },
    ]);
    script.set('GET /networks/n1', [
      { status: 200, body: { Id: 'n1', Name: 'p_default', Containers: { [ID]: { Name: 'intruder' } } } },
    ]);
    script.set(`GET /containers/${ID}/json`, [container(ID, 'intruder', 'running', { team: 'other' })]);
    const err = await rt.removeNetwork('n1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceInUseError);
    expect((err as ResourceInUseError).message).toBe('network p_default is still in use by container intruder');
    expect((err as ResourceInUseError).users).toEqual([{ id: ID, name: 'intruder', labels: { team: 'other' } }]);
    // Named at once: no retries for a user that is really there.
    expect(seen.filter((s) => s === 'DELETE /networks/n1')).toHaveLength(1);
  });

  it('a network that keeps a stale endpoint count past the bound: ResourceInUseError with no users', async () => {
    script.set('DELETE /networks/n1', [
      { status: 403, body: { message: 'error while removing network: network p_default id n1 has active endpoints' } },
    ]);
    script.set('GET /networks/n1', [{ status: 200, body: { Id: 'n1', Name: 'p_default', Containers: {} } }]);
    const err = await rt.removeNetwork('n1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceInUseError);
    expect((err as ResourceInUseError).users).toEqual([]);
    expect((err as ResourceInUseError).message).toBe(
      'network p_default is still counted as in use by containers that no longer exist',
    );
    expect(((err as ResourceInUseError).cause as Error).message).toMatch(/has active endpoints/);
  });

  it('a volume already gone is removed; one a container uses is a ResourceInUseError naming it', async () => {
    script.set('DELETE /volumes/p_gone', [{ status: 404, body: { message: 'get p_gone: no such volume' } }]);
    await rt.removeVolume('p_gone');
    script.set('DELETE /volumes/p_data', [
      { status: 409, body: { message: `remove p_data: volume is in use - [${ID}]` } },
    ]);
    script.set(`GET /containers/${ID}/json`, [container(ID, 'keeper', 'exited')]);
    await expect(rt.removeVolume('p_data')).rejects.toThrow('volume p_data is still in use by container keeper');
  });
});
