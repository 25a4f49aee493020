/**
 * BuildKit, berth's default builder: a Dockerfile with `RUN --mount=type=cache` builds through
 * `up --build` and its container answers; the step is shown as CACHED the second time and the cache
 * mount outlives a rebuild of the step; `DOCKER_BUILDKIT=0` selects the classic builder, which refuses
 * such a Dockerfile (and build secrets); build secrets and an SSH agent reach the build through a
 * BuildKit session, secrets nowhere else; a build that needs a session service berth does not serve is
 * refused before anything is made.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { berth, BUILDER, containerIds, docker, freePort, httpGet, purgeProject } from '../../helpers/cli.js';
import { eventually } from '../../helpers/eventually.js';

const id = process.pid;
const project = `e2e-buildkit-${id}`;
const image = `${project}-web`;
const secretImage = `${project}-secrets-app`;
const keysImage = `${project}-keys-app`;
const sshImage = `${project}-ssh-app`;
let agentPid: string | undefined;
const root = mkdtempSync(join(tmpdir(), 'berth-buildkit-'));
afterAll(async () => {
  await purgeProject(project);
  await purgeProject(`${project}-session`);
  await docker(['rmi', '-f', image, secretImage, keysImage, sshImage]);
  if (agentPid) process.kill(Number(agentPid));
  rmSync(root, { recursive: true, force: true });
});

interface Event {
  id: string;
  status: string;
  text: string;
  detail?: string;
}

function events(stderr: string): Event[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Event);
}

/** The build lines of a `--progress json` run: each is a working event of the image, the line as its detail. */
function buildLines(stderr: string): string[] {
  return events(stderr)
    .filter((e) => e.id === `image:${image}` && e.status === 'working')
    .map((e) => e.detail ?? '');
}

/** A web service whose page is written by a RUN step that counts its runs in a cache mount. */
function writeStack(dir: string, port: number, stamp: string): void {
  writeFileSync(
    join(dir, 'Dockerfile'),
    [
      'FROM berth-local/busybox:latest',
      'ARG STAMP',
      `RUN --mount=type=cache,id=berth-e2e-${id},target=/cache \\`,
      '    n=$(cat /cache/runs 2>/dev/null || echo 0); n=$((n+1)); echo $n > /cache/runs; \\',
      '    mkdir -p /www && echo "runs:$n stamp:$STAMP" > /www/index.html',
      'CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'compose.yaml'),
    [
      'services:',
      '  web:',
      '    build:',
      '      context: .',
      '      args:',
      `        STAMP: "${stamp}"`,
      '    ports:',
      `      - "127.0.0.1:${port}:8080"`,
      '',
    ].join('\n'),
  );
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

const RUN_STEP = /^#\d+ \[(?:stage-0 )?2\/2\] RUN --mount=type=cache/;

describe.runIf(BUILDER === 'buildkit')('BuildKit builds', () => {
  it('up --build builds RUN --mount=type=cache, shows the step CACHED the second time, and the cache mount outlives a rebuild', async () => {
    const dir = join(root, 'cache-mount');
    mkdirSync(dir);
    const port = await freePort();
    const up = () => berth(['-p', project, '--progress', 'json', 'up', '-d', '--build'], { cwd: dir });
    const page = `http://127.0.0.1:${port}/`;

    writeStack(dir, port, 'one');
    const first = await up();
    expect(first.exitCode, first.stderr).toBe(0);
    await eventually(async () => expect((await httpGet(page)).body).toBe('runs:1 stamp:one\n'));
    // --progress json carries the steps: the RUN step by its name, then its time.
    const lines = buildLines(first.stderr);
    const step = lines.findIndex((l) => RUN_STEP.test(l));
    expect(step, lines.join('\n')).toBeGreaterThanOrEqual(0);
    const n = lines[step]!.split(' ')[0]!;
    expect(lines.slice(step + 1)).toContainEqual(expect.stringMatching(new RegExp(`^${n} DONE \\d+\\.\\ds$`)));
    const container = (await containerIds(project))[`${project}-web-1`];

    const second = await up();
    expect(second.exitCode, second.stderr).toBe(0);
    const again = buildLines(second.stderr);
    const cached = again.findIndex((l) => RUN_STEP.test(l));
    expect(again[cached + 1], again.join('\n')).toBe(`${again[cached]!.split(' ')[0]} CACHED`);
    // Same image: the container is kept.
    expect((await containerIds(project))[`${project}-web-1`]).toBe(container);

    // A new build arg runs the step again; the cache mount still holds the first run's count.
    writeStack(dir, port, 'two');
    const third = await up();
    expect(third.exitCode, third.stderr).toBe(0);
    await eventually(async () => expect((await httpGet(page)).body).toBe('runs:2 stamp:two\n'));
  });
});

describe.runIf(BUILDER === 'buildkit')('BuildKit build keys', () => {
  it('builds the target stage with build args, labels, extra_hosts and cache_from; shm_size is said not to apply', async () => {
    const dir = join(root, 'keys');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'Dockerfile'),
      [
        'FROM berth-local/busybox:latest AS base',
        'ARG GREETING',
        'RUN echo "base $GREETING" > /stage && grep -w db /etc/hosts > /hosts',
        'FROM base AS runtime',
        'RUN echo runtime > /stage',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'compose.yaml'),
      [
        'services:',
        '  app:',
        `    image: ${keysImage}`,
        '    build:',
        '      context: .',
        '      target: base',
        '      args: { GREETING: hello }',
        '      labels: { dev.berth.e2e: buildkit }',
        '      extra_hosts: ["db=10.0.0.2"]',
        `      cache_from: ["${keysImage}"]`,
        '      shm_size: 128m',
        '',
      ].join('\n'),
    );
    const r = await berth(['-p', `${project}-keys`, '--progress', 'plain', 'build'], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
    expect((await docker(['run', '--rm', keysImage, 'cat', '/stage', '/hosts'])).stdout).toBe(
      'base hello\n10.0.0.2\tdb',
    );
    expect(
      (await docker(['image', 'inspect', '-f', '{{index .Config.Labels "dev.berth.e2e"}}', keysImage])).stdout,
    ).toBe('buildkit');
    expect(r.stderr).toContain('warning: build.shm_size is not applied by the BuildKit of this engine (API 1.41)');
  });
});

describe.runIf(BUILDER === 'buildkit')('BuildKit build secrets', () => {
  it('serves build.secrets from a file and from the environment through a session, and they stay out of the image and the output', async () => {
    const dir = join(root, 'secrets');
    mkdirSync(dir);
    const fileSecret = `file-secret-${id}`;
    const envSecret = `env-secret-${id}`;
    writeFileSync(join(dir, 'token.txt'), fileSecret);
    writeFileSync(
      join(dir, 'compose.yaml'),
      [
        'services:',
        '  app:',
        `    image: ${secretImage}`,
        '    build:',
        '      context: .',
        '      dockerfile_inline: |',
        '        FROM berth-local/busybox:latest',
        '        RUN --mount=type=secret,id=token,required=true --mount=type=secret,id=api_key,required=true \\',
        // BuildKit's cache key leaves secrets out: the run's id keeps an earlier run's step from being reused.
        `            echo ${id} > /run-id && sha256sum /run/secrets/token /run/secrets/api_key | cut -d" " -f1 > /digests`,
        '      secrets:',
        '        - token',
        '        - source: apikey',
        '          target: api_key',
        'secrets:',
        '  token:',
        '    file: ./token.txt',
        '  apikey:',
        '    environment: BERTH_E2E_API_KEY',
        '',
      ].join('\n'),
    );
    const r = await berth(['-p', `${project}-secrets`, '--progress', 'plain', 'build'], {
      cwd: dir,
      env: { BERTH_E2E_API_KEY: envSecret },
    });
    expect(r.exitCode, r.stderr).toBe(0);
    const digests = await docker(['run', '--rm', secretImage, 'cat', '/digests']);
    expect(digests.stdout.split('\n')).toEqual([sha256(fileSecret), sha256(envSecret)]);
    // The values went to the engine's request for them only: not in the image, not in berth's output.
    const mounted = await docker(['run', '--rm', secretImage, 'sh', '-c', 'ls /run/secrets 2>/dev/null | wc -l']);
    expect(mounted.stdout).toBe('0');
    expect(r.stdout + r.stderr).not.toContain(fileSecret);
    expect(r.stdout + r.stderr).not.toContain(envSecret);

    // Without the variable the build is refused, naming the secret and the variable, never built without it.
    const missing = await berth(['-p', `${project}-secrets`, 'build', '--no-cache'], { cwd: dir });
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain(
      'error: service "app": build secret "apikey" reads the variable BERTH_E2E_API_KEY, which is not set',
    );
  });
});

describe.runIf(BUILDER === 'buildkit')('BuildKit SSH agent forwarding', () => {
  it('forwards the agent of SSH_AUTH_SOCK to RUN --mount=type=ssh; a build.ssh without a socket is refused', async () => {
    const dir = join(root, 'ssh');
    mkdirSync(join(dir, 'ctx'), { recursive: true });
    const sock = join(dir, 'agent.sock');
    const agent = await execa('ssh-agent', ['-a', sock, '-s']);
    agentPid = /SSH_AGENT_PID=(\d+)/.exec(agent.stdout)?.[1];
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `berth-e2e-${id}`, '-f', join(dir, 'key')]);
    await execa('ssh-add', ['-q', join(dir, 'key')], { env: { SSH_AUTH_SOCK: sock } });
    // ssh-add and the libraries it loads, from the host, make the step's agent client.
    const libs = (await execa('ldd', ['/usr/bin/ssh-add'])).stdout.match(/\/\S+/g) ?? [];
    for (const f of ['/usr/bin/ssh-add', ...libs]) {
      mkdirSync(join(dir, 'ctx', dirname(f)), { recursive: true });
      copyFileSync(f, join(dir, 'ctx', f));
    }
    const tops = [...new Set(['/usr/bin/ssh-add', ...libs].map((f) => f.split('/')[1]!))];
    writeFileSync(
      join(dir, 'ctx/Dockerfile'),
      [
        'FROM berth-local/busybox:latest',
        ...tops.map((t) => `COPY ${t} /${t}`),
        `RUN --mount=type=ssh echo ${id} > /run-id && ssh-add -l > /keys`,
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'compose.yaml'),
      `services:\n  app:\n    image: ${sshImage}\n    build:\n      context: ./ctx\n      ssh: [default]\n`,
    );
    const r = await berth(['-p', `${project}-ssh`, 'build'], { cwd: dir, env: { SSH_AUTH_SOCK: sock } });
    expect(r.exitCode, r.stderr).toBe(0);
    const keys = await docker(['run', '--rm', sshImage, 'cat', '/keys']);
    expect(keys.stdout).toContain(`berth-e2e-${id} (ED25519)`);

    writeFileSync(
      join(dir, 'compose.yaml'),
      `services:\n  app:\n    image: ${sshImage}\n    build:\n      context: ./ctx\n      ssh: ["deploy=./key"]\n`,
    );
    const keyFile = await berth(['-p', `${project}-ssh`, 'build', '--no-cache'], { cwd: dir });
    expect(keyFile.exitCode).toBe(1);
    expect(keyFile.stderr).toContain(
      `error: service "app": build.ssh "deploy": ${join(dir, 'key')} is not an SSH agent's socket; berth forwards an agent, not a key file`,
    );
  });
});

describe('the builder', () => {
  it('DOCKER_BUILDKIT=0 builds with the classic builder, which refuses RUN --mount and names the step', async () => {
    const dir = join(root, 'classic');
    mkdirSync(dir);
    writeStack(dir, await freePort(), 'classic');
    const r = await berth(['-p', project, 'build'], { cwd: dir, env: { DOCKER_BUILDKIT: '0' } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('error: build of service "web" failed at step 3/4 (RUN --mount=type=cache');
    expect(r.stderr).toContain('the --mount option requires BuildKit');
  });

  it('DOCKER_BUILDKIT=0 refuses build secrets rather than building without them', async () => {
    const dir = join(root, 'classic-secrets');
    mkdirSync(dir);
    writeFileSync(join(dir, 'token.txt'), 'x');
    writeFileSync(
      join(dir, 'compose.yaml'),
      'services:\n  app:\n    build:\n      context: .\n      dockerfile_inline: FROM berth-local/busybox:latest\n      secrets: [token]\nsecrets:\n  token:\n    file: ./token.txt\n',
    );
    const r = await berth(['-p', `${project}-classic`, 'build'], { cwd: dir, env: { DOCKER_BUILDKIT: '0' } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(
      'error: service "app" cannot be built with the classic builder: build.secrets needs BuildKit',
    );
  });

  it('refuses a build that needs a session service berth does not serve, naming each key at its line, before anything is made', async () => {
    const dir = join(root, 'session');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'compose.yaml'),
      [
        'services:',
        '  plain:',
        '    image: berth-local/busybox:latest',
        '    command: sleep 300',
        '  app:',
        '    build:',
        '      context: .',
        '      dockerfile_inline: |',
        '        FROM berth-local/busybox:latest',
        '        RUN true',
        '      additional_contexts:',
        '        other: ../other',
        '',
      ].join('\n'),
    );
    const r = await berth(['-p', `${project}-session`, 'up', '-d'], { cwd: dir });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(
      'error: service "app" cannot be built: build.additional_contexts needs a BuildKit session service berth does not serve',
    );
    expect(r.stderr).toContain(`${join(dir, 'compose.yaml')}:11:7: services.app.build.additional_contexts:`);
    // Nothing was made: not the other service's container, not the network.
    expect(await containerIds(`${project}-session`)).toEqual({});
    const nets = await docker([
      'network',
      'ls',
      '-q',
      '--filter',
      `label=com.docker.compose.project=${project}-session`,
    ]);
    expect(nets.stdout).toBe('');
  });
});
