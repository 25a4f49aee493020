/**
 * Mount options reach the real engine: `docker inspect` shows the SELinux relabel mode of binds written
 * in short and long syntax, a tmpfs has the size and mode the stack gives (in long syntax and as a
 * `tmpfs:` string) as seen from inside the container, an unknown short-syntax option is ignored with a
 * warning, and what API 1.41 cannot mount (`volume.subpath`, `type: image`) is named on `up` with its
 * file:line; a bind's `recursive: disabled` is a non-recursive bind.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, docker, purgeProject, shIn } from '../../helpers/cli.js';

const project = `e2e-mounts-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'berth-mounts-'));
const run = (...args: string[]) => berth(['-p', project, ...args], { cwd: dir });

const STACK = `services:
  app:
    image: berth-local/busybox
    init: true
    command: ["sleep", "300"]
    volumes:
      - ./shared:/shared:z
      - ./private:/private:ro,Z,weird
      - type: bind
        source: ./long
        target: /long
        bind: {selinux: z}
      - type: tmpfs
        target: /scratch
        tmpfs: {size: 8m, mode: 01770}
      - type: volume
        source: data
        target: /data
        volume: {subpath: sub}
    tmpfs: ["/cache:size=4m,mode=1777"]
    # Last, so that the lines the tests below name stay where they are.
  flat:
    image: berth-local/busybox
    init: true
    command: ["sleep", "300"]
    volumes:
      - {type: bind, source: ./flat, target: /flat, bind: {recursive: disabled}}
volumes:
  data: {}
`;

let up: Awaited<ReturnType<typeof run>>;
beforeAll(async () => {
  for (const d of ['shared', 'private', 'long', 'flat']) mkdirSync(join(dir, d));
  writeFileSync(join(dir, 'compose.yaml'), STACK);
  await purgeProject(project);
  up = await run('up', '-d');
});
afterAll(() => purgeProject(project));

const inApp = (script: string): Promise<string> => shIn(run, 'app', script);

describe('mount options', () => {
  it('docker inspect shows z and Z on the binds, short and long syntax', async () => {
    expect(up.exitCode, up.stderr).toBe(0);
    const r = await docker(['inspect', '-f', '{{json .Mounts}}', `${project}-app-1`]);
    const mounts = JSON.parse(r.stdout) as { Destination: string; Mode: string; RW: boolean }[];
    const mode = (target: string): string | undefined => mounts.find((m) => m.Destination === target)?.Mode;
    expect([mode('/shared'), mode('/private'), mode('/long')]).toEqual(['z', 'ro,Z', 'z']);
  });

  it('a tmpfs has its size and mode, in long syntax and as a tmpfs: string', async () => {
    expect(await inApp('stat -c %a /scratch /cache')).toBe('1770\n1777');
    expect(await inApp("df -k /scratch /cache | awk 'NR>1 {print $2}'")).toBe('8192\n4096');
  });

  it('an unknown short-syntax option is ignored with a warning at its place', () => {
    expect(up.stderr).toMatch(/compose\.yaml:8:9: services\.app\.volumes\[1\]: volume option "weird" ignored/);
  });

  it('volume.subpath, which API 1.41 does not know, is named with its file:line', () => {
    expect(up.stderr).toMatch(
      /compose\.yaml:19:18: services\.app\.volumes\[4\]\.volume\.subpath: not sent to the engine: it needs Engine API 1\.45/,
    );
  });

  it('bind.recursive: disabled reaches the engine as a non-recursive bind', async () => {
    const r = await docker(['inspect', '-f', '{{json .HostConfig.Mounts}}', `${project}-flat-1`]);
    expect(JSON.parse(r.stdout)).toEqual([
      { Type: 'bind', Source: join(dir, 'flat'), Target: '/flat', BindOptions: { NonRecursive: true } },
    ]);
  });
});
