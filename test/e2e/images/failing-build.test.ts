/**
 * A build step that fails: the error names the service and the step with the engine's message, the
 * step's output is shown, the command exits non-zero, the service gets no container, and the other
 * services are brought up. On both builders (DOCKER_BUILDKIT=0 runs it on the classic one).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { berth, BUILDER, containerIds, docker, purgeProject } from '../../helpers/cli.js';

const project = `e2e-failbuild-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'berth-failbuild-'));
const marker = `preparing-${project}`;
afterAll(async () => {
  await purgeProject(project);
  await docker(['rmi', '-f', `${project}-broken`]);
  // The engine keeps the layers of the steps that passed as untagged images: ours carry the marker.
  const dangling = (await docker(['images', '-q', '--filter', 'dangling=true'])).stdout.split('\n').filter(Boolean);
  for (const id of new Set(dangling)) {
    const cmd = await docker(['image', 'inspect', '-f', '{{json .ContainerConfig.Cmd}}', id]);
    if (cmd.stdout.includes(marker)) await docker(['rmi', id]);
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('a failing build', () => {
  it('names the service and the RUN step, exits non-zero, creates no container for it and leaves the others running', async () => {
    writeFileSync(
      join(dir, 'compose.yaml'),
      [
        'services:',
        '  ok:',
        '    image: berth-local/busybox:latest',
        '    init: true',
        '    command: sleep 300',
        '  broken:',
        '    build:',
        '      context: .',
        '      dockerfile_inline: |',
        '        FROM berth-local/busybox:latest',
        `        RUN echo ${marker}`,
        '        RUN echo about to fail && echo on-stderr >&2 && exit 3',
        '    command: sleep 300',
        '  needs-broken:',
        '    image: berth-local/busybox:latest',
        '    command: sleep 300',
        '    depends_on: [broken]',
        '',
      ].join('\n'),
    );
    const r = await berth(['-p', project, '--progress', 'json', 'up', '-d'], { cwd: dir });
    expect(r.exitCode).not.toBe(0);
    // The service that needs the broken one is skipped, with why, in the progress and in the error.
    const events = r.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { title: string; status: string; detail?: string });
    expect(events.filter((e) => e.status === 'skipped').map((e) => [e.title, e.detail])).toEqual([
      [`${project}-broken-1`, 'its image could not be made'],
      [`${project}-needs-broken-1`, 'not started: it needs broken, which failed'],
    ]);
    expect(r.stderr).toContain(`skipped ${project}-needs-broken-1: not started: it needs broken, which failed`);
    expect(r.stderr).toContain(
      'build of service "broken" failed at step 3/3 (RUN echo about to fail && echo on-stderr >&2 && exit 3)',
    );
    expect(r.stderr).toContain(BUILDER === 'buildkit' ? 'exit code: 3' : 'returned a non-zero code: 3');
    // The failing step's output, stdout and stderr, is in the progress; BuildKit's error repeats it.
    const details = events.map((e) => e.detail ?? '');
    expect(details.some((d) => d.endsWith('about to fail'))).toBe(true);
    expect(details.some((d) => d.endsWith('on-stderr'))).toBe(true);
    if (BUILDER === 'buildkit') {
      expect(r.stderr).toContain('  > about to fail');
      expect(r.stderr).toContain('  > on-stderr');
    }
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace

    const ids = await containerIds(project);
    expect(Object.keys(ids).sort()).toEqual([`${project}-ok-1`]);
    const state = await docker(['inspect', '-f', '{{.State.Status}}', `${project}-ok-1`]);
    expect(state.stdout).toBe('running');
    expect((await docker(['image', 'inspect', `${project}-broken`])).exitCode).not.toBe(0);

    const build = await berth(['-p', project, 'build', 'broken'], { cwd: dir });
    expect(build.exitCode).toBe(1);
    expect(build.stderr).toContain('error: build of service "broken" failed at step 3/3');
  });
});
