/**
 * Drive the real CLI (the built `bin/berth.cjs`) as a user would, and the engine through the docker CLI
 * for what a user would check by hand (a file in a volume, a container's id).
 */
import { execa } from 'execa';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = `${ROOT}bin/berth.cjs`;

export interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * The builder the build tests run on: BuildKit (berth's default), or the classic builder when the run
 * sets DOCKER_BUILDKIT=0 (berth inherits the test's environment). Run the build tests both ways.
 */
export const BUILDER: 'buildkit' | 'classic' = ['0', 'false'].includes(process.env['DOCKER_BUILDKIT'] ?? '')
  ? 'classic'
  : 'buildkit';

export async function berth(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; input?: string } = {},
): Promise<Run> {
  const r = await execa('node', [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...options.env, CI: 'true' },
    reject: false,
    ...(options.input !== undefined && { input: options.input }),
  });
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A shell script run in a service's container through the CLI (`exec -T <service> sh -c <script>`):
 * its stdout, after checking that it succeeded. `run` is the test's berth, bound to its project.
 */
export async function shIn(run: (...args: string[]) => Promise<Run>, service: string, script: string): Promise<string> {
  const r = await run('exec', '-T', service, 'sh', '-c', script);
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout;
}

export async function docker(args: string[]): Promise<Run> {
  const r = await execa('docker', args, { reject: false });
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** One field of each container of a project (all states), by container name: `{{.ID}}`, `{{.State}}`. */
async function containerField(project: string, field: string): Promise<Record<string, string>> {
  const r = await docker([
    'ps',
    '-a',
    '--filter',
    `label=com.docker.compose.project=${project}`,
    '--format',
    `{{.Names}} ${field}`,
  ]);
  return Object.fromEntries(
    r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ') as [string, string]),
  );
}

/** Container ids of a project, by container name (all states). */
export function containerIds(project: string): Promise<Record<string, string>> {
  return containerField(project, '{{.ID}}');
}

/** Container states of a project ("running", "exited"…), by container name. */
export function containerStates(project: string): Promise<Record<string, string>> {
  return containerField(project, '{{.State}}');
}

/** A loopback port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export async function httpGet(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

/** Remove every object of a project left behind, whatever state a failed test left it in. */
export async function purgeProject(project: string): Promise<void> {
  const label = `label=com.docker.compose.project=${project}`;
  const ids = (await docker(['ps', '-aq', '--filter', label])).stdout.split('\n').filter(Boolean);
  if (ids.length) await docker(['rm', '-f', '-v', ...ids]);
  const nets = (await docker(['network', 'ls', '-q', '--filter', label])).stdout.split('\n').filter(Boolean);
  if (nets.length) await docker(['network', 'rm', ...nets]);
  const vols = (await docker(['volume', 'ls', '-q', '--filter', label])).stdout.split('\n').filter(Boolean);
  if (vols.length) await docker(['volume', 'rm', '-f', ...vols]);
}

/**
 * An e2e project of its own: a unique name (`e2e-<what>-<pid>`), a temporary folder for its stack file,
 * `write(yaml)` for `compose.yaml` there, and `run(...args)` for berth in that folder with `-p`.
 * Purge it in afterAll with `purgeProject(t.project)`.
 */
export function stackInTempDir(what: string): {
  project: string;
  dir: string;
  write: (yaml: string) => void;
  run: (...args: string[]) => Promise<Run>;
} {
  const project = `e2e-${what}-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), `berth-${what}-`));
  return {
    project,
    dir,
    write: (yaml) => writeFileSync(join(dir, 'compose.yaml'), yaml),
    run: (...args) => berth(['-p', project, ...args], { cwd: dir }),
  };
}
