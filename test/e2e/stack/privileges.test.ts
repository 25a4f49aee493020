/**
 * `plan` and `up --dry-run` name every elevated privilege the stack grants, at the file:line:column
 * that brings it, and create nothing.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { berth, containerIds, docker, purgeProject } from '../../helpers/cli.js';

const project = `e2e-priv-${process.pid}`;
afterAll(() => purgeProject(project));

const STACK = [
  'services:',
  '  web:',
  '    image: berth-local/busybox',
  '    command: sleep 300',
  '    cap_add: [ALL]',
  '    volumes:',
  '      - /var/run/docker.sock:/var/run/docker.sock',
  '  agent:',
  '    image: berth-local/busybox',
  '    command: sleep 300',
  '    pid: host',
  '    network_mode: host',
  '',
].join('\n');

function stack(): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-priv-'));
  writeFileSync(join(dir, 'compose.yaml'), STACK);
  writeFileSync(join(dir, 'compose.override.yaml'), 'services:\n  web:\n    privileged: true\n');
  return dir;
}

async function nothingCreated(): Promise<void> {
  expect(await containerIds(project)).toEqual({});
  expect(
    (await docker(['network', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`])).stdout,
  ).toBe('');
}

const EXPECTED = [
  'notice: web: privileged: true (compose.override.yaml:3:17): the container gets every capability of the host and access to all its devices',
  'notice: web: cap_add: ALL (compose.yaml:5:15): the container gets every capability of the host',
  'notice: web: volumes: /var/run/docker.sock:/var/run/docker.sock (compose.yaml:7:9): the Docker socket gives the container control of the engine, and so root on the host',
  'notice: agent: pid: host (compose.yaml:11:10): the container sees every process of the host and can signal or trace them',
  "notice: agent: network_mode: host (compose.yaml:12:19): the container shares the host's network: it can listen on any host port and reach services bound to the host's loopback",
];

describe('elevated privileges', () => {
  it('plan names each one with the file:line:column that brings it, and creates nothing', async () => {
    const dir = stack();
    const r = await berth(['-p', project, 'plan'], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(2);
    const notices = r.stdout.split('\n').filter((l) => l.startsWith('notice: '));
    expect(notices.sort()).toEqual([...EXPECTED].sort());
    await nothingCreated();

    const json = await berth(['-p', project, 'plan', '--format', 'json'], { cwd: dir });
    const privileges = (
      JSON.parse(json.stdout) as { privileges: { service: string; setting: string; file: string; line: number }[] }
    ).privileges;
    expect(privileges).toContainEqual(
      expect.objectContaining({
        service: 'web',
        setting: 'privileged: true',
        file: join(dir, 'compose.override.yaml'),
        line: 3,
      }),
    );
    expect(privileges).toHaveLength(EXPECTED.length);
  });

  it('up --dry-run names those of the services it would start, and creates nothing', async () => {
    const dir = stack();
    const r = await berth(['-p', project, 'up', '--dry-run', 'agent'], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('notice: '))).toEqual(
      EXPECTED.filter((l) => l.startsWith('notice: agent:')),
    );
    await nothingCreated();
  });
});
