/**
 * Podman's Docker-compatible socket as berth's engine (DOCKER_HOST=unix://…/podman.sock): a stack comes
 * up, shows in `ps`, logs, stays as it is on a second `up`, and goes with `down`, checked with the
 * `podman` CLI as a user would. The service runs with its own storage (test/helpers/podman.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, ROOT } from '../../helpers/cli.js';
import { startPodman, type Podman } from '../../helpers/podman.js';

const project = `e2e-podman-${process.pid}`;
const stack = `${ROOT}test/e2e/runtime/fixtures/remote/compose.yaml`;
let engine: Podman;

const onPodman = (args: string[]) =>
  berth(['-f', stack, '-p', project, ...args], { env: { DOCKER_HOST: `unix://${engine.socket}` } });

/** Container name → state ("running", "exited"), as `podman ps -a` lists the project. */
async function podmanStates(): Promise<Record<string, string>> {
  const r = await engine.podman([
    'ps',
    '-a',
    '--filter',
    `label=com.docker.compose.project=${project}`,
    '--format',
    'json',
  ]);
  expect(r.exitCode, r.stderr).toBe(0);
  const rows = JSON.parse(r.stdout || '[]') as { Names: string[]; State: string }[];
  return Object.fromEntries(rows.map((c) => [c.Names[0], c.State]));
}

beforeAll(async () => {
  engine = await startPodman('berth-local/busybox:latest');
}, 120_000);

afterAll(async () => {
  await engine?.stop();
}, 120_000);

describe('Podman', () => {
  it('up, ps, logs, a second up that changes nothing, and down', async () => {
    const up = await onPodman(['up', '-d']);
    expect(up.stderr).not.toMatch(/error/i);
    expect(up.exitCode).toBe(0);
    expect(await podmanStates()).toEqual({
      [`${project}-web-1`]: 'running',
      [`${project}-worker-1`]: 'running',
    });

    const ps = await onPodman(['ps', '--format', 'json']);
    expect(ps.exitCode).toBe(0);
    const rows = ps.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { Service: string; State: string });
    expect(rows.map((r) => `${r.Service} ${r.State}`).sort()).toEqual(['web running', 'worker running']);

    const logs = await onPodman(['logs', '--no-log-prefix']);
    expect(logs.exitCode).toBe(0);
    expect(logs.stdout.split('\n')).toEqual(expect.arrayContaining(['web ready', 'worker ready']));

    const ids = (
      await engine.podman(['ps', '-q', '--no-trunc', '--filter', `label=com.docker.compose.project=${project}`])
    ).stdout;
    const again = await onPodman(['up', '-d']);
    expect(again.exitCode).toBe(0);
    expect(again.stderr).toContain('nothing changed');
    expect(
      (await engine.podman(['ps', '-q', '--no-trunc', '--filter', `label=com.docker.compose.project=${project}`]))
        .stdout,
    ).toBe(ids);

    const down = await onPodman(['down', '-v', '-t', '1']);
    expect(down.exitCode).toBe(0);
    expect(await podmanStates()).toEqual({});
    const volumes = await engine.podman(['volume', 'ls', '-q']);
    expect(volumes.stdout).not.toContain(`${project}_site`);
  }, 240_000);
});
