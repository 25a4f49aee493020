/**
 * `attach: false` keeps a service's output out of attached `up`, as in Compose: the service runs (its
 * log has its line) while `up` shows only the others; `--attach` naming it brings it back.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, purgeProject } from '../../helpers/cli.js';

const project = `e2e-attach-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'berth-attach-'));
const run = (...args: string[]) => berth(['-p', project, ...args], { cwd: dir });

const STACK = `services:
  app:
    image: berth-local/busybox
    command: ["echo", "app-said-hi"]
  quiet:
    image: berth-local/busybox
    attach: false
    command: ["echo", "quiet-said-hi"]
`;

beforeAll(async () => {
  writeFileSync(join(dir, 'compose.yaml'), STACK);
  await purgeProject(project);
});
afterAll(() => purgeProject(project));

describe('attach: false', () => {
  it("attached up shows the other services' output, not that service's, which still runs", async () => {
    const up = await run('up');
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/app-1 +\| app-said-hi/);
    expect(up.stdout).not.toContain('quiet-said-hi');
    const logs = await run('logs', 'quiet');
    expect(logs.stdout).toContain('quiet-said-hi');
  });

  it('--attach naming it shows it', async () => {
    const up = await run('up', '--attach', 'quiet', '--force-recreate');
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/quiet-1 +\| quiet-said-hi/);
  });
});
