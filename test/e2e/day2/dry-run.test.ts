/**
 * `--dry-run` (before the command or after it) changes nothing on the engine: containers, their states
 * and start times, networks, volumes and image ids are as they were, nothing is written on the host, and
 * the output says what would have been done (`DRY-RUN MODE - ...`), exit 0. `--ansi` decides whether
 * output holds escape sequences, terminal or not.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, docker, purgeProject, stackInTempDir } from '../../helpers/cli.js';

const t = stackInTempDir('dryrun');
const P = t.project;
const IDLE = `["sh", "-c", "echo ready; trap 'exit 0' TERM; while :; do sleep 0.2; done"]`;
const MISSING_IMAGE = `berth-local/dry-run-never-pulled-${process.pid}:1`;
t.write(`
services:
  db:
    image: berth-local/busybox:latest
    command: ${IDLE}
    volumes: [data:/data]
  web:
    image: berth-local/busybox:latest
    depends_on: [db]
    command: ${IDLE}
  app:
    build: .
    profiles: [tools]
    command: ${IDLE}
  fetched:
    image: ${MISSING_IMAGE}
    profiles: [tools]
volumes:
  data: {}
`);
writeFileSync(join(t.dir, 'Dockerfile'), 'FROM berth-local/busybox:latest\nRUN echo built > /built\n');
writeFileSync(join(t.dir, 'note.txt'), 'from the host\n');

const lines = (r: { stdout: string }): string[] => r.stdout.split('\n').filter(Boolean);

/** What the engine holds of the project, and the ids of the images the stack names or builds. */
async function engineState(): Promise<Record<string, string[]>> {
  const label = `label=com.docker.compose.project=${P}`;
  const ids = lines(await docker(['ps', '-aq', '--no-trunc', '--filter', label]));
  const containers = ids.length
    ? lines(await docker(['inspect', '-f', '{{.Id}} {{.Name}} {{.State.Status}} {{.State.StartedAt}}', ...ids]))
    : [];
  const images = await Promise.all(
    ['berth-local/busybox:latest', `${P}-app`, MISSING_IMAGE].map(
      async (ref) => `${ref} ${(await docker(['image', 'inspect', '-f', '{{.Id}}', ref])).stdout.trim() || 'absent'}`,
    ),
  );
  return {
    containers: containers.sort(),
    networks: lines(await docker(['network', 'ls', '-q', '--filter', label])).sort(),
    volumes: lines(await docker(['volume', 'ls', '-q', '--filter', label])).sort(),
    images,
  };
}

/** Runs berth with the args, and checks that the engine is as it was and the run said it was a dry run. */
async function dryRun(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  const before = await engineState();
  const r = await t.run(...args);
  expect(r.exitCode, r.stderr).toBe(0);
  expect(await engineState()).toEqual(before);
  expect(r.stderr).toContain('DRY-RUN MODE - nothing was changed; berth would have asked the engine to:');
  return r;
}

beforeAll(() => purgeProject(P));
afterAll(() => purgeProject(P));

describe('--dry-run on a project that does not run yet', () => {
  it('berth --dry-run up creates nothing, prints the plan and what it would have created', async () => {
    const r = await dryRun('--dry-run', 'up', '-d');
    expect(r.stdout).toMatch(/web-1: create/);
    expect(r.stderr).toMatch(/DRY-RUN MODE - .*web-1\s+Started/);
    for (const what of [`create network ${P}_default`, `create volume ${P}_data`, `create container ${P}-web-1`])
      expect(r.stderr).toContain(`DRY-RUN MODE -   ${what}`);
    expect(r.stderr).toContain(`start container ${P}-db-1`);
  });

  it('up --dry-run (the flag after the command) says the same', async () => {
    const r = await dryRun('up', '-d', '--dry-run');
    expect(r.stdout).toMatch(/web-1: create/);
    expect(r.stderr).toContain(`DRY-RUN MODE -   create container ${P}-web-1`);
  });

  it('build builds nothing', async () => {
    const r = await dryRun('--profile', 'tools', '--dry-run', 'build', 'app');
    expect(r.stderr).toContain(`DRY-RUN MODE -   build image ${P}-app from ${t.dir}`);
  });

  it('pull pulls nothing, even an image no registry has', async () => {
    const r = await dryRun('--profile', 'tools', 'pull', '--dry-run', 'fetched');
    expect(r.stderr).toContain(`DRY-RUN MODE -   pull image ${MISSING_IMAGE}`);
  });
});

describe('--dry-run on a running project', () => {
  beforeAll(async () => {
    const up = await t.run('up', '-d');
    expect(up.exitCode, up.stderr).toBe(0);
  }, 120_000);

  it('down removes nothing', async () => {
    const r = await dryRun('--dry-run', 'down', '-v');
    for (const what of [`remove container ${P}-web-1`, `remove network ${P}_default`, `remove volume ${P}_data`])
      expect(r.stderr).toContain(`DRY-RUN MODE -   ${what}`);
    expect(r.stdout).toMatch(/web-1: remove/);
  });

  it('stop stops nothing, and neither do restart, kill and pause', async () => {
    const stop = await dryRun('stop', '--dry-run');
    expect(stop.stderr).toMatch(/DRY-RUN MODE - .*web-1\s+Stopped/);
    expect(stop.stderr).toContain(`DRY-RUN MODE -   stop container ${P}-db-1`);
    expect((await dryRun('--dry-run', 'restart', 'db')).stderr).toContain(`restart container ${P}-db-1`);
    expect((await dryRun('--dry-run', 'kill', 'web')).stderr).toContain(`send SIGKILL to container ${P}-web-1`);
    expect((await dryRun('--dry-run', 'pause')).stderr).toContain(`pause container ${P}-web-1`);
  });

  it('rm -s -f removes nothing', async () => {
    const r = await dryRun('--dry-run', 'rm', '-s', '-f');
    expect(r.stderr).toContain(`DRY-RUN MODE -   stop container ${P}-web-1`);
    expect(r.stderr).toContain(`DRY-RUN MODE -   remove container ${P}-web-1`);
  });

  it('cp copies nothing, either way', async () => {
    const out = join(t.dir, 'hostname-copy');
    const from = await dryRun('--dry-run', 'cp', 'web:/etc/hostname', out);
    expect(from.stderr).toContain(`copy /etc/hostname out of container ${P}-web-1`);
    expect(existsSync(out)).toBe(false);
    const into = await dryRun('cp', '--dry-run', join(t.dir, 'note.txt'), 'web:/tmp/');
    expect(into.stderr).toContain(`copy files into container ${P}-web-1 at /tmp`);
    expect((await docker(['exec', `${P}-web-1`, 'test', '-e', '/tmp/note.txt'])).exitCode).toBe(1);
  });

  it('exec and run -d run nothing', async () => {
    const exec = await dryRun('--dry-run', 'exec', '-T', 'web', 'touch', '/tmp/made');
    expect(exec.stderr).toContain(`run "touch /tmp/made" in container ${P}-web-1`);
    expect((await docker(['exec', `${P}-web-1`, 'test', '-e', '/tmp/made'])).exitCode).toBe(1);
    const run = await dryRun('--dry-run', 'run', '-d', '--no-deps', 'web', 'true');
    expect(run.stderr).toMatch(new RegExp(`create container ${P}-web-run-\\w+`));
  });
});

describe('--ansi', () => {
  const ESC = '\x1b';

  it('never: no escape sequence in progress or logs; always: colors on a pipe', async () => {
    const never = await t.run('--ansi', 'never', '--dry-run', 'restart');
    expect(never.exitCode, never.stderr).toBe(0);
    expect(never.stderr).not.toContain(ESC);
    const always = await t.run('--ansi', 'always', '--dry-run', 'restart');
    expect(always.exitCode, always.stderr).toBe(0);
    expect(always.stderr).toContain(`${ESC}[32mStarted${ESC}[0m`);
    const plainLogs = await t.run('logs', '--ansi', 'never', 'db');
    expect(plainLogs.stdout).toContain('ready');
    expect(plainLogs.stdout).not.toContain(ESC);
    const coloredLogs = await t.run('--ansi', 'always', 'logs', 'db');
    // eslint-disable-next-line no-control-regex -- the escape sequences are what is checked
    expect(coloredLogs.stdout).toMatch(/\x1b\[\d+mdb-1 +\| \x1b\[0mready/);
  });

  it('COMPOSE_ANSI sets it, the flag wins, and the TTY view with ANSI off is refused', async () => {
    const env = { COMPOSE_ANSI: 'always' };
    const fromEnv = await berth(['-p', P, 'logs', 'db'], { cwd: t.dir, env });
    expect(fromEnv.stdout).toContain(ESC);
    const flagWins = await berth(['-p', P, '--ansi', 'never', 'logs', 'db'], { cwd: t.dir, env });
    expect(flagWins.stdout).not.toContain(ESC);
    const deprecated = await berth(['-p', P, 'logs', '--no-ansi', 'db'], { cwd: t.dir, env });
    expect(deprecated.stdout).toContain('ready');
    expect(deprecated.stdout).not.toContain(ESC);
    expect(deprecated.stderr).toContain('warning: --no-ansi is deprecated: use --ansi never');
    const refused = await t.run('--ansi', 'never', '--progress', 'tty', 'stop');
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain("can't use --progress tty while ANSI support is disabled");
  });
});
