/**
 * Images through a real registry with credentials (Debian's docker-registry with htpasswd auth, on a
 * free loopback port, started and stopped here): push, pull with the login from a test Docker config,
 * a clear error without the secret for a wrong login, and `up --pull always` redeploying exactly the
 * services whose image changed in the registry, their named-volume data intact.
 */
import { execa } from 'execa';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, containerIds, docker, freePort, purgeProject } from '../../helpers/cli.js';
import { eventually } from '../../helpers/eventually.js';

const USER = 'berth-e2e';
const PASSWORD = `pw-${process.pid}-Zq8x`;
const WRONG = `wrong-${process.pid}-Kt3m`;
const root = mkdtempSync(join(tmpdir(), 'berth-registry-auth-'));
const publisher = `e2e-publish-${process.pid}`;
const deploy = `e2e-redeploy-${process.pid}`;
let registry: ChildProcess | undefined;
let ref = '';
/** Another image in the registry that does not change. */
let otherRef = '';

/** A folder holding a Docker config.json with this login for the registry. */
function dockerConfig(name: string, host: string, password: string | undefined): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const auths =
    password === undefined ? {} : { [host]: { auth: Buffer.from(`${USER}:${password}`).toString('base64') } };
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths }));
  return dir;
}

function writeStack(dir: string, yaml: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'compose.yaml'), yaml);
}

let good = '';
let wrong = '';
let none = '';

beforeAll(async () => {
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const htpasswd = await execa('htpasswd', ['-Bbn', USER, PASSWORD]);
  writeFileSync(join(root, 'htpasswd'), `${htpasswd.stdout.trim()}\n`);
  writeFileSync(
    join(root, 'registry.yml'),
    [
      'version: 0.1',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(root, 'data')}`,
      'http:',
      `  addr: ${host}`,
      'auth:',
      '  htpasswd:',
      '    realm: berth-e2e',
      `    path: ${join(root, 'htpasswd')}`,
      '',
    ].join('\n'),
  );
  registry = spawn('docker-registry', ['serve', join(root, 'registry.yml')], { stdio: 'ignore' });
  await eventually(async () => expect((await fetch(`http://${host}/v2/`)).status).toBe(401), { timeoutMs: 20_000 });
  ref = `${host}/berth-e2e/app:1`;
  otherRef = `${host}/berth-e2e/other:1`;
  good = dockerConfig('good', host, PASSWORD);
  wrong = dockerConfig('wrong', host, WRONG);
  none = dockerConfig('none', host, undefined);
});

afterAll(async () => {
  await purgeProject(deploy);
  await purgeProject(publisher);
  if (ref) {
    // By id: a pushed image keeps its digest reference after its tag is gone.
    const host = ref.slice(0, ref.indexOf('/'));
    const ids = (await docker(['images', '-q', '--filter', `reference=${host}/berth-e2e/*`])).stdout
      .split('\n')
      .filter(Boolean);
    if (ids.length > 0) await docker(['rmi', '-f', ...new Set(ids)]);
  }
  registry?.kill();
  rmSync(root, { recursive: true, force: true });
});

const publisherStack = (version: string): string =>
  [
    'services:',
    '  app:',
    `    image: ${ref}`,
    '    build:',
    '      context: .',
    '      dockerfile_inline: |',
    '        FROM berth-local/busybox:latest',
    `        RUN echo ${version} > /version`,
    '  other:',
    `    image: ${otherRef}`,
    '    build:',
    '      context: .',
    '      dockerfile_inline: |',
    '        FROM berth-local/busybox:latest',
    '        RUN echo other > /version',
    '',
  ].join('\n');

describe('registry with credentials', () => {
  it('pushes, and pulls back with the login from DOCKER_CONFIG; a wrong login fails clearly without showing the secret', async () => {
    const dir = join(root, 'publisher');
    writeStack(dir, publisherStack('v1'));
    const run = (config: string, ...args: string[]) =>
      berth(['-p', publisher, ...args], { cwd: dir, env: { DOCKER_CONFIG: config } });

    expect((await run(good, 'build')).exitCode).toBe(0);
    const anonymous = await run(none, 'push');
    expect(anonymous.exitCode).toBe(1);
    expect(anonymous.stderr).toContain('wants credentials and none are configured');

    const pushed = await run(good, 'push');
    expect(pushed.exitCode, pushed.stderr).toBe(0);
    expect((await docker(['rmi', ref])).exitCode).toBe(0);

    const refused = await run(wrong, 'pull', 'app');
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain(`refused the credentials of user "${USER}"`);
    expect(refused.stderr).toContain(join(wrong, 'config.json'));
    expect(`${refused.stdout}${refused.stderr}`).not.toContain(WRONG);
    expect((await docker(['image', 'inspect', ref])).exitCode).not.toBe(0);

    const pulled = await run(good, 'pull', 'app');
    expect(pulled.exitCode, pulled.stderr).toBe(0);
    expect(`${pulled.stdout}${pulled.stderr}`).not.toContain(PASSWORD);
    expect((await docker(['run', '--rm', ref, 'cat', '/version'])).stdout).toBe('v1');
  });

  it('up --pull always redeploys exactly the services using an image updated in the registry, keeping their volume data', async () => {
    const dir = join(root, 'deploy');
    writeStack(
      dir,
      [
        'services:',
        '  a:',
        `    image: ${ref}`,
        '    init: true',
        '    command: sleep 300',
        '    volumes: [data:/data]',
        '  b:',
        `    image: ${ref}`,
        '    init: true',
        '    command: sleep 300',
        '  c:',
        `    image: ${otherRef}`,
        '    init: true',
        '    command: sleep 300',
        'volumes:',
        '  data:',
        '',
      ].join('\n'),
    );
    const run = (...args: string[]) => berth(['-p', deploy, ...args], { cwd: dir, env: { DOCKER_CONFIG: good } });
    const up = await run('up', '-d');
    expect(up.exitCode, up.stderr).toBe(0);
    expect((await docker(['exec', `${deploy}-a-1`, 'sh', '-c', 'echo keep-me > /data/file'])).exitCode).toBe(0);
    const before = await containerIds(deploy);

    // Someone publishes v2 under the same tag; this machine still has v1 under that name.
    const v1 = (await docker(['image', 'inspect', '-f', '{{.Id}}', ref])).stdout;
    const pubDir = join(root, 'publisher');
    writeStack(pubDir, publisherStack('v2'));
    const publish = async (...args: string[]) =>
      berth(['-p', publisher, ...args], { cwd: pubDir, env: { DOCKER_CONFIG: good } });
    expect((await publish('build')).exitCode).toBe(0);
    expect((await publish('push')).exitCode).toBe(0);
    expect((await docker(['tag', v1, ref])).exitCode).toBe(0);

    const unchanged = await run('up', '-d');
    expect(unchanged.exitCode).toBe(0);
    expect(await containerIds(deploy)).toEqual(before);

    const plan = await run('up', '-d', '--pull', 'always', '--dry-run');
    expect(plan.stdout).toContain(`image ${ref}: pull: --pull always`);
    expect(plan.stdout).toContain(`${deploy}-a-1: check: recreate if image ${ref} changes`);

    const redeploy = await run('up', '-d', '--pull', 'always');
    expect(redeploy.exitCode, redeploy.stderr).toBe(0);
    expect(redeploy.stderr).toMatch(new RegExp(`${deploy}-a-1\\s+Recreating\\s+image [0-9a-f]{12}→[0-9a-f]{12}`));
    const after = await containerIds(deploy);
    expect(after[`${deploy}-a-1`]).not.toBe(before[`${deploy}-a-1`]);
    expect(after[`${deploy}-b-1`]).not.toBe(before[`${deploy}-b-1`]);
    expect(after[`${deploy}-c-1`]).toBe(before[`${deploy}-c-1`]);
    expect((await docker(['exec', `${deploy}-a-1`, 'cat', '/version'])).stdout).toBe('v2');
    expect((await docker(['exec', `${deploy}-b-1`, 'cat', '/version'])).stdout).toBe('v2');
    expect((await docker(['exec', `${deploy}-a-1`, 'cat', '/data/file'])).stdout).toBe('keep-me');
    expect((await docker(['exec', `${deploy}-c-1`, 'cat', '/version'])).stdout).toBe('other');
    await docker(['rmi', '-f', v1]);
  });
});
