/**
 * `stats` on the real engine: one sample per running container of the project with `--no-stream`, in
 * docker's JSON and table forms, with the memory limit the stack sets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { BIN, purgeProject, stackInTempDir } from '../../helpers/cli.js';

const { project, dir, run, write } = stackInTempDir('stats');

beforeAll(async () => {
  write(`services:
  web:
    image: berth-local/busybox
    init: true
    command: ["sleep", "300"]
    mem_limit: 64m
  worker:
    image: berth-local/busybox
    init: true
    command: ["sh", "-c", "while :; do :; done"]
`);
  const up = await run('up', '-d', '--scale', 'web=2');
  expect(up.exitCode, up.stderr).toBe(0);
});

afterAll(async () => {
  await purgeProject(project);
});

interface StatsLine {
  Name: string;
  ID: string;
  CPUPerc: string;
  MemUsage: string;
  MemPerc: string;
  PIDs: string;
}

describe('stats', () => {
  it('--no-stream --format json: one object per container with CPU and memory', async () => {
    const r = await run('stats', '--no-stream', '--format', 'json');
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').map((l) => JSON.parse(l) as StatsLine);
    expect(lines.map((l) => l.Name).sort()).toEqual([`${project}-web-1`, `${project}-web-2`, `${project}-worker-1`]);
    for (const l of lines) {
      expect(l.ID).toMatch(/^[0-9a-f]{12}$/);
      expect(l.CPUPerc).toMatch(/^\d+\.\d\d%$/);
      expect(l.MemUsage).toMatch(/^[\d.]+(B|KiB|MiB|GiB) \/ [\d.]+(B|KiB|MiB|GiB|TiB)$/);
      expect(l.PIDs).toMatch(/^\d+$/);
    }
    // The limit the stack sets is the limit shown.
    expect(lines.find((l) => l.Name === `${project}-web-1`)!.MemUsage).toMatch(/ \/ 64MiB$/);
    // A busy loop shows as CPU use, measured over the engine's own second.
    expect(parseFloat(lines.find((l) => l.Name === `${project}-worker-1`)!.CPUPerc)).toBeGreaterThan(5);
  });

  it('--no-stream for one service prints the table with docker columns', async () => {
    const r = await run('stats', '--no-stream', 'worker');
    expect(r.exitCode, r.stderr).toBe(0);
    const [header, ...rows] = r.stdout.split('\n');
    expect(header).toMatch(/^CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET I\/O\s+BLOCK I\/O\s+PIDS$/);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain(`${project}-worker-1`);
  });

  it('streams until interrupted, redrawing the samples', async () => {
    const child = execa('node', [BIN, '-p', project, 'stats', '--format', '{{.Name}} {{.CPUPerc}}'], {
      cwd: dir,
      reject: false,
    });
    let seen = '';
    await new Promise<void>((resolve) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.split(`${project}-worker-1 `).length > 2) resolve();
      });
    });
    child.kill('SIGINT');
    const done = await child;
    expect(done.exitCode).toBe(0);
    expect(seen).toContain(`${project}-web-2 `);
  });
});
