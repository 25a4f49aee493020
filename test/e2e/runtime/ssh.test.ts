/**
 * An engine behind ssh, as Docker Compose users reach a server: `DOCKER_HOST=ssh://user@host:port` and a
 * docker context whose endpoint is ssh. A real sshd on loopback (test/helpers/sshd.ts) with a key made
 * for the test; the remote `docker system dial-stdio` is this machine's docker CLI, so what berth does
 * over ssh shows on the local engine. Every kind of engine call goes through ssh here: plain requests
 * (up, ps, down), a streamed body (logs), a hijacked connection (exec), an archive (cp) and a build.
 */
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, containerStates, docker, freePort, httpGet, purgeProject, ROOT } from '../../helpers/cli.js';
import { startSshd, type Sshd } from '../../helpers/sshd.js';

const project = `e2e-ssh-${process.pid}`;
const viaContext = `e2e-sshctx-${process.pid}`;
const built = `e2e-sshbuild-${process.pid}`;
const stack = `${ROOT}test/e2e/runtime/fixtures/remote/compose.yaml`;
const buildStack = `${ROOT}test/e2e/runtime/fixtures/ssh-build/compose.yaml`;
const work = mkdtempSync(join(tmpdir(), 'berth-ssh-e2e-'));
let sshd: Sshd;
let host = '';

/** berth with DOCKER_HOST (or other engine settings) and the test's ssh first on PATH. */
function overSsh(args: string[], env: Record<string, string> = { DOCKER_HOST: host }) {
  return berth(args, { env: { ...sshd.env, ...env } });
}

beforeAll(async () => {
  sshd = await startSshd();
  host = `ssh://root@127.0.0.1:${sshd.port}`;
  await Promise.all([purgeProject(project), purgeProject(viaContext), purgeProject(built)]);
}, 60_000);

afterAll(async () => {
  await Promise.all([purgeProject(project), purgeProject(viaContext), purgeProject(built)]);
  await docker(['image', 'rm', '-f', `${built}-built`]);
  await sshd?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('DOCKER_HOST=ssh://', () => {
  it('up -d, ps, logs, exec, cp and down reach the engine through ssh', async () => {
    const up = await overSsh(['-f', stack, '-p', project, 'up', '-d']);
    expect(up.stderr).not.toMatch(/error/i);
    expect(up.exitCode).toBe(0);
    expect(await containerStates(project)).toEqual({
      [`${project}-web-1`]: 'running',
      [`${project}-worker-1`]: 'running',
    });

    const ps = await overSsh(['-f', stack, '-p', project, 'ps', '--format', 'json']);
    expect(ps.exitCode).toBe(0);
    const rows = ps.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { Service: string; State: string });
    expect(rows.map((r) => `${r.Service} ${r.State}`).sort()).toEqual(['web running', 'worker running']);

    const logs = await overSsh(['-f', stack, '-p', project, 'logs', '--no-log-prefix']);
    expect(logs.exitCode).toBe(0);
    expect(logs.stdout.split('\n').sort()).toEqual(expect.arrayContaining(['web ready', 'worker ready']));

    const exec = await overSsh(['-f', stack, '-p', project, 'exec', '-T', 'web', 'cat', '/www/index.html']);
    expect(exec.stdout).toBe('hello from web');
    expect(exec.exitCode).toBe(0);
    // stdin through ssh, and its end: `wc` answers only once the input is closed.
    const counted = await berth(['-f', stack, '-p', project, 'exec', '-T', 'web', 'sh', '-c', 'cat | wc -l'], {
      env: { ...sshd.env, DOCKER_HOST: host },
      input: 'one\ntwo\n',
    });
    expect(counted.stdout.trim()).toBe('2');

    const copied = join(work, 'index.html');
    const cp = await overSsh(['-f', stack, '-p', project, 'cp', 'web:/www/index.html', copied]);
    expect(cp.exitCode).toBe(0);
    expect(readFileSync(copied, 'utf8')).toBe('hello from web\n');

    const down = await overSsh(['-f', stack, '-p', project, 'down', '-v', '-t', '1']);
    expect(down.exitCode).toBe(0);
    expect(await containerStates(project)).toEqual({});
    expect((await docker(['volume', 'ls', '-q', '--filter', `name=${project}_site`])).stdout).toBe('');
  }, 180_000);

  it('builds an image from a context sent through ssh and runs it', async () => {
    const up = await overSsh(['-f', buildStack, '-p', built, 'up', '-d', '--build']);
    expect(up.exitCode).toBe(0);
    const exec = await overSsh(['-f', buildStack, '-p', built, 'exec', '-T', 'built', 'cat', '/message.txt']);
    expect(exec.stdout).toBe('built over ssh');
    const down = await overSsh(['-f', buildStack, '-p', built, 'down', '-t', '1']);
    expect(down.exitCode).toBe(0);
  }, 180_000);
});

describe('a docker context whose endpoint is ssh', () => {
  it('brings the hello sample up with DOCKER_CONTEXT, and down with --context (over DOCKER_HOST)', async () => {
    const dockerConfig = join(work, 'docker-config');
    const created = await execa('docker', ['context', 'create', 'remote', '--docker', `host=${host}`], {
      env: { DOCKER_CONFIG: dockerConfig },
      reject: false,
    });
    expect(created.exitCode, created.stderr).toBe(0);

    const port = await freePort();
    const hello = ['-f', `${ROOT}samples/hello/compose.yaml`, '-p', viaContext];
    const env = { DOCKER_CONFIG: dockerConfig, DOCKER_CONTEXT: 'remote', HELLO_PORT: String(port) };
    const up = await overSsh([...hello, 'up', '-d', '--wait'], env);
    expect(up.exitCode, up.stderr).toBe(0);
    expect(await containerStates(viaContext)).toEqual({
      [`${viaContext}-web-1`]: 'running',
      [`${viaContext}-client-1`]: 'running',
      [`${viaContext}-clock-1`]: 'running',
    });
    expect(await httpGet(`http://127.0.0.1:${port}/`)).toEqual({ status: 200, body: 'hello from berth\n' });

    // --context wins over a DOCKER_HOST that points nowhere, as the docker CLI's flag does.
    const nowhere = { DOCKER_CONFIG: dockerConfig, DOCKER_HOST: 'unix:///nonexistent.sock', HELLO_PORT: String(port) };
    const down = await overSsh(['--context', 'remote', ...hello, 'down', '-v', '-t', '1'], nowhere);
    expect(down.stderr).not.toMatch(/nonexistent/);
    expect(down.exitCode).toBe(0);
    expect(await containerStates(viaContext)).toEqual({});
  }, 240_000);
});

describe('when ssh or the remote docker fails', () => {
  /** One line on stderr, `error: <what>`, and a hint; never a stack trace. */
  function expectOneClearLine(stderr: string, line: RegExp): void {
    const errors = stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(line);
    expect(stderr).not.toMatch(/^\s+at /m);
  }

  it('a refused connection quotes ssh', async () => {
    const port = await freePort();
    const r = await overSsh(['-f', stack, '-p', project, 'ps'], { DOCKER_HOST: `ssh://root@127.0.0.1:${port}` });
    expect(r.exitCode).toBe(1);
    expectOneClearLine(
      r.stderr,
      new RegExp(
        `^error: cannot reach the Docker Engine at ssh://root@127\\.0\\.0\\.1:${port}: ` +
          `ssh: connect to host 127\\.0\\.0\\.1 port ${port}: Connection refused$`,
      ),
    );
    expect(r.stderr).toContain(`hint: check that \`ssh -p ${port} root@127.0.0.1 docker version\` works`);
  });

  it('a host without docker says so', async () => {
    const r = await overSsh(['-f', stack, '-p', project, 'ps'], { DOCKER_HOST: 'ssh://nodocker' });
    expect(r.exitCode).toBe(1);
    expectOneClearLine(r.stderr, /^error: cannot reach the Docker Engine at ssh:\/\/nodocker: .*docker: .*not found$/);
    expect(r.stderr).toContain('install the docker CLI');
  });

  it('a host whose key does not match known_hosts is refused by ssh, and berth says so', async () => {
    const r = await overSsh(['-f', stack, '-p', project, 'ps'], { DOCKER_HOST: 'ssh://wrongkey' });
    expect(r.exitCode).toBe(1);
    expectOneClearLine(
      r.stderr,
      /^error: cannot reach the Docker Engine at ssh:\/\/wrongkey: Host key verification failed\.$/,
    );
  });
});
