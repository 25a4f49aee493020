/**
 * Named volumes keep their data unless the user agrees to lose it: `down -v` spares external volumes
 * (even ones this project once made) and volumes the stack no longer declares; a changed driver option
 * is refused without `-y` and recreated with it; a `name:` change moves the container and keeps the old
 * volume.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { berth, BIN, containerIds, docker, purgeProject } from '../../helpers/cli.js';

const projects: string[] = [];
afterAll(async () => {
  for (const p of projects) await purgeProject(p);
});

/** A project folder with a compose.yaml; `write` replaces the file. */
function fixture(name: string) {
  const project = `e2e-vol-${name}-${process.pid}`;
  projects.push(project);
  const dir = mkdtempSync(join(tmpdir(), `berth-vol-${name}-`));
  return {
    project,
    write: (yaml: string) => writeFileSync(join(dir, 'compose.yaml'), yaml),
    run: (...args: string[]) => berth(['-p', project, ...args], { cwd: dir }),
    /** On a terminal (util-linux `script` gives it one), typing `input`. */
    runOnTerminal: async (input: string, ...args: string[]) => {
      const command = ['node', BIN, '-p', project, '--progress', 'plain', ...args].map((a) => `'${a}'`).join(' ');
      const r = await execa('script', ['-qec', command, '/dev/null'], {
        cwd: dir,
        input,
        reject: false,
        env: { CI: '' },
      });
      return { exitCode: r.exitCode ?? -1, output: r.stdout };
    },
  };
}

/** One service `app` mounting the named volume `data` at /data (and an anonymous one at /cache). */
const stack = (volume: string[]) =>
  [
    'services:',
    '  app:',
    '    image: berth-local/busybox',
    '    init: true',
    '    command: sleep 300',
    '    volumes: [data:/data, /cache]',
    'volumes:',
    '  data:',
    ...volume.map((l) => `    ${l}`),
    '',
  ].join('\n');

const writeMarker = (container: string) => docker(['exec', container, 'sh', '-c', 'echo kept > /data/marker']);
const markerIn = async (volume: string) =>
  (await docker(['run', '--rm', '-v', `${volume}:/d`, 'berth-local/busybox', 'cat', '/d/marker'])).stdout;
const volumeExists = async (volume: string) => (await docker(['volume', 'inspect', volume])).exitCode === 0;
const mountOf = async (container: string, target: string) =>
  (
    await docker([
      'inspect',
      '-f',
      `{{range .Mounts}}{{if eq .Destination "${target}"}}{{.Name}}{{end}}{{end}}`,
      container,
    ])
  ).stdout;

describe('volumes', () => {
  it('down -v never removes a volume declared external, even one this project made; it still removes anonymous volumes', async () => {
    const f = fixture('ext');
    const app = `${f.project}-app-1`;
    f.write(stack(['labels: { owner: me }']));
    expect((await f.run('up', '-d')).exitCode).toBe(0);
    expect((await writeMarker(app)).exitCode).toBe(0);
    const anonymous = await mountOf(app, '/cache');
    expect(anonymous).toMatch(/^[0-9a-f]{64}$/);

    f.write(stack(['external: true', `name: ${f.project}_data`]));
    const down = await f.run('down', '-v');
    expect(down.exitCode).toBe(0);
    expect(down.stderr).toContain(`volume ${f.project}_data is external, skipping`);
    expect(await markerIn(`${f.project}_data`)).toBe('kept');
    expect(await volumeExists(anonymous)).toBe(false);
    expect(await containerIds(f.project)).toEqual({});
  });

  it('down -v by project name alone (no stack file) spares a volume the stack declared external', async () => {
    const f = fixture('noext');
    const app = `${f.project}-app-1`;
    f.write(stack(['labels: { owner: me }']));
    expect((await f.run('up', '-d')).exitCode).toBe(0);
    expect((await writeMarker(app)).exitCode).toBe(0);

    f.write(stack(['external: true', `name: ${f.project}_data`]));
    const up = await f.run('up', '-d');
    expect(up.exitCode).toBe(0);
    expect(up.stderr).toContain('volume data: now external');

    const elsewhere = mkdtempSync(join(tmpdir(), 'berth-vol-nofile-'));
    const down = await berth(['-p', f.project, 'down', '-v'], { cwd: elsewhere });
    expect(down.exitCode).toBe(0);
    expect(down.stderr).toContain(`volume ${f.project}_data is external, skipping`);
    expect(await markerIn(`${f.project}_data`)).toBe('kept');
    expect(await containerIds(f.project)).toEqual({});
  });

  it('a changed driver option: plan names it, up refuses without -y and changes nothing, up -y recreates the volume', async () => {
    const f = fixture('drift');
    const app = `${f.project}-app-1`;
    const volume = `${f.project}_data`;
    f.write(stack(['driver_opts: { type: tmpfs, device: tmpfs, o: size=1m }']));
    expect((await f.run('up', '-d')).exitCode).toBe(0);
    expect((await writeMarker(app)).exitCode).toBe(0);
    const before = await containerIds(f.project);

    f.write(stack(['driver_opts: { type: tmpfs, device: tmpfs, o: size=2m }', 'labels: { tier: gold }']));
    const plan = await f.run('plan');
    expect(plan.exitCode).toBe(2);
    expect(plan.stdout).toContain(
      `volume ${volume}: recreate: driver_opts.o, labels.tier changed (data in it would be lost)`,
    );

    const refused = await f.run('up', '-d');
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toContain(
      `volume ${volume}: driver_opts.o, labels.tier changed: recreating it would lose the data in it; nothing was changed`,
    );
    expect(refused.stderr).toContain('berth up -y');
    expect(await containerIds(f.project)).toEqual(before);
    expect((await docker(['exec', app, 'cat', '/data/marker'])).stdout).toBe('kept');
    expect((await docker(['volume', 'inspect', '-f', '{{.Options.o}}', volume])).stdout).toBe('size=1m');

    const agreed = await f.run('up', '-d', '-y');
    expect(agreed.exitCode).toBe(0);
    const inspected = await docker(['volume', 'inspect', '-f', '{{.Options.o}} {{index .Labels "tier"}}', volume]);
    expect(inspected.stdout).toBe('size=2m gold');
    expect((await containerIds(f.project))[app]).not.toBe(before[app]);
    expect(await mountOf(app, '/data')).toBe(volume);
    expect((await docker(['exec', app, 'ls', '/data'])).stdout).toBe('');
    expect((await f.run('plan')).exitCode).toBe(0);
  });

  it('up -y changes nothing when a container outside the stack also uses the volume', async () => {
    const f = fixture('shared');
    const app = `${f.project}-app-1`;
    const volume = `${f.project}_data`;
    const outsider = `${f.project}-outsider`;
    f.write(stack(['driver_opts: { type: tmpfs, device: tmpfs, o: size=1m }']));
    expect((await f.run('up', '-d')).exitCode).toBe(0);
    expect((await writeMarker(app)).exitCode).toBe(0);
    expect(
      (await docker(['run', '-d', '--name', outsider, '-v', `${volume}:/x`, 'berth-local/busybox', 'sleep', '300']))
        .exitCode,
    ).toBe(0);
    try {
      const before = await containerIds(f.project);
      f.write(stack(['driver_opts: { type: tmpfs, device: tmpfs, o: size=2m }']));
      const refused = await f.run('up', '-d', '-y');
      expect(refused.exitCode).not.toBe(0);
      expect(refused.stderr).toContain(
        `not recreated: ${outsider} outside this stack also uses volume ${volume}; nothing was changed`,
      );
      expect(await containerIds(f.project)).toEqual(before);
      expect((await docker(['exec', app, 'cat', '/data/marker'])).stdout).toBe('kept');
    } finally {
      await docker(['rm', '-f', outsider]);
    }
  });

  it('on a terminal, up asks before recreating a volume, and no (the default) changes nothing', async () => {
    const f = fixture('ask');
    const volume = `${f.project}_data`;
    f.write(stack(['driver_opts: { type: tmpfs, device: tmpfs, o: size=1m }']));
    expect((await f.run('up', '-d')).exitCode).toBe(0);
    f.write(stack(['driver_opts: { type: tmpfs, device: tmpfs, o: size=2m }']));

    const declined = await f.runOnTerminal('\n', 'up', '-d');
    expect(declined.output).toContain(
      `volume ${volume}: driver_opts.o changed: the stack file no longer matches it. Recreate it (the data in it will be lost)? [y/N]`,
    );
    expect(declined.exitCode).not.toBe(0);
    expect((await docker(['volume', 'inspect', '-f', '{{.Options.o}}', volume])).stdout).toBe('size=1m');

    const agreed = await f.runOnTerminal('y\n', 'up', '-d');
    expect(agreed.exitCode).toBe(0);
    expect((await docker(['volume', 'inspect', '-f', '{{.Options.o}}', volume])).stdout).toBe('size=2m');
  });

  it('a name change moves the container to the new volume and keeps the old one with its data; down -v keeps it too', async () => {
    const f = fixture('rename');
    const app = `${f.project}-app-1`;
    const oldVolume = `${f.project}_data`;
    const newVolume = `${f.project}_moved`;
    f.write(stack(['labels: { owner: me }']));
    expect((await f.run('up', '-d')).exitCode).toBe(0);
    expect((await writeMarker(app)).exitCode).toBe(0);
    const cache = await mountOf(app, '/cache');

    f.write(stack(['labels: { owner: me }', `name: ${newVolume}`]));
    const plan = await f.run('plan');
    expect(plan.exitCode).toBe(2);
    expect(plan.stdout).toContain(
      `volume ${newVolume}: create: missing (renamed from ${oldVolume}, which is kept with its data)`,
    );
    expect(plan.stdout).toContain(`${app}: create: volume data: ${oldVolume}→${newVolume}`);

    expect((await f.run('up', '-d')).exitCode).toBe(0);
    expect(await mountOf(app, '/data')).toBe(newVolume);
    expect(await mountOf(app, '/cache')).toBe(cache);
    expect(await markerIn(oldVolume)).toBe('kept');
    expect((await f.run('plan')).exitCode).toBe(0);

    const down = await f.run('down', '-v');
    expect(down.exitCode).toBe(0);
    expect(down.stderr).toContain(
      `volume ${oldVolume} (once volume "data") is no longer declared in the stack file: kept with its data; remove it with: docker volume rm ${oldVolume}`,
    );
    expect(await markerIn(oldVolume)).toBe('kept');
    expect(await volumeExists(newVolume)).toBe(false);
  });
});
