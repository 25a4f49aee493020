/**
 * Images on a real two-node swarm (scripts/swarm.sh) through real registries: Debian's docker-registry
 * run inside the manager's network namespace on 10.77.0.1, which both nodes trust as a plain-HTTP
 * registry, one open (:5000) and one with htpasswd credentials (:5001). A service the stack file builds
 * is refused without `--push`; with it, berth builds on the manager, pushes, pins the digest, and the
 * task on the worker runs the pulled image. A private image reaches the worker only with
 * `--with-registry-auth`; without it the task fails to pull, as `docker stack ps` shows.
 */
import { execa } from 'execa';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, ROOT, type Run } from '../../helpers/cli.js';
import { eventually } from '../../helpers/eventually.js';

const MANAGER = 'unix:///tmp/berth-swarm/a/run/docker.sock';
const WORKER = 'unix:///tmp/berth-swarm/b/run/docker.sock';
const NETNS = '/run/netns/berth-swa';
const OPEN = '10.77.0.1:5000';
const PRIVATE = '10.77.0.1:5001';
const USER = 'berth-e2e';
const PASSWORD = `pw-${process.pid}-Vb7q`;

const root = mkdtempSync(join(tmpdir(), 'berth-swarm-registry-'));
const registries: ChildProcess[] = [];
const stacks: string[] = [];

async function on(host: string, args: string[]): Promise<Run> {
  const r = await execa('docker', ['-H', host, ...args], { reject: false });
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}
const manager = (...args: string[]): Promise<Run> => on(MANAGER, args);
const worker = (...args: string[]): Promise<Run> => on(WORKER, args);

/** A docker-registry in the manager's namespace, listening on `addr`, with htpasswd credentials when given. */
async function startRegistry(name: string, addr: string, htpasswd?: string): Promise<void> {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const auth = htpasswd ? ['auth:', '  htpasswd:', '    realm: berth-e2e', `    path: ${join(dir, 'htpasswd')}`] : [];
  if (htpasswd) writeFileSync(join(dir, 'htpasswd'), `${htpasswd}\n`);
  const config = [
    'version: 0.1',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    'http:',
    `  addr: ${addr}`,
    ...auth,
    '',
  ];
  writeFileSync(join(dir, 'registry.yml'), config.join('\n'));
  // nsenter execs the registry itself: the child is the registry, and killing it stops it.
  registries.push(
    spawn('nsenter', [`--net=${NETNS}`, 'docker-registry', 'serve', join(dir, 'registry.yml')], { stdio: 'ignore' }),
  );
  const want = htpasswd ? '401' : '200';
  await eventually(
    async () => {
      const r = await execa(
        'nsenter',
        [`--net=${NETNS}`, 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', `http://${addr}/v2/`],
        { reject: false },
      );
      expect(r.stdout).toBe(want);
    },
    { timeoutMs: 20_000, intervalMs: 200 },
  );
}

/** A folder with a Docker config.json holding a login for the private registry (or none). */
function dockerConfig(name: string, password: string | undefined): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const auths =
    password === undefined ? {} : { [PRIVATE]: { auth: Buffer.from(`${USER}:${password}`).toString('base64') } };
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths }));
  return dir;
}

let withLogin = '';
let noLogin = '';

beforeAll(async () => {
  await execa('bash', ['scripts/swarm.sh', 'up'], { cwd: ROOT, stdio: 'inherit' });
  for (const node of [manager, worker]) {
    const info = await node('info');
    if (!info.stdout.includes('10.77.0.0/24'))
      throw new Error('the swarm nodes do not trust 10.77.0.0/24: run `bash scripts/swarm.sh down` and retry');
  }
  await startRegistry('open', OPEN);
  const htpasswd = await execa('htpasswd', ['-Bbn', USER, PASSWORD]);
  await startRegistry('private', PRIVATE, htpasswd.stdout.trim());
  withLogin = dockerConfig('with-login', PASSWORD);
  noLogin = dockerConfig('no-login', undefined);
}, 180_000);

afterAll(async () => {
  for (const s of stacks) await manager('stack', 'rm', s);
  for (const r of registries) r.kill();
  await execa('bash', ['scripts/swarm.sh', 'down'], { cwd: ROOT, stdio: 'inherit' });
  rmSync(root, { recursive: true, force: true });
}, 180_000);

/** A stack folder whose service `app` runs on the worker, built from a file `version` (or only named: `build` false). */
function fixture(what: string, registry: string) {
  const stack = `e2e-${what}-${process.pid}`;
  stacks.push(stack);
  const dir = mkdtempSync(join(root, `${what}-`));
  const image = `${registry}/${stack}/app:1`;
  const write = (version: string, build = true): void => {
    writeFileSync(join(dir, 'version'), version);
    const buildKeys = [
      '    build:',
      '      context: .',
      '      dockerfile_inline: |',
      '        FROM berth-local/busybox:latest',
      '        COPY version /version',
    ];
    writeFileSync(
      join(dir, 'compose.yaml'),
      [
        'services:',
        '  app:',
        `    image: ${image}`,
        ...(build ? buildKeys : []),
        '    command: ["sleep", "1d"]',
        '    stop_grace_period: 1s',
        '    deploy:',
        '      placement:',
        '        constraints: [node.role == worker]',
        '',
      ].join('\n'),
    );
  };
  const deploy = (config: string, ...args: string[]): Promise<Run> =>
    berth(['stack', 'deploy', ...args, stack], {
      cwd: dir,
      env: { DOCKER_HOST: MANAGER, DOCKER_CONFIG: config },
    });
  return { stack, dir, image, write, deploy };
}

/** Nothing of the stack exists on the swarm. */
async function nothingCreated(stack: string): Promise<void> {
  const label = `label=com.docker.stack.namespace=${stack}`;
  expect((await manager('service', 'ls', '-q', '--filter', label)).stdout).toBe('');
  expect((await manager('network', 'ls', '-q', '--filter', label)).stdout).toBe('');
}

/** The image the service's spec names (pinned: with its digest). */
async function specImage(service: string): Promise<string> {
  return (await manager('service', 'inspect', '-f', '{{.Spec.TaskTemplate.ContainerSpec.Image}}', service)).stdout;
}

/** `cat /version` in the running task of a service on the worker. */
async function versionOnWorker(service: string): Promise<string> {
  return eventually(
    async () => {
      const ps = await worker('ps', '-q', '--filter', `label=com.docker.swarm.service.name=${service}`);
      const id = ps.stdout.split('\n').filter(Boolean)[0];
      expect(id, `a running task of ${service} on the worker`).toBeTruthy();
      return (await worker('exec', id!, 'cat', '/version')).stdout;
    },
    { timeoutMs: 30_000, intervalMs: 300 },
  );
}

describe('images a swarm node cannot pull', () => {
  it('a service built from the stack file is refused without --push, before anything is created', async () => {
    const f = fixture('nopush', OPEN);
    f.write('v1');
    const r = await f.deploy(noLogin);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`compose\\.yaml:4:5: services\\.app\\.build: the image ${f.image} is built from the stack file`),
    );
    expect(r.stderr).toContain('hint: deploy with --push');
    await nothingCreated(f.stack);
  });

  it('an image only the manager has (built or loaded there) is refused at its image:, before anything is created', async () => {
    const f = fixture('local', OPEN);
    writeFileSync(
      join(f.dir, 'compose.yaml'),
      ['services:', '  app:', '    image: berth-local/busybox:latest', '    command: ["sleep", "1d"]', ''].join('\n'),
    );
    const r = await f.deploy(noLogin);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(
      /compose\.yaml:3:5: services\.app\.image: the image berth-local\/busybox:latest exists only on the manager/,
    );
    expect(r.stderr).toContain('--resolve-image never');
    await nothingCreated(f.stack);
  });
});

describe('stack deploy --push', () => {
  const f = fixture('push', OPEN);

  it('--dry-run --push says what it would build and push, and builds, pushes and creates nothing', async () => {
    f.write('v1');
    const r = await f.deploy(noLogin, '--push', '--dry-run');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain('warning: app: would be built (--push)');
    expect(r.stderr).toContain(`warning: image ${f.image}: would be pushed`);
    expect(r.stdout).toMatch(/\] app: create: missing/);
    expect((await manager('image', 'inspect', f.image)).exitCode).not.toBe(0);
    await nothingCreated(f.stack);
  });

  it('builds and pushes the image, pins its digest, and the task on the worker runs the pulled image', async () => {
    const r = await f.deploy(noLogin, '--push', '--detach=false', '--wait-timeout', '120');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\] app: create: missing/);
    const pinned = await specImage(`${f.stack}_app`);
    expect(pinned).toMatch(new RegExp(`^${f.image}@sha256:[0-9a-f]{64}$`));
    // The digest is the one the registry holds for what the manager built and pushed.
    const byDigest = `${f.image.replace(/:1$/, '')}@${pinned.split('@')[1]}`;
    const digests = (await manager('image', 'inspect', '-f', '{{json .RepoDigests}}', f.image)).stdout;
    expect(JSON.parse(digests)).toContain(byDigest);
    expect(await versionOnWorker(`${f.stack}_app`)).toBe('v1');
    // The worker pulled it from the registry: it holds the image under its digest.
    expect((await worker('image', 'inspect', byDigest)).exitCode).toBe(0);
  });

  it('a rebuilt image under the same tag is pushed again and the service updated to its new digest', async () => {
    const before = await specImage(`${f.stack}_app`);
    f.write('v2');
    const r = await f.deploy(noLogin, '--push', '--detach=false', '--wait-timeout', '120');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('app: update: image digest changed');
    const after = await specImage(`${f.stack}_app`);
    expect(after).not.toBe(before);
    expect(await versionOnWorker(`${f.stack}_app`)).toBe('v2');
  });
});

describe('a private registry and --with-registry-auth', () => {
  const f = fixture('auth', PRIVATE);

  it('--push without a login for the registry fails clearly, and nothing is created', async () => {
    f.write('private');
    const r = await f.deploy(noLogin, '--push');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`the registry ${PRIVATE} wants credentials and none are configured`);
    await nothingCreated(f.stack);
  });

  it('without --with-registry-auth the worker cannot pull the private image: its tasks fail', async () => {
    const r = await f.deploy(withLogin, '--push', '--detach=false', '--wait-timeout', '120');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/error: .*app.*No such image: 10\.77\.0\.1:5001\//);
    // What `docker stack ps` users see: the task rejected, the image missing on the worker.
    const ps = await manager('stack', 'ps', '--no-trunc', '--format', '{{.CurrentState}}|{{.Error}}', f.stack);
    expect(ps.stdout).toMatch(/^Rejected .*\|"?No such image: 10\.77\.0\.1:5001\//m);
    expect(`${r.stdout}${r.stderr}`).not.toContain(PASSWORD);
  });

  it('with --with-registry-auth the service gets the credentials and its task on the worker runs', async () => {
    // The image is in the registry now: the stack names it without building it.
    f.write('private', false);
    const r = await f.deploy(withLogin, '--with-registry-auth', '--detach=false', '--wait-timeout', '120');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('app: update: registry credentials (--with-registry-auth)');
    expect(`${r.stdout}${r.stderr}`).not.toContain(PASSWORD);
    expect(await specImage(`${f.stack}_app`)).toMatch(new RegExp(`^${f.image}@sha256:[0-9a-f]{64}$`));
    expect(await versionOnWorker(`${f.stack}_app`)).toBe('private');
  });
});
