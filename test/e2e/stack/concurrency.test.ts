/**
 * `down` finishes what it was asked whatever else happens to the project meanwhile, and two berths
 * working on one project end in a clean state: a container someone else removed (404) or is removing
 * (409) counts as removed, a network a foreign container still uses is left in place with a warning,
 * and concurrent `up`/`down` and `up`/`up` take turns (all up or all down, one network).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { lockDir, lockFileName } from '../../../src/apply/lock.js';
import { berth, BIN, containerIds, docker, purgeProject, type Run } from '../../helpers/cli.js';
import { eventually } from '../../helpers/eventually.js';
import { FaultProxy } from '../../helpers/fault-proxy.js';

const projects: string[] = [];
const strays: string[] = [];
let proxy: FaultProxy | undefined;
afterAll(async () => {
  await proxy?.close();
  if (strays.length > 0) await docker(['rm', '-f', ...strays]);
  for (const p of projects) await purgeProject(p);
});

const STACK = [
  'services:',
  '  db:',
  '    image: berth-local/busybox',
  '    init: true',
  '    command: sleep 300',
  '  web:',
  '    image: berth-local/busybox',
  '    init: true',
  '    command: sleep 300',
  '',
].join('\n');

function fixture(name: string) {
  const project = `e2e-${name}-${process.pid}`;
  projects.push(project);
  const dir = mkdtempSync(join(tmpdir(), `berth-${name}-`));
  writeFileSync(join(dir, 'compose.yaml'), STACK);
  return {
    project,
    dir,
    network: `${project}_default`,
    run: (...args: string[]) => berth(['-p', project, ...args], { cwd: dir }),
    viaProxy: (...args: string[]) =>
      berth(['-p', project, ...args], { cwd: dir, env: { DOCKER_HOST: proxy!.dockerHost } }),
  };
}

/** What a user would list: the project's containers with their state, and its networks. */
async function state(project: string): Promise<{ containers: string[]; networks: string[] }> {
  const label = `label=com.docker.compose.project=${project}`;
  const ps = await docker(['ps', '-a', '--filter', label, '--format', '{{.Names}} {{.State}}']);
  const nets = await docker(['network', 'ls', '--filter', label, '--format', '{{.Name}}']);
  return {
    containers: ps.stdout.split('\n').filter(Boolean).sort(),
    networks: nets.stdout.split('\n').filter(Boolean),
  };
}

const allUp = (p: string) => ({ containers: [`${p}-db-1 running`, `${p}-web-1 running`], networks: [`${p}_default`] });
const allDown = { containers: [], networks: [] };
const show = (r: Run) => `exit ${r.exitCode}\n${r.stderr}`;

describe('down meets what others did', () => {
  it('a container someone else removed (404 on its removal): down exits 0 and the network is gone', async () => {
    const f = fixture('gone404');
    expect((await f.run('up', '-d')).exitCode).toBe(0);
    const web = (await containerIds(f.project))[`${f.project}-web-1`]!;
    proxy ??= await FaultProxy.start();
    proxy.fail({
      method: 'DELETE',
      path: new RegExp(`^/containers/${web}[0-9a-f]*$`),
      times: 1,
      // Someone else removes it first; berth's own request then meets "No such container".
      onMatch: () => execFileSync('docker', ['rm', '-f', web], { stdio: 'ignore' }),
      respond: { status: 404, body: { message: `No such container: ${web}` } },
    });
    const r = await f.viaProxy('down');
    expect(r.exitCode, show(r)).toBe(0);
    expect(proxy.injected).toBe(1);
    expect(await state(f.project)).toEqual(allDown);
  });

  it('a container someone else is removing (409 "removal already in progress"): down waits for it, exits 0, the network is gone', async () => {
    const f = fixture('gone409');
    expect((await f.run('up', '-d')).exitCode).toBe(0);
    const web = (await containerIds(f.project))[`${f.project}-web-1`]!;
    proxy ??= await FaultProxy.start();
    proxy.clear();
    let removal: Promise<Run> | undefined;
    const deletes = () => proxy!.count('DELETE', new RegExp(`^/containers/${web}[0-9a-f]*$`));
    const before = deletes();
    proxy.fail({
      method: 'DELETE',
      path: new RegExp(`^/containers/${web}[0-9a-f]*$`),
      times: 1,
      // Another client's removal is under way when berth asks.
      onMatch: () => void (removal = docker(['rm', '-f', web])),
      respond: { status: 409, body: { message: `removal of container ${web} is already in progress` } },
    });
    // berth's first look at it comes once that removal has had time to finish.
    proxy.fail({ method: 'GET', path: new RegExp(`^/containers/${web}[0-9a-f]*/json$`), delayMs: 1500, times: 1 });
    const r = await f.viaProxy('down');
    expect(r.exitCode, show(r)).toBe(0);
    expect((await removal)?.exitCode).toBe(0);
    // It waited for the other removal instead of failing or removing again.
    expect(deletes() - before).toBe(1);
    expect(await state(f.project)).toEqual(allDown);
  });

  it('a network a foreign container still uses: down warns naming it, exits 0, removes the rest and leaves the foreign container alone', async () => {
    const f = fixture('foreign');
    expect((await f.run('up', '-d')).exitCode).toBe(0);
    const intruder = `${f.project}-intruder`;
    strays.push(intruder);
    const made = await docker([
      'run',
      '-d',
      '--init',
      '--name',
      intruder,
      '--network',
      f.network,
      'berth-local/busybox',
      'sleep',
      '300',
    ]);
    expect(made.exitCode, made.stderr).toBe(0);
    const id = made.stdout.trim();

    const r = await f.run('down');
    expect(r.exitCode, show(r)).toBe(0);
    expect(r.stderr).toContain(
      `network ${f.network} is still in use by container ${intruder} (not part of this project): left in place`,
    );
    expect((await state(f.project)).containers).toEqual([]);
    const still = await docker(['inspect', '-f', '{{.Id}} {{.State.Running}}', intruder]);
    expect(still.stdout).toBe(`${id} true`);
    expect((await docker(['network', 'inspect', '-f', '{{.Name}}', f.network])).stdout).toBe(f.network);

    // Once the foreign container is gone, down finishes the job.
    await docker(['rm', '-f', intruder]);
    expect((await f.run('down')).exitCode).toBe(0);
    expect(await state(f.project)).toEqual(allDown);
  });
});

describe('concurrent runs on one project', () => {
  it('up -d and down started together, 10 times: each time all up or all down, never a leaked network', async () => {
    const f = fixture('updown');
    for (let i = 0; i < 10; i++) {
      const [u, d] = await Promise.all([f.run('up', '-d'), f.run('down')]);
      expect(u.exitCode, `iteration ${i}: up ${show(u)}`).toBe(0);
      expect(d.exitCode, `iteration ${i}: down ${show(d)}`).toBe(0);
      const now = await state(f.project);
      const clean =
        JSON.stringify(now) === JSON.stringify(allUp(f.project))
          ? 'up'
          : JSON.stringify(now) === JSON.stringify(allDown)
            ? 'down'
            : undefined;
      expect(clean, `iteration ${i}: ${JSON.stringify(now)}`).toBeDefined();
    }
    expect((await f.run('down')).exitCode).toBe(0);
    expect(await state(f.project)).toEqual(allDown);
  });

  it('two up -d started together, 20 times or as many as fit in 35 s: both exit 0, one network, one container per service', async () => {
    const f = fixture('upup');
    const deadline = Date.now() + 35_000;
    let iterations = 0;
    let waited = 0;
    for (; iterations < 20 && Date.now() < deadline; iterations++) {
      const [a, b] = await Promise.all([f.run('up', '-d'), f.run('up', '-d')]);
      if (`${a.stderr}${b.stderr}`.includes(`waiting for another berth working on project ${f.project} (pid `))
        waited++;
      expect(a.exitCode, `iteration ${iterations}: first ${show(a)}`).toBe(0);
      expect(b.exitCode, `iteration ${iterations}: second ${show(b)}`).toBe(0);
      const nets = await docker(['network', 'ls', '--filter', `name=${f.network}`, '--format', '{{.Name}}']);
      expect(
        nets.stdout.split('\n').filter((n) => n === f.network),
        `iteration ${iterations}`,
      ).toHaveLength(1);
      expect(await state(f.project), `iteration ${iterations}`).toEqual(allUp(f.project));
      expect((await f.run('down')).exitCode).toBe(0);
    }
    expect(iterations).toBeGreaterThanOrEqual(5);
    // They took turns, and the one that waited said whom for.
    expect(waited).toBeGreaterThan(0);
  });

  it('two up -d that do not share a lock (one through another socket, as from two machines), 8 times: both exit 0, one network, one container per service', async () => {
    const f = fixture('nolock');
    proxy ??= await FaultProxy.start();
    proxy.clear();
    for (let i = 0; i < 8; i++) {
      // Each may create the network and the containers: the runtime converges them on one network, and
      // a container of the same service and number that the other made is adopted.
      const [a, b] = await Promise.all([f.run('up', '-d'), f.viaProxy('up', '-d')]);
      expect(a.exitCode, `iteration ${i}: direct ${show(a)}`).toBe(0);
      expect(b.exitCode, `iteration ${i}: through the proxy ${show(b)}`).toBe(0);
      expect(`${a.stderr}${b.stderr}`).not.toContain('waiting for another berth');
      const nets = await docker(['network', 'ls', '--filter', `name=${f.network}`, '--format', '{{.Name}}']);
      expect(
        nets.stdout.split('\n').filter((n) => n === f.network),
        `iteration ${i}`,
      ).toHaveLength(1);
      expect(await state(f.project), `iteration ${i}`).toEqual(allUp(f.project));
      expect((await f.run('down')).exitCode).toBe(0);
    }
  });

  it('a berth killed while it holds the lock does not block the next one', async () => {
    const f = fixture('stale');
    proxy ??= await FaultProxy.start();
    proxy.clear();
    const creates = () => proxy!.count('POST', /^\/containers\/create$/);
    const before = creates();
    // The first berth is held up at its first container create, lock in hand, and killed there.
    proxy.fail({ method: 'POST', path: /^\/containers\/create$/, delayMs: 3000, times: 1 });
    const first = execa('node', [BIN, '-p', f.project, 'up', '-d'], {
      cwd: f.dir,
      env: { DOCKER_HOST: proxy.dockerHost, CI: 'true' },
      reject: false,
    });
    await eventually(() => expect(creates()).toBeGreaterThan(before));
    const lock = join(
      lockDir(process.env, tmpdir(), process.getuid?.(), (p) => existsSync(p) && statSync(p).isDirectory()),
      lockFileName({ endpoint: `unix://${proxy.socketPath}`, project: f.project }),
    );
    expect(existsSync(lock)).toBe(true);
    first.kill('SIGKILL');
    await first;
    expect(existsSync(lock)).toBe(true); // left behind, naming a pid that is gone

    const next = await f.viaProxy('up', '-d');
    expect(next.exitCode, show(next)).toBe(0);
    expect(next.stderr).not.toContain('waiting for another berth');
    expect(await state(f.project)).toEqual(allUp(f.project));
    expect(existsSync(lock)).toBe(false);
    expect((await f.run('down')).exitCode).toBe(0);
  });
});
