/**
 * Waits tell failures apart: `up --wait` and `depends_on` conditions report a container that exited
 * (with its exit code), one that keeps restarting, and one that is unhealthy (with its healthcheck's
 * output), each by name; a `required: false` dependency that fails is a warning and its dependent runs.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { berth, docker, purgeProject } from '../../helpers/cli.js';

const projects: string[] = [];
afterAll(async () => {
  for (const p of projects) await purgeProject(p);
});

/** A project folder with the given compose.yaml; runs by hand as `berth -p <project> up --wait`. */
function fixture(name: string, yaml: string[]) {
  const project = `e2e-${name}-${process.pid}`;
  projects.push(project);
  const dir = mkdtempSync(join(tmpdir(), `berth-${name}-`));
  writeFileSync(join(dir, 'compose.yaml'), `${yaml.join('\n')}\n`);
  return { project, run: (...args: string[]) => berth(['-p', project, '--progress', 'plain', ...args], { cwd: dir }) };
}

const state = async (container: string): Promise<string> =>
  (await docker(['inspect', '-f', '{{.State.Status}}', container])).stdout;
const busybox = '    image: berth-local/busybox';
const longRunning = [busybox, '    init: true', '    command: sleep 300'];

describe('up --wait', () => {
  it('fails on a container that exits non-zero, naming it and its exit code', async () => {
    const f = fixture('wait-exit', [
      'services:',
      '  app:',
      busybox,
      `    command: ["sh", "-c", "echo no space left on device; exit 3"]`,
    ]);
    const r = await f.run('up', '--wait');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`container ${f.project}-app-1 exited (exit code 3)`);
  });

  it('fails on a restart: always container that keeps crashing, as a crash loop, not as running', async () => {
    const f = fixture('wait-loop', [
      'services:',
      '  app:',
      busybox,
      '    restart: always',
      `    command: ["sh", "-c", "exit 1"]`,
    ]);
    const r = await f.run('up', '--wait', '--wait-timeout', '60');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`container ${f.project}-app-1 is restarting in a crash loop \\(exit code 1, restarted \\d+ times\\)`),
    );
  });

  it('fails on an unhealthy service with its last healthcheck output', async () => {
    const f = fixture('wait-sick', [
      'services:',
      '  app:',
      ...longRunning,
      '    healthcheck:',
      '      test: ["CMD-SHELL", "echo disk is full; exit 1"]',
      '      interval: 1s',
      '      retries: 2',
    ]);
    const r = await f.run('up', '--wait');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`container ${f.project}-app-1 is unhealthy`);
    expect(r.stderr).toContain('last healthcheck output: disk is full');
  });

  it('waits for a one-shot job another service depends on to complete, and succeeds', async () => {
    const f = fixture('wait-job', [
      'services:',
      '  migrate:',
      busybox,
      `    command: ["sh", "-c", "sleep 1; echo migrated"]`,
      '  app:',
      ...longRunning,
      '    depends_on:',
      '      migrate:',
      '        condition: service_completed_successfully',
    ]);
    const r = await f.run('up', '--wait');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^migrate\s+Completed/m);
    expect(await state(`${f.project}-app-1`)).toBe('running');
    expect(await state(`${f.project}-migrate-1`)).toBe('exited');
  });
});

describe('depends_on waits', () => {
  it('a service_healthy dependency that exits 3 is reported as exited with code 3, not as unhealthy', async () => {
    const f = fixture('dep-exit', [
      'services:',
      '  db:',
      busybox,
      `    command: ["sh", "-c", "sleep 1; exit 3"]`,
      '    healthcheck:',
      '      test: ["CMD", "false"]',
      '      interval: 10s',
      '  app:',
      ...longRunning,
      '    depends_on:',
      '      db:',
      '        condition: service_healthy',
    ]);
    const r = await f.run('up', '-d');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`container ${f.project}-db-1 exited (exit code 3) before it was healthy`);
    expect(r.stderr).not.toContain('unhealthy');
    expect((await docker(['ps', '-a', '-q', '--filter', `name=${f.project}-app-1`])).stdout).toBe('');
  });

  it('a required: false dependency that exits non-zero or cannot start: a warning naming it and why; the dependent runs; exit 0', async () => {
    const f = fixture('dep-optional', [
      'services:',
      '  db:',
      busybox,
      `    command: ["sh", "-c", "exit 3"]`,
      '    healthcheck:',
      '      test: ["CMD", "true"]',
      '  cache:',
      busybox,
      '    command: ["/no/such/program"]',
      '  app:',
      ...longRunning,
      '    depends_on:',
      '      db:',
      '        condition: service_healthy',
      '        required: false',
      '      cache:',
      '        condition: service_started',
      '        required: false',
    ]);
    const r = await f.run('up', '-d');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      new RegExp(
        `warning: app\\s+Warning\\s+going on without db \\(not required\\): container ${f.project}-db-1 exited \\(exit code 3\\)`,
      ),
    );
    expect(r.stderr).toMatch(
      /warning: app\s+Warning\s+going on without cache \(not required\): .*no such file or directory/,
    );
    expect(await state(`${f.project}-app-1`)).toBe('running');
  });
});
