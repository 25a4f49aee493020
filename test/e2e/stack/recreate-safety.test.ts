/**
 * A recreate never loses data and never leaves a project stuck, whatever fails and wherever it is cut
 * off. Each test writes a marker file into a file-declared anonymous volume (`/data`) and into an image
 * `VOLUME` (`/cache`) first, and checks after: the marker is still there, and the service has exactly one
 * container per number under its real name. Faults come from the engine proxy (a lost connection before
 * or after the engine did the work, a 500 answer) at each request of the recreate, and from SIGKILL at
 * random points; each is followed by a plain `up -d`, which must converge.
 */
import { execa } from 'execa';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, BIN, docker, freePort, purgeProject } from '../../helpers/cli.js';
import { FaultProxy, type FaultRule } from '../../helpers/fault-proxy.js';

const image = `berth-e2e-recreate-${process.pid}`;
const projects: string[] = [];
/** Anonymous volumes a test let go on purpose (`-V` renews them): removed at the end. */
const letGo: string[] = [];
const proxies: FaultProxy[] = [];

beforeAll(async () => {
  const context = mkdtempSync(join(tmpdir(), 'berth-recreate-image-'));
  writeFileSync(join(context, 'Dockerfile'), 'FROM berth-local/busybox\nVOLUME /cache\n');
  const built = await docker(['build', '-q', '-t', image, context]);
  expect(built.exitCode, built.stderr).toBe(0);
});

afterAll(async () => {
  for (const p of proxies) await p.close();
  for (const p of projects) await purgeProject(p);
  for (const v of letGo) await docker(['volume', 'rm', '-f', v]);
  await docker(['rmi', '-f', image]);
});

interface StackOptions {
  tag?: string;
  port?: number;
}

/** A project folder; `write` replaces its compose.yaml; `run` runs berth there, `via` through its own engine proxy. */
async function fixture(name: string) {
  const project = `e2e-rs-${name}-${process.pid}`;
  projects.push(project);
  const dir = mkdtempSync(join(tmpdir(), `berth-rs-${name}-`));
  const write = (o: StackOptions = {}) =>
    writeFileSync(
      join(dir, 'compose.yaml'),
      [
        'services:',
        '  web:',
        `    image: ${image}`,
        '    init: true',
        '    command: sleep 300',
        '    environment:',
        `      TAG: "${o.tag ?? 'a'}"`,
        '    volumes: ["/data"]',
        ...(o.port !== undefined ? ['    ports:', `      - "127.0.0.1:${o.port}:80"`] : []),
        '',
      ].join('\n'),
    );
  write();
  const proxy = await FaultProxy.start();
  proxies.push(proxy);
  return {
    project,
    dir,
    proxy,
    name: `${project}-web-1`,
    write,
    run: (...args: string[]) => berth(['-p', project, ...args], { cwd: dir }),
    via: (...args: string[]) => berth(['-p', project, ...args], { cwd: dir, env: { DOCKER_HOST: proxy.dockerHost } }),
  };
}
type Fixture = Awaited<ReturnType<typeof fixture>>;

/** Writes `text` into both anonymous volumes of the running container. */
async function writeMarker(f: Fixture, text: string): Promise<void> {
  const r = await docker(['exec', f.name, 'sh', '-c', `echo ${text} > /data/marker && echo ${text} > /cache/marker`]);
  expect(r.exitCode, r.stderr).toBe(0);
}

/** What both markers hold now ("" for a missing one). */
async function markers(f: Fixture): Promise<string[]> {
  const r = await docker([
    'exec',
    f.name,
    'sh',
    '-c',
    'for m in /data/marker /cache/marker; do echo "$(cat $m 2>/dev/null)"; done',
  ]);
  return r.stdout.split('\n');
}

/** Every container of the project: name, id, state. */
async function containers(f: Fixture): Promise<{ name: string; id: string; state: string }[]> {
  const r = await docker([
    'ps',
    '-a',
    '--no-trunc',
    '--filter',
    `label=com.docker.compose.project=${f.project}`,
    '--format',
    '{{.Names}} {{.ID}} {{.State}}',
  ]);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [name, id, state] = l.split(' ');
      return { name: name!, id: id!, state: state! };
    });
}

/** The names of the anonymous volumes the service's container mounts. */
async function anonymousVolumes(f: Fixture): Promise<string[]> {
  const r = await docker(['inspect', '-f', '{{range .Mounts}}{{.Name}} {{end}}', f.name]);
  return r.stdout
    .split(' ')
    .filter((v) => /^[0-9a-f]{64}$/.test(v))
    .sort();
}

/** Exactly one container, under its real name, running, with the marker in both volumes. */
async function expectOneWithData(f: Fixture, marker: string, context: string): Promise<void> {
  const now = await containers(f);
  expect(
    now.map((c) => [c.name, c.state]),
    context,
  ).toEqual([[f.name, 'running']]);
  expect(await markers(f), context).toEqual([marker, marker]);
}

/** A plain `up -d` converges (exit 0, one container, data intact), and then there is nothing left to do. */
async function expectConverges(f: Fixture, marker: string, context: string): Promise<void> {
  const again = await f.run('up', '-d');
  expect(again.exitCode, `${context}\n${again.stderr}`).toBe(0);
  await expectOneWithData(f, marker, context);
  const plan = await f.run('plan');
  expect(plan.exitCode, `${context}\n${plan.stdout}`).toBe(0);
}

describe('anonymous volumes survive a recreate', () => {
  it("an image's VOLUME and the file's anonymous volume keep their data across --force-recreate and a config change; -V renews them", async () => {
    const f = await fixture('volume');
    expect((await f.run('up', '-d')).exitCode).toBe(0);
    await writeMarker(f, 'precious');
    const [first] = await containers(f);
    const volumes = await anonymousVolumes(f);
    expect(volumes).toHaveLength(2);

    const forced = await f.run('up', '-d', '--force-recreate');
    expect(forced.exitCode, forced.stderr).toBe(0);
    const [second] = await containers(f);
    expect(second!.id).not.toBe(first!.id);
    await expectOneWithData(f, 'precious', 'after --force-recreate');

    f.write({ tag: 'b' });
    expect((await f.run('plan')).stdout).toContain(`${f.name}: create: environment.TAG changed`);
    expect((await f.run('up', '-d')).exitCode).toBe(0);
    await expectOneWithData(f, 'precious', 'after a config change');
    expect(await anonymousVolumes(f)).toEqual(volumes);

    // down -v removes the anonymous volumes a recreate carried over, the image's too.
    expect((await f.run('down', '-v')).exitCode).toBe(0);
    for (const v of volumes) expect((await docker(['volume', 'inspect', v])).exitCode, v).not.toBe(0);

    expect((await f.run('up', '-d')).exitCode).toBe(0);
    await writeMarker(f, 'old');
    const old = await anonymousVolumes(f);
    const renewed = await f.run('up', '-d', '--force-recreate', '-V');
    expect(renewed.exitCode, renewed.stderr).toBe(0);
    letGo.push(...old);
    await expectOneWithData(f, '', 'after -V');
    const fresh = await anonymousVolumes(f);
    expect(fresh).toHaveLength(2);
    expect(fresh.filter((v) => old.includes(v))).toEqual([]);
  });
});

describe('a recreate that cannot finish gives the old container back', () => {
  let holder: Server | undefined;
  afterAll(() => holder?.close());

  it('a new container that cannot start (its port is taken): the old one runs on under its name, with its data; once the port is free, up converges', async () => {
    const f = await fixture('port');
    const [port1, port2] = [await freePort(), await freePort()];
    f.write({ port: port1 });
    expect((await f.run('up', '-d')).exitCode).toBe(0);
    await writeMarker(f, 'kept');
    const [before] = await containers(f);

    holder = createServer();
    await new Promise<void>((resolve) => holder!.listen(port2, '127.0.0.1', resolve));
    f.write({ tag: 'b', port: port2 });
    const failed = await f.run('up', '-d');
    expect(failed.exitCode).not.toBe(0);
    expect(failed.stderr).toContain(
      `${f.name}: recreate failed: port 127.0.0.1:${port2} is already in use; the previous container was kept and restarted`,
    );
    const after = await containers(f);
    expect(after).toEqual([{ name: f.name, id: before!.id, state: 'running' }]);
    expect(await markers(f)).toEqual(['kept', 'kept']);

    await new Promise<void>((resolve) => holder!.close(() => resolve()));
    holder = undefined;
    await expectConverges(f, 'kept', 'after the port was freed');
    const [now] = await containers(f);
    expect(now!.id).not.toBe(before!.id);
    const published = await docker(['port', f.name, '80']);
    expect(published.stdout).toContain(`127.0.0.1:${port2}`);
  });
});

describe('an interrupted recreate is settled by the next up', () => {
  const steps: { step: string; method: string; path: RegExp }[] = [
    { step: 'rename', method: 'POST', path: /^\/containers\/[^/]+\/rename$/ },
    { step: 'stop', method: 'POST', path: /^\/containers\/[^/]+\/stop$/ },
    { step: 'create', method: 'POST', path: /^\/containers\/create$/ },
    { step: 'start', method: 'POST', path: /^\/containers\/[^/]+\/start$/ },
    { step: 'remove', method: 'DELETE', path: /^\/containers\/[^/]+$/ },
  ];
  const faults: { label: string; rule: Partial<FaultRule> }[] = [
    { label: 'the connection dropped before the engine saw it', rule: { drop: 'before' } },
    { label: 'the connection dropped after the engine did it', rule: { drop: 'after' } },
    { label: 'the engine answered 500', rule: { respond: { status: 500, body: { message: 'injected failure' } } } },
  ];

  it('at each request of the protocol, each fault: a plain up -d converges with the data intact', async () => {
    // One project (and proxy) per kind of fault, side by side; in each, the five steps one after another.
    const lanes = await Promise.all(
      faults.map(async ({ label, rule }, lane) => {
        const f = await fixture(`faults${lane}`);
        expect((await f.run('up', '-d')).exitCode).toBe(0);
        await writeMarker(f, 'survivor');
        let injected = 0;
        for (const { step, method, path } of steps) {
          const context = `${step}: ${label}`;
          f.proxy.clear();
          const before = f.proxy.injected;
          f.proxy.fail({ method, path, times: 1, ...rule });
          const interrupted = await f.via('up', '-d', '--force-recreate');
          expect(f.proxy.injected - before, context).toBe(1);
          injected++;
          // A lost answer berth can settle by looking (the rename or the removal was done) is no failure.
          if (interrupted.exitCode !== 0)
            expect(interrupted.stderr, context).toMatch(/: recreate failed: |: recreated, but the previous container/);
          f.proxy.clear();
          await expectConverges(f, 'survivor', context);
        }
        return injected;
      }),
    );
    expect(lanes).toEqual([5, 5, 5]);
  });

  it('SIGKILL at random points of up -d --force-recreate: the next up -d converges every time', async () => {
    const seed = Number(process.env.BERTH_TEST_SEED ?? Date.now() % 100_000);
    // Two projects side by side, five kills or more each.
    const kills = await Promise.all(
      [0, 1].map(async (lane) => {
        const f = await fixture(`sigkill${lane}`);
        expect((await f.run('up', '-d')).exitCode).toBe(0);
        await writeMarker(f, 'unkillable');
        const random = lcg(seed + lane);
        let killed = 0;
        for (let i = 0; killed < 5 && i < 10; i++) {
          const { step, method, path } = steps[Math.floor(random() * steps.length)]!;
          const delayMs = Math.floor(random() * 60);
          const killAfterMs = Math.floor(random() * 120);
          const context = `seed ${seed}, lane ${lane}, iteration ${i}: SIGKILL ${killAfterMs} ms after the ${step} request (held ${delayMs} ms)`;
          f.proxy.clear();
          const child = execa('node', [BIN, '-p', f.project, 'up', '-d', '--force-recreate'], {
            cwd: f.dir,
            env: { DOCKER_HOST: f.proxy.dockerHost, CI: 'true' },
            reject: false,
          });
          f.proxy.fail({
            method,
            path,
            times: 1,
            delayMs,
            onMatch: () => void setTimeout(() => child.kill('SIGKILL'), killAfterMs),
          });
          const r = await child;
          if (r.signal === 'SIGKILL') killed++;
          f.proxy.clear();
          // What the engine was doing for the killed process settles first (a rename or a create is quick).
          await sleep(300);
          await expectConverges(f, 'unkillable', context);
        }
        return killed;
      }),
    );
    expect(kills.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(10);
  });
});

/** A small seeded random source, so that a failing run can be repeated (BERTH_TEST_SEED). */
function lcg(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}
