/**
 * The image flags that need a registry, against a real one (Debian's docker-registry, no auth, on a free
 * loopback port, started and stopped here): `push --include-deps`, `pull --policy` and
 * `--ignore-buildable`, `config --resolve-image-digests` and `--lock-image-digests`, `up --quiet-pull`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, docker, freePort, purgeProject } from '../../helpers/cli.js';
import { eventually } from '../../helpers/eventually.js';

const root = mkdtempSync(join(tmpdir(), 'berth-registry-flags-'));
const project = `e2e-regflags-${process.pid}`;
let registry: ChildProcess | undefined;
let host = '';
let app = '';
let web = '';

const run = (...args: string[]) => berth(['-p', project, ...args], { cwd: root });
const tags = async (repo: string): Promise<number> => (await fetch(`http://${host}/v2/${repo}/tags/list`)).status;
/** The events of a `--progress json` run, as `{id, status, text}`. */
const events = (stderr: string) =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { id: string; status: string; text: string; progress?: number });

beforeAll(async () => {
  const port = await freePort();
  host = `127.0.0.1:${port}`;
  writeFileSync(
    join(root, 'registry.yml'),
    [
      'version: 0.1',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(root, 'data')}`,
      'http:',
      `  addr: ${host}`,
      '',
    ].join('\n'),
  );
  registry = spawn('docker-registry', ['serve', join(root, 'registry.yml')], { stdio: 'ignore' });
  await eventually(async () => expect((await fetch(`http://${host}/v2/`)).status).toBe(200), { timeoutMs: 20_000 });
  app = `${host}/flags/app:1`;
  web = `${host}/flags/web:1`;
  for (const ref of [app, web]) expect((await docker(['tag', 'berth-local/busybox:latest', ref])).exitCode).toBe(0);
  writeFileSync(
    join(root, 'compose.yaml'),
    [
      'services:',
      '  app:',
      `    image: ${app}`,
      '    command: sleep 300',
      '  web:',
      `    image: ${web}`,
      '    command: sleep 300',
      '    depends_on: [app]',
      '  built:',
      `    image: ${host}/flags/built:1`,
      '    build: {context: ., dockerfile_inline: "FROM berth-local/busybox:latest"}',
      '    profiles: [never]',
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  await purgeProject(project);
  for (const ref of [app, web]) if (ref) await docker(['rmi', '-f', ref]);
  registry?.kill();
  rmSync(root, { recursive: true, force: true });
});

describe('push --include-deps', () => {
  it('pushes only the named service, then with --include-deps the services it depends on too', async () => {
    const one = await run('push', 'web');
    expect(one.exitCode, one.stderr).toBe(0);
    expect(await tags('flags/web')).toBe(200);
    expect(await tags('flags/app')).toBe(404);
    const deps = await run('push', '--include-deps', 'web');
    expect(deps.exitCode, deps.stderr).toBe(0);
    expect(await tags('flags/app')).toBe(200);
  });
});

describe('config --resolve-image-digests and --lock-image-digests', () => {
  it("pins each image to the registry's digest; the lock file sets the images alone", async () => {
    const digest = (await docker(['image', 'inspect', '-f', '{{range .RepoDigests}}{{.}} {{end}}', app])).stdout
      .split(' ')
      .find((d) => d.startsWith(`${host}/flags/app@`))!
      .split('@')[1]!;
    const resolved = await run('config', '--resolve-image-digests');
    expect(resolved.exitCode, resolved.stderr).toBe(0);
    expect(resolved.stdout).toContain(`image: ${app}@${digest}`);
    expect(resolved.stdout).toContain('command:');
    const lock = await run('config', '--lock-image-digests');
    expect(lock.exitCode, lock.stderr).toBe(0);
    expect(lock.stdout).toMatch(new RegExp(`^services:\\n  app:\\n    image: ${app}@${digest}\\n  web:\\n    image: `));
    expect(lock.stdout).not.toContain('command:');
  });

  it('an image no registry knows is an error naming it', async () => {
    const r = await berth(['-p', project, '--profile', 'never', 'config', '--resolve-image-digests'], { cwd: root });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`cannot resolve the digest of ${host}/flags/built:1 (service built)`);
  });
});

describe('pull --policy and --ignore-buildable', () => {
  it('--policy missing skips an image that is here, --policy always pulls it', async () => {
    const missing = await run('--progress', 'json', 'pull', '--policy', 'missing', 'app');
    expect(missing.exitCode, missing.stderr).toBe(0);
    expect(events(missing.stderr)).toContainEqual(
      expect.objectContaining({
        id: `image:${app}`,
        status: 'skipped',
        text: 'Skipped - Image is already present locally',
      }),
    );
    const always = await run('--progress', 'json', 'pull', '--policy', 'always', 'app');
    expect(always.exitCode, always.stderr).toBe(0);
    expect(events(always.stderr)).toContainEqual(expect.objectContaining({ id: `image:${app}`, status: 'done' }));
    const bad = await run('pull', '--policy', 'never');
    expect(bad.exitCode).toBe(2);
  });

  it('--ignore-buildable leaves out a service with build:', async () => {
    const r = await berth(
      ['-p', project, '--profile', 'never', '--progress', 'json', 'pull', '--ignore-buildable', 'built'],
      {
        cwd: root,
      },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(events(r.stderr)).toContainEqual(
      expect.objectContaining({
        id: `image:${host}/flags/built:1`,
        status: 'skipped',
        text: 'Skipped - Image can be built',
      }),
    );
  });
});

describe('up --quiet-pull', () => {
  // That a pull without the flag reports its progress is a unit test (test/unit/apply/quiet.test.ts): here the
  // image's layers are already on the engine, and the engine reports no download.
  it('pulls a missing image and says so, without progress events', async () => {
    expect((await docker(['rmi', app])).exitCode).toBe(0);
    const r = await run('--progress', 'json', 'up', '-d', '--quiet-pull', 'app');
    expect(r.exitCode, r.stderr).toBe(0);
    const pulls = events(r.stderr).filter((e) => e.id === `image:${app}`);
    expect(pulls).toContainEqual(expect.objectContaining({ status: 'done', text: 'Pulled' }));
    expect(pulls.filter((e) => e.progress !== undefined || /\d+%/.test(e.text))).toEqual([]);
  });
});
