/**
 * The devstack sample as a watched dev environment: `up --watch`, save the app's CGI script, and the
 * next request runs the new one in the same container (the script keeps its executable mode through
 * the sync); save the worker's script, and the worker restarts with it.
 */
import { execa } from 'execa';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { berth, BIN, containerIds, docker, freePort, httpGet, purgeProject, ROOT } from '../../helpers/cli.js';
import { eventually } from '../../helpers/eventually.js';

const project = `e2e-devwatch-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'berth-devwatch-'));
cpSync(join(ROOT, 'samples/devstack'), dir, { recursive: true });

afterAll(async () => {
  await berth(['-p', project, 'down', '-v', '--rmi', 'local'], { cwd: dir });
  await purgeProject(project);
  for (const s of ['web', 'worker']) await docker(['rmi', '-f', `${project}-${s}`]);
  rmSync(dir, { recursive: true, force: true });
});

describe('samples/devstack with up --watch', () => {
  it('serves a saved script at once from the same container, and restarts the worker on its script', async () => {
    const port = await freePort();
    const child = execa('node', [BIN, '-p', project, 'up', '--watch'], {
      cwd: dir,
      env: { CI: 'true', DEVSTACK_PORT: String(port) },
      reject: false,
      buffer: false,
    });
    let stdout = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    try {
      await eventually(() => expect(stdout).toContain('watch: watching web, worker'), { timeoutMs: 120_000 });
      const hello = `http://127.0.0.1:${port}/cgi-bin/hello`;
      const get = () => httpGet(hello).catch(() => ({ status: 0, body: '' }));
      await eventually(async () => expect((await get()).body).toContain('Hello from devstack web v1'), {
        timeoutMs: 30_000,
      });
      const before = await containerIds(project);

      const script = join(dir, 'web/app/cgi-bin/hello');
      writeFileSync(script, readFileSync(script, 'utf8').replace('web v1', 'web v2'));
      await eventually(async () => expect((await get()).body).toContain('Hello from devstack web v2'), {
        timeoutMs: 3000,
      });
      expect((await containerIds(project))[`${project}-web-1`]).toBe(before[`${project}-web-1`]);

      writeFileSync(join(dir, 'worker/worker.sh'), `${readFileSync(join(dir, 'worker/worker.sh'), 'utf8')}# saved\n`);
      await eventually(() => expect(stdout).toContain('worker: restarted'), { timeoutMs: 30_000 });
      const inWorker = await docker(['exec', `${project}-worker-1`, 'tail', '-n', '1', '/usr/local/bin/worker']);
      expect(inWorker.stdout).toBe('# saved');
      expect((await containerIds(project))[`${project}-worker-1`]).toBe(before[`${project}-worker-1`]);

      child.kill('SIGINT');
      expect((await child).exitCode).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
