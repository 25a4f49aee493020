/**
 * The devstack sample as a developer uses it: build, bring up, change one source file, `up --build`
 * rebuilds and recreates only the service whose image changed, and the app answers with the change.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { berth, containerIds, docker, freePort, httpGet, purgeProject, ROOT } from '../../helpers/cli.js';
import { eventually } from '../../helpers/eventually.js';

const project = `e2e-devstack-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'berth-devstack-'));
const replaced: string[] = [];
cpSync(join(ROOT, 'samples/devstack'), dir, { recursive: true });

afterAll(async () => {
  await berth(['-p', project, 'down', '-v', '--rmi', 'local'], { cwd: dir });
  await purgeProject(project);
  for (const s of ['web', 'worker']) await docker(['rmi', '-f', `${project}-${s}`]);
  // The image a rebuild replaced is left without a name.
  for (const id of replaced) await docker(['rmi', '-f', id]);
  rmSync(dir, { recursive: true, force: true });
});

describe('samples/devstack', () => {
  it('up --build after a source change rebuilds and recreates only the web service, which then answers with the change', async () => {
    const port = await freePort();
    const env = { DEVSTACK_PORT: String(port) };
    const run = (...args: string[]) => berth(['-p', project, ...args], { cwd: dir, env });

    const built = await run('build');
    expect(built.exitCode, built.stderr).toBe(0);
    const images = await run('images');
    expect(images.stdout).toMatch(new RegExp(`web\\s+${project}-web\\s+latest`));
    expect(images.stdout).toMatch(new RegExp(`worker\\s+${project}-worker\\s+latest`));

    const up = await run('up', '-d', '--wait');
    expect(up.exitCode, up.stderr).toBe(0);
    const hello = `http://127.0.0.1:${port}/cgi-bin/hello`;
    await eventually(async () => expect((await httpGet(hello)).body).toContain('Hello from devstack web v1'));
    // The cache answers the app, and the bind-mounted folder is served as it is on disk.
    expect((await httpGet(hello)).body).toMatch(/hits: [1-9]/);
    expect((await httpGet(`http://127.0.0.1:${port}/content/notes.txt`)).body).toContain('bind-mounted');
    const before = await containerIds(project);
    replaced.push((await docker(['image', 'inspect', '-f', '{{.Id}}', `${project}-web`])).stdout);

    const source = join(dir, 'web/app/cgi-bin/hello');
    writeFileSync(source, readFileSync(source, 'utf8').replace('web v1', 'web v2'));
    const plan = await run('up', '-d', '--build', '--dry-run');
    expect(plan.stdout).toContain(`image ${project}-web: build: up --build`);
    expect(plan.stdout).toContain(`${project}-web-1: check: recreate if image ${project}-web changes`);

    const rebuilt = await run('up', '-d', '--build');
    expect(rebuilt.exitCode, rebuilt.stderr).toBe(0);
    expect(rebuilt.stderr).toMatch(new RegExp(`${project}-web-1\\s+Recreating\\s+image [0-9a-f]{12}→[0-9a-f]{12}`));
    const after = await containerIds(project);
    expect(after[`${project}-web-1`]).not.toBe(before[`${project}-web-1`]);
    expect(after[`${project}-worker-1`]).toBe(before[`${project}-worker-1`]);
    expect(after[`${project}-cache-1`]).toBe(before[`${project}-cache-1`]);
    await eventually(async () => expect((await httpGet(hello)).body).toContain('Hello from devstack web v2'));

    const down = await run('down', '--rmi', 'local');
    expect(down.exitCode, down.stderr).toBe(0);
    expect((await docker(['image', 'inspect', `${project}-web`])).exitCode).not.toBe(0);
    expect((await docker(['image', 'inspect', 'berth-local/redis:7'])).exitCode).toBe(0);
  });
});
