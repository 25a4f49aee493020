/**
 * Secrets and configs as Docker Compose delivers them outside Swarm, seen from inside the container the
 * real engine made: a secret from the environment and a config from `content` are files with their
 * content, owner and mode; one from a file is a read-only bind mount. `run` gets them too. A secret
 * whose variable is unset stops `up` at its file:line before any container exists, and no value shows
 * in `config`, in labels or in the container's environment.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, docker, purgeProject, shIn } from '../../helpers/cli.js';

const project = `e2e-secrets-${process.pid}`;
const failing = `e2e-secrets-unset-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'berth-secrets-'));
const TOKEN = `token-${process.pid}-9f2c`;
const env = { TOKEN, WHO: 'world' };
const run = (...args: string[]) => berth(['-p', project, ...args], { cwd: dir, env });

const STACK = `services:
  app:
    image: berth-local/busybox
    init: true
    command: ["sleep", "300"]
    secrets:
      - source: token
        mode: 0440
        uid: "1000"
        gid: "1001"
      - cert
    configs:
      - source: greeting
        target: /etc/greeting.conf
      - app_conf
secrets:
  token:
    environment: TOKEN
  cert:
    file: ./cert.pem
configs:
  greeting:
    content: "hello \${WHO}"
  app_conf:
    file: ./app.conf
`;

beforeAll(async () => {
  writeFileSync(join(dir, 'compose.yaml'), STACK);
  writeFileSync(join(dir, 'cert.pem'), 'CERT-FROM-FILE\n');
  writeFileSync(join(dir, 'app.conf'), 'conf-from-file\n');
  await purgeProject(project);
});
afterAll(async () => {
  await purgeProject(project);
  await purgeProject(failing);
});

const inApp = (script: string): Promise<string> => shIn(run, 'app', script);

describe('secrets and configs outside Swarm', () => {
  it('up: each file is in the container with its content, owner and mode', async () => {
    const up = await run('up', '-d');
    expect(up.exitCode, up.stderr).toBe(0);

    expect(await inApp('cat /run/secrets/token')).toBe(TOKEN);
    expect(await inApp('stat -c "%a %u %g" /run/secrets/token')).toBe('440 1000 1001');
    expect(await inApp('cat /etc/greeting.conf; echo; stat -c "%a %u %g" /etc/greeting.conf')).toBe(
      'hello world\n444 0 0',
    );
    expect(await inApp('cat /run/secrets/cert /app_conf')).toBe('CERT-FROM-FILE\nconf-from-file');
  });

  it('a secret from a file is a read-only bind mount, as Compose makes it', async () => {
    const r = await docker(['inspect', '-f', '{{json .Mounts}}', `${project}-app-1`]);
    expect(r.exitCode, r.stderr).toBe(0);
    const mounts = JSON.parse(r.stdout) as { Type: string; Source: string; Destination: string; RW: boolean }[];
    expect(mounts.find((m) => m.Destination === '/run/secrets/cert')).toMatchObject({
      Type: 'bind',
      Source: join(dir, 'cert.pem'),
      RW: false,
    });
    expect(await inApp('echo x > /run/secrets/cert 2>/dev/null || echo refused')).toBe('refused');
  });

  it('run: a one-off container gets the secrets too', async () => {
    const r = await run('run', '--rm', '-T', 'app', 'cat', '/run/secrets/token');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe(TOKEN);
  });

  it('the value is nowhere else: not in config output, labels or the environment', async () => {
    const config = await run('config');
    expect(config.exitCode, config.stderr).toBe(0);
    expect(config.stdout).toContain('environment: TOKEN');
    expect(config.stdout).not.toContain(TOKEN);
    const inspect = await docker(['inspect', `${project}-app-1`]);
    expect(inspect.stdout).not.toContain(TOKEN);
  });

  it('an unset variable stops up at its file:line, before any container is made', async () => {
    const up = await berth(['-p', failing, 'up', '-d'], { cwd: dir, env: { WHO: 'world' } });
    expect(up.exitCode).toBe(1);
    expect(up.stderr).toContain(
      'compose.yaml:18:18: secrets.token.environment: environment variable TOKEN required by secret "token" is not set',
    );
    const ps = await docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${failing}`]);
    expect(ps.stdout).toBe('');
  });
});
