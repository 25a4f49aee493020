/**
 * `berth stack` on a real two-node Docker Swarm (scripts/swarm.sh: two more engines in network
 * namespaces; the main engine never joins a swarm). Services are placed on the manager and the worker
 * by constraints and find each other by name over the overlay network (`endpoint_mode: dnsrr`: these
 * kernels lack the IPVS the VIP mode needs). What the docker CLI shows of the stacks is the proof that
 * berth named and labelled them as `docker stack deploy` does.
 */
import { execa } from 'execa';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, ROOT, type Run } from '../../helpers/cli.js';
import { eventually } from '../../helpers/eventually.js';

const MANAGER = 'unix:///tmp/berth-swarm/a/run/docker.sock';
const WORKER = 'unix:///tmp/berth-swarm/b/run/docker.sock';

async function on(host: string, args: string[]): Promise<Run> {
  const r = await execa('docker', ['-H', host, ...args], { reject: false });
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}
const manager = (...args: string[]): Promise<Run> => on(MANAGER, args);

const stacks: string[] = [];
beforeAll(async () => {
  await execa('bash', ['scripts/swarm.sh', 'up'], { cwd: ROOT, stdio: 'inherit' });
}, 180_000);
afterAll(async () => {
  for (const s of stacks) await manager('stack', 'rm', s);
  await execa('bash', ['scripts/swarm.sh', 'down'], { cwd: ROOT, stdio: 'inherit' });
}, 180_000);

/**
 * A stack folder; `write` replaces its compose.yaml, `deploy` runs `berth stack deploy` against the manager.
 * The image is one scripts/swarm.sh loaded into every node, in no registry: `--resolve-image never` says
 * the nodes have it (without it, an image only the manager holds is refused; see registry.test.ts).
 */
function fixture(what: string) {
  const stack = `e2e-${what}-${process.pid}`;
  stacks.push(stack);
  const dir = mkdtempSync(join(tmpdir(), `berth-swarm-${what}-`));
  return {
    stack,
    dir,
    write: (yaml: string, file = 'compose.yaml') => writeFileSync(join(dir, file), yaml),
    berth: (...args: string[]) => berth(args, { cwd: dir, env: { DOCKER_HOST: MANAGER } }),
    deploy: (...args: string[]) =>
      berth(['stack', 'deploy', '--resolve-image', 'never', ...args, stack], {
        cwd: dir,
        env: { DOCKER_HOST: MANAGER },
      }),
  };
}

/** The swarm's version of each service of a stack, by service name. */
async function versions(stack: string): Promise<Record<string, string>> {
  const ids = (await manager('service', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${stack}`)).stdout
    .split('\n')
    .filter(Boolean);
  if (ids.length === 0) return {};
  const r = await manager('service', 'inspect', '-f', '{{.Spec.Name}} {{.Version.Index}}', ...ids);
  return Object.fromEntries(r.stdout.split('\n').map((l) => l.split(' ') as [string, string]));
}

/** The id of the running container of a service's task on one node. */
async function taskContainer(host: string, service: string): Promise<string> {
  return eventually(
    async () => {
      const r = await on(host, ['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${service}`]);
      const id = r.stdout.split('\n').filter(Boolean)[0];
      expect(id, `a running task of ${service}`).toBeTruthy();
      return id!;
    },
    { timeoutMs: 30_000, intervalMs: 300 },
  );
}

const busybox = '    image: berth-local/busybox:latest\n    stop_grace_period: 1s\n';
const onNode = (role: string) =>
  `    deploy:\n      endpoint_mode: dnsrr\n      placement:\n        constraints: [node.role == ${role}]\n`;

/** web (httpd) on the worker, client on the manager with a secret and a config; FOO is web's variable. */
function twoServices(foo: string, client = true): string {
  return [
    'services:',
    '  web:',
    busybox +
      '    command: ["httpd", "-f", "-p", "8080"]\n' +
      `    environment:\n      FOO: "${foo}"\n` +
      onNode('worker'),
    ...(client
      ? [
          '  client:',
          busybox +
            '    command: ["sleep", "1d"]\n    container_name: fixed\n' +
            '    secrets: [token]\n    configs: [{source: conf, target: /etc/conf.txt}]\n' +
            onNode('manager'),
        ]
      : []),
    'secrets:',
    '  token:',
    '    file: ./token.txt',
    'configs:',
    '  conf:',
    '    file: ./conf.txt',
  ].join('\n');
}

describe('berth stack on a two-node swarm', () => {
  const f = fixture('sw');

  it('deploys services on both nodes that docker sees as a stack and that reach each other by name', async () => {
    f.write('s3cret-token', 'token.txt');
    f.write('configured', 'conf.txt');
    f.write(twoServices('1'));
    const r = await f.deploy('--detach=false');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('network ' + f.stack + '_default: create: missing');
    expect(r.stdout).toMatch(/\] web: create: missing/);
    // A key Swarm does not honour is named where the file writes it.
    expect(r.stderr).toMatch(/compose\.yaml:\d+:5: services\.client\.container_name: Swarm ignores it/);

    expect((await manager('stack', 'ls', '--format', '{{.Name}} {{.Services}}')).stdout).toContain(`${f.stack} 2`);
    const services = (await manager('stack', 'services', f.stack, '--format', '{{.Name}} {{.Replicas}}')).stdout;
    expect(services.split('\n').sort()).toEqual([`${f.stack}_client 1/1`, `${f.stack}_web 1/1`]);

    // berth's own views say the same.
    expect((await f.berth('stack', 'ls')).stdout).toMatch(new RegExp(`^${f.stack}\\s+2$`, 'm'));
    const mine = JSON.parse((await f.berth('stack', 'services', f.stack, '--format', 'json')).stdout) as {
      Name: string;
      Replicas: string;
    }[];
    expect(mine.map((s) => `${s.Name} ${s.Replicas}`)).toEqual([`${f.stack}_client 1/1`, `${f.stack}_web 1/1`]);
    const tasks = JSON.parse((await f.berth('stack', 'ps', f.stack, '--format', 'json')).stdout) as {
      Name: string;
      NodeID: string;
      CurrentState: string;
    }[];
    expect(tasks.map((t) => `${t.Name} ${t.CurrentState}`)).toEqual([
      `${f.stack}_client.1 running`,
      `${f.stack}_web.1 running`,
    ]);
    expect(new Set(tasks.map((t) => t.NodeID)).size).toBe(2);

    // web runs on the worker, client on the manager.
    await taskContainer(WORKER, `${f.stack}_web`);
    const client = await taskContainer(MANAGER, `${f.stack}_client`);
    const reply = await eventually(
      async () => {
        const r = await manager('exec', client, 'sh', '-c', 'printf "GET / HTTP/1.0\\r\\n\\r\\n" | nc web 8080');
        expect(r.stdout).toMatch(/^HTTP\/1\.[01] /);
        return r.stdout;
      },
      { timeoutMs: 20_000, intervalMs: 500 },
    );
    expect(reply).toContain('HTTP/1');
    expect((await manager('exec', client, 'cat', '/run/secrets/token')).stdout).toBe('s3cret-token');
    expect((await manager('exec', client, 'cat', '/etc/conf.txt')).stdout).toBe('configured');
  });

  it('a second deploy with no change updates nothing', async () => {
    const before = await versions(f.stack);
    const r = await f.deploy();
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.split('\n').sort()).toEqual(['client: up to date', 'web: up to date']);
    expect(r.stderr).toContain('up to date, nothing to change');
    expect(await versions(f.stack)).toEqual(before);
  });

  it('a secret whose file changed is refused before anything changes (Swarm cannot change one)', async () => {
    const before = await versions(f.stack);
    f.write('another-token', 'token.txt');
    const r = await f.deploy();
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`error: secret ${f.stack}_token changed, and Swarm cannot change a secret's content`);
    expect(await versions(f.stack)).toEqual(before);
    f.write('s3cret-token', 'token.txt');
  });

  it('--dry-run prints the update and changes nothing', async () => {
    const before = await versions(f.stack);
    f.write(twoServices('2'));
    const r = await f.deploy('--dry-run');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('#1 web: update: environment.FOO changed');
    expect(await versions(f.stack)).toEqual(before);
    const json = JSON.parse((await f.deploy('--dry-run', '--format', 'json')).stdout) as { operations: unknown[] };
    expect(json.operations).toEqual([
      { id: '#1', op: 'update-service', target: 'web', service: 'web', reason: 'environment.FOO changed', after: [] },
    ]);
    expect(await versions(f.stack)).toEqual(before);
  });

  it('a changed variable updates only that service, and says why', async () => {
    const before = await versions(f.stack);
    const r = await f.deploy('--detach=false');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('web: update: environment.FOO changed');
    expect(r.stdout).toContain('client: up to date');
    const after = await versions(f.stack);
    expect(after[`${f.stack}_client`]).toBe(before[`${f.stack}_client`]);
    expect(after[`${f.stack}_web`]).not.toBe(before[`${f.stack}_web`]);
    const env = await manager(
      'service',
      'inspect',
      '-f',
      '{{json .Spec.TaskTemplate.ContainerSpec.Env}}',
      `${f.stack}_web`,
    );
    expect(env.stdout).toBe('["FOO=2"]');
  });

  it('a service that mounts a secret and a config is updated with their ids', async () => {
    f.write(twoServices('2').replace('["sleep", "1d"]', '["sleep", "2d"]'));
    const r = await f.deploy();
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('#1 client: update: command changed');
    const args = await manager(
      'service',
      'inspect',
      '-f',
      '{{json .Spec.TaskTemplate.ContainerSpec.Args}}',
      `${f.stack}_client`,
    );
    expect(args.stdout).toBe('["sleep","2d"]');
  });

  it('a service that left the file stays without --prune and goes with it', async () => {
    f.write(twoServices('2', false));
    const kept = await f.deploy();
    expect(kept.exitCode, kept.stderr).toBe(0);
    expect(kept.stderr).toContain(`service ${f.stack}_client is not in the stack file: kept (--prune removes it)`);
    expect(Object.keys(await versions(f.stack)).sort()).toEqual([`${f.stack}_client`, `${f.stack}_web`]);
    const pruned = await f.deploy('--prune');
    expect(pruned.exitCode, pruned.stderr).toBe(0);
    expect(pruned.stdout).toContain('client: remove: not in the stack file (--prune)');
    expect(Object.keys(await versions(f.stack))).toEqual([`${f.stack}_web`]);
  });

  it('stack rm removes the services, networks, secrets and configs of the stack and nothing else', async () => {
    const other = fixture('keep');
    other.write(twoServices('1', false).replace(/secrets:[\s\S]*/, ''));
    expect((await manager('stack', 'deploy', '-c', join(other.dir, 'compose.yaml'), other.stack)).exitCode).toBe(0);

    const r = await f.berth('stack', 'rm', f.stack);
    expect(r.exitCode, r.stderr).toBe(0);
    const label = `label=com.docker.stack.namespace=${f.stack}`;
    await eventually(
      async () => {
        expect((await manager('service', 'ls', '-q', '--filter', label)).stdout).toBe('');
        expect((await manager('secret', 'ls', '-q', '--filter', label)).stdout).toBe('');
        expect((await manager('config', 'ls', '-q', '--filter', label)).stdout).toBe('');
        expect((await manager('network', 'ls', '-q', '--filter', label)).stdout).toBe('');
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(Object.keys(await versions(other.stack))).toEqual([`${other.stack}_web`]);
  });
});

describe('berth stack and docker stack deploy', () => {
  it('a stack docker deployed converges without an update', async () => {
    const f = fixture('dk');
    f.write('s3cret-token', 'token.txt');
    f.write('configured', 'conf.txt');
    f.write(twoServices('1'));
    const made = await manager('stack', 'deploy', '-c', join(f.dir, 'compose.yaml'), f.stack);
    expect(made.exitCode, made.stderr).toBe(0);
    const before = await versions(f.stack);
    const r = await f.deploy();
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.split('\n').sort()).toEqual(['client: up to date', 'web: up to date']);
    expect(await versions(f.stack)).toEqual(before);
  });
});

describe('failures', () => {
  it('an update whose new tasks fail their healthcheck rolls back, and deploy exits non-zero naming the service', async () => {
    const f = fixture('rb');
    const stack = (healthy: string) =>
      [
        'services:',
        '  app:',
        busybox + `    command: ["sh", "-c", "if [ $$HEALTHY = 1 ]; then touch /tmp/ok; fi; exec sleep 1d"]`,
        `    environment:\n      HEALTHY: "${healthy}"`,
        '    healthcheck:\n      test: ["CMD", "test", "-f", "/tmp/ok"]\n      interval: 1s\n      timeout: 1s\n      retries: 2',
        '    deploy:\n      update_config:\n        failure_action: rollback\n        monitor: 5s',
      ].join('\n');
    f.write(stack('1'));
    const first = await f.deploy('--detach=false');
    expect(first.exitCode, first.stderr).toBe(0);
    f.write(stack('0'));
    const r = await f.deploy('--detach=false', '--wait-timeout', '120');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/error: app: the update failed and was rolled back \(a new task failed: .*unhealthy/);
    const env = await manager(
      'service',
      'inspect',
      '-f',
      '{{json .Spec.TaskTemplate.ContainerSpec.Env}}',
      `${f.stack}_app`,
    );
    expect(env.stdout).toBe('["HEALTHY=1"]');
  });

  it('a service with nothing to pull, an undeclared secret, a missing secret file: refused before anything is created', async () => {
    const f = fixture('bad');
    const nothingCreated = async (): Promise<void> => {
      const label = `label=com.docker.stack.namespace=${f.stack}`;
      expect((await manager('network', 'ls', '-q', '--filter', label)).stdout).toBe('');
      expect(await versions(f.stack)).toEqual({});
    };
    f.write(['services:', '  app:', '    build: .', '  web:', busybox].join('\n'));
    const build = await f.deploy();
    expect(build.exitCode).toBe(1);
    expect(build.stderr).toMatch(/compose\.yaml:3:5: services\.app\.build: a swarm service needs an image/);
    await nothingCreated();

    f.write(['services:', '  web:', busybox + '    secrets: [nope]'].join('\n'));
    const undeclared = await f.deploy();
    expect(undeclared.exitCode).toBe(1);
    expect(undeclared.stderr).toMatch(
      /compose\.yaml:\d+:\d+: services\.web\.secrets\[0\]: .*"nope", which is not declared/,
    );
    await nothingCreated();

    f.write(
      ['services:', '  web:', busybox + '    secrets: [gone]', 'secrets:', '  gone:', '    file: ./gone.txt'].join(
        '\n',
      ),
    );
    const missing = await f.deploy();
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(
      /compose\.yaml:\d+:\d+: secrets\.gone\.file: file .*gone\.txt required by secret "gone" does not exist/,
    );
    await nothingCreated();
  });

  it('an engine that is not a swarm manager is named, with a hint', async () => {
    const f = fixture('worker');
    f.write(['services:', '  web:', busybox].join('\n'));
    const r = await berth(['stack', 'deploy', f.stack], { cwd: f.dir, env: { DOCKER_HOST: WORKER } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`error: the engine at ${WORKER}`);
    expect(r.stderr).toContain('is a swarm worker, not a manager');
    expect(r.stderr).toContain('hint: point DOCKER_HOST');
  });
});
