/**
 * `volumes` on the real engine: the project's named volumes (not another project's, not external ones),
 * in docker's table and JSON forms, and only those a named service's containers mount.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, purgeProject, stackInTempDir } from '../../helpers/cli.js';

const { project, run, write } = stackInTempDir('volumes');
const external = `${project}-outside`;

beforeAll(async () => {
  await docker(['volume', 'create', external]);
  write(`services:
  web:
    image: berth-local/busybox
    init: true
    command: ["sleep", "300"]
    volumes: [site:/site, shared:/shared]
  db:
    image: berth-local/busybox
    init: true
    command: ["sleep", "300"]
    volumes: [data:/data, shared:/shared, outside:/outside]
volumes:
  site: {}
  data: {}
  shared: {}
  outside:
    external: true
    name: ${external}
`);
  const up = await run('up', '-d');
  expect(up.exitCode, up.stderr).toBe(0);
});

afterAll(async () => {
  await purgeProject(project);
  await docker(['volume', 'rm', '-f', external]);
});

describe('volumes', () => {
  it("lists the project's volumes in docker's table, external ones left out", async () => {
    const r = await run('volumes');
    expect(r.exitCode, r.stderr).toBe(0);
    const [header, ...rows] = r.stdout.split('\n');
    expect(header).toMatch(/^DRIVER\s+VOLUME NAME$/);
    expect(rows.map((l) => l.split(/\s+/))).toEqual([
      ['local', `${project}_data`],
      ['local', `${project}_shared`],
      ['local', `${project}_site`],
    ]);
  });

  it('-q prints names only; services named keep the volumes their containers mount', async () => {
    const web = await run('volumes', '-q', 'web');
    expect(web.exitCode, web.stderr).toBe(0);
    expect(web.stdout.split('\n')).toEqual([`${project}_shared`, `${project}_site`]);
  });

  it('--format json prints one docker volume object per line', async () => {
    const r = await run('volumes', '--format', 'json', 'db');
    expect(r.exitCode, r.stderr).toBe(0);
    const objects = r.stdout.split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    expect(objects.map((o) => o.Name)).toEqual([`${project}_data`, `${project}_shared`]);
    expect(objects[0]).toMatchObject({ Driver: 'local', Scope: 'local' });
    expect(objects[0]!.Labels).toContain(`com.docker.compose.project=${project}`);
    expect(objects[0]!.Mountpoint).toMatch(/_data$/);
  });
});
