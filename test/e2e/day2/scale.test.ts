/**
 * `scale` on the real engine, as a user checks it with `docker ps`: more containers are added beside the
 * first one (which is kept, same id), fewer remove the highest numbers, and dependencies come up too
 * unless `--no-deps`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { containerIds, containerStates, purgeProject, stackInTempDir } from '../../helpers/cli.js';

const { project, run, write } = stackInTempDir('scale');

afterAll(async () => {
  await purgeProject(project);
});

write(`services:
  web:
    image: berth-local/busybox
    init: true
    command: ["sleep", "300"]
    depends_on: [db]
  db:
    image: berth-local/busybox
    init: true
    command: ["sleep", "300"]
`);

const web = (n: number): string => `${project}-web-${n}`;

describe('scale', () => {
  it('scale web=3 runs three web containers and keeps the first one', async () => {
    const up = await run('up', '-d', 'web');
    expect(up.exitCode, up.stderr).toBe(0);
    const first = (await containerIds(project))[web(1)];
    expect(first).toBeDefined();

    const r = await run('scale', 'web=3');
    expect(r.exitCode, r.stderr).toBe(0);
    const states = await containerStates(project);
    expect(states).toEqual({
      [web(1)]: 'running',
      [web(2)]: 'running',
      [web(3)]: 'running',
      [`${project}-db-1`]: 'running',
    });
    expect((await containerIds(project))[web(1)]).toBe(first);
  });

  it('scale web=1 removes the extra containers, highest numbers first, and keeps web-1', async () => {
    const first = (await containerIds(project))[web(1)];
    const two = await run('scale', 'web=2');
    expect(two.exitCode, two.stderr).toBe(0);
    expect(Object.keys(await containerStates(project)).sort()).toEqual([`${project}-db-1`, web(1), web(2)]);

    const one = await run('scale', 'web=1');
    expect(one.exitCode, one.stderr).toBe(0);
    expect(await containerStates(project)).toEqual({ [web(1)]: 'running', [`${project}-db-1`]: 'running' });
    expect((await containerIds(project))[web(1)]).toBe(first);
  });

  it('--no-deps leaves a stopped dependency alone; without it the dependency is started', async () => {
    await run('stop', 'db');
    const noDeps = await run('scale', '--no-deps', 'web=2');
    expect(noDeps.exitCode, noDeps.stderr).toBe(0);
    expect((await containerStates(project))[`${project}-db-1`]).toBe('exited');

    const withDeps = await run('scale', 'web=2');
    expect(withDeps.exitCode, withDeps.stderr).toBe(0);
    expect((await containerStates(project))[`${project}-db-1`]).toBe('running');
  });

  it('a malformed specifier or an unknown service is refused before anything changes', async () => {
    const bad = await run('scale', 'web=many');
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('invalid scale specifier');
    const unknown = await run('scale', 'webb=2');
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toContain('did you mean "web"');
    expect(Object.keys(await containerStates(project))).toHaveLength(3);
  });
});
