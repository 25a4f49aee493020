/**
 * `use_api_socket: true` on the real engine, as Compose gives it: inside the container the engine's
 * socket is at /var/run/docker.sock, DOCKER_CONFIG points at /run/secrets/docker, and the config file
 * there holds the user's registry logins (read from the Docker config berth itself uses). The logins
 * are in that file and nowhere else the engine shows; an engine a container cannot mount is refused
 * before anything is made.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, docker, purgeProject, shIn } from '../../helpers/cli.js';

const project = `e2e-apisocket-${process.pid}`;
const refused = `e2e-apisocket-tcp-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'berth-apisocket-'));
const dockerConfig = join(dir, 'docker-config');
const PASSWORD = `pw-${process.pid}-c41d`;
const AUTH = Buffer.from(`builder:${PASSWORD}`).toString('base64');
const run = (...args: string[]) => berth(['-p', project, ...args], { cwd: dir, env: { DOCKER_CONFIG: dockerConfig } });

const STACK = `services:
  tool:
    image: berth-local/busybox
    init: true
    command: ["sleep", "300"]
    use_api_socket: true
`;

beforeAll(async () => {
  writeFileSync(join(dir, 'compose.yaml'), STACK);
  mkdirSync(dockerConfig);
  writeFileSync(
    join(dockerConfig, 'config.json'),
    JSON.stringify({ auths: { 'registry.example:5000': { auth: AUTH } } }),
  );
  await purgeProject(project);
});
afterAll(async () => {
  await purgeProject(project);
  await purgeProject(refused);
});

const inTool = (script: string): Promise<string> => shIn(run, 'tool', script);

describe('use_api_socket', () => {
  it("up: the engine's socket and the logins are in the container", async () => {
    const up = await run('up', '-d');
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.stderr).not.toContain('use_api_socket');

    expect(await inTool('test -S /var/run/docker.sock && echo socket')).toBe('socket');
    expect(await inTool('echo "$DOCKER_CONFIG"')).toBe('/run/secrets/docker');
    const written = JSON.parse(await inTool('cat /run/secrets/docker/config.json')) as unknown;
    expect(written).toEqual({ auths: { 'registry.example:5000': { auth: AUTH } } });

    const mounts = await docker(['inspect', '-f', '{{json .Mounts}}', `${project}-tool-1`]);
    const list = JSON.parse(mounts.stdout) as { Type: string; Source: string; Destination: string }[];
    expect(list.find((m) => m.Destination === '/var/run/docker.sock')).toMatchObject({
      Type: 'bind',
      Source: '/var/run/docker.sock',
    });
  });

  it('the logins show nowhere the engine keeps: not in labels, not in the environment', async () => {
    const inspect = await docker(['inspect', `${project}-tool-1`]);
    expect(inspect.exitCode, inspect.stderr).toBe(0);
    expect(inspect.stdout).not.toContain(AUTH);
    expect(inspect.stdout).not.toContain(PASSWORD);
  });

  it('up again: nothing changes', async () => {
    const before = await docker(['inspect', '-f', '{{.Id}}', `${project}-tool-1`]);
    const up = await run('up', '-d');
    expect(up.exitCode, up.stderr).toBe(0);
    const after = await docker(['inspect', '-f', '{{.Id}}', `${project}-tool-1`]);
    expect(after.stdout).toBe(before.stdout);
  });

  it('an engine reached over tcp is refused with one clear line, before anything is made', async () => {
    const up = await berth(['-p', refused, 'up', '-d'], {
      cwd: dir,
      env: { DOCKER_HOST: 'tcp://127.0.0.1:1', DOCKER_CONFIG: dockerConfig },
    });
    expect(up.exitCode).not.toBe(0);
    expect(up.stderr).toContain('use_api_socket can only be used with an engine behind a unix socket');
    expect(up.stderr).not.toContain('    at ');
    const ps = await docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${refused}`]);
    expect(ps.stdout).toBe('');
  });
});
