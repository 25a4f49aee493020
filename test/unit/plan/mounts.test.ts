/**
 * Mount options from the stack file to `Binds` and `Mounts` of `POST /containers/create`, as Compose
 * maps them (pkg/compose/create.go, buildMount): SELinux relabelling and propagation of binds in short
 * and long syntax, a volume's subpath and image mounts where the engine's API knows them (named with
 * their file:line where it does not), tmpfs size and mode in both syntaxes.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { warningsForEngine } from '../../../src/config/engine-keys.js';
import { containerSpec } from '../../../src/plan/desired.js';
import { containerCreateBody } from '../../../src/runtime/docker/to-engine.js';
import type { EngineHostConfig } from '../../../src/runtime/docker/engine-types.js';
import { load } from '../config/helpers.js';

const STACK = `services:
  app:
    image: x
    volumes:
      - ./a:/a:z
      - ./b:/b:ro,Z,rshared
      - type: bind
        source: ./c
        target: /c
        bind: {selinux: Z, create_host_path: false}
      - type: bind
        source: ./d
        target: /d
        bind: {propagation: rslave, create_host_path: false}
      - type: volume
        source: data
        target: /data
        volume: {subpath: app, nocopy: true}
      - type: image
        source: berth-local/busybox
        target: /img
        image: {subpath: bin}
      - type: tmpfs
        target: /scratch
        tmpfs: {size: 64m, mode: 01777}
    tmpfs: ["/run:size=32m,mode=1770", /tmp]
volumes:
  data: {}
`;

async function hostConfig(apiVersion: string): Promise<{ host: EngineHostConfig; dir: string }> {
  const { project, dir } = await load({ 'compose.yaml': STACK });
  const spec = containerSpec(project, project.services.app!, 1, 'test');
  return { host: containerCreateBody(spec, apiVersion).HostConfig, dir };
}

describe('mount options reach the engine', () => {
  it('z and Z relabel a bind in short and long syntax (as Binds), with propagation', async () => {
    const { host, dir } = await hostConfig('1.41');
    expect(host.Binds).toEqual([
      `${join(dir, 'a')}:/a:z`,
      `${join(dir, 'b')}:/b:ro,Z,rshared`,
      `${join(dir, 'c')}:/c:Z`,
    ]);
    expect(host.Mounts?.find((m) => m.Target === '/d')).toEqual({
      Type: 'bind',
      Source: join(dir, 'd'),
      Target: '/d',
      BindOptions: { Propagation: 'rslave' },
    });
  });

  it('tmpfs size and mode, in long syntax and in tmpfs: strings', async () => {
    const { host } = await hostConfig('1.41');
    expect(host.Mounts?.find((m) => m.Target === '/scratch')).toEqual({
      Type: 'tmpfs',
      Target: '/scratch',
      TmpfsOptions: { SizeBytes: 64 * 1024 ** 2, Mode: 0o1777 },
    });
    expect(host.Tmpfs).toEqual({ '/run': 'size=32m,mode=1770', '/tmp': '' });
  });

  it('a volume subpath and an image mount where the API knows them (1.45, 1.48)', async () => {
    const { host } = await hostConfig('1.48');
    expect(host.Mounts?.find((m) => m.Target === '/data')?.VolumeOptions).toEqual({ NoCopy: true, Subpath: 'app' });
    expect(host.Mounts?.find((m) => m.Target === '/img')).toEqual({
      Type: 'image',
      Source: 'berth-local/busybox',
      Target: '/img',
      ImageOptions: { Subpath: 'bin' },
    });
  });

  it('on API 1.41 they are left out of the request, and each is named with its file:line', async () => {
    const { host } = await hostConfig('1.41');
    expect(host.Mounts?.find((m) => m.Target === '/data')?.VolumeOptions).toEqual({ NoCopy: true });
    expect(host.Mounts?.find((m) => m.Target === '/img')).toBeUndefined();
    const { engineGated, dir } = await load({ 'compose.yaml': STACK });
    expect(warningsForEngine(engineGated ?? [], '1.41').map((w) => w.replace(`${dir}/`, ''))).toEqual([
      'compose.yaml:18:18: services.app.volumes[4].volume.subpath: not sent to the engine: it needs Engine API 1.45 (Docker Engine 26) or later; this engine speaks API 1.41',
      'compose.yaml:19:9: services.app.volumes[5].type: not sent to the engine: it needs Engine API 1.48 (Docker Engine 28) or later; this engine speaks API 1.41',
    ]);
  });
});

describe("a bind's recursion mode (bind.recursive), as Compose's toDockerBindOptions maps it", () => {
  const RECURSIVE = `services:
  app:
    image: x
    volumes:
      - {type: bind, source: ./on, target: /on, bind: {recursive: enabled}}
      - {type: bind, source: ./off, target: /off, bind: {recursive: disabled}}
      - {type: bind, source: ./top, target: /top, read_only: true, bind: {recursive: writable}}
      - {type: bind, source: ./all, target: /all, read_only: true, bind: {recursive: readonly, create_host_path: false}}
`;
  const mounts = async (apiVersion: string) => {
    const { project, dir, engineGated } = await load({ 'compose.yaml': RECURSIVE });
    const host = containerCreateBody(containerSpec(project, project.services.app!, 1, 'test'), apiVersion).HostConfig;
    return { host, dir, engineGated };
  };

  it('goes to Mounts with its bind options; recursive (the default) stays a plain bind', async () => {
    const { host, dir } = await mounts('1.44');
    expect(host.Binds).toEqual([`${join(dir, 'on')}:/on`]);
    expect(host.Mounts?.map((m) => [m.Target, m.ReadOnly ?? false, m.BindOptions])).toEqual([
      ['/off', false, { CreateMountpoint: true, NonRecursive: true }],
      ['/top', true, { CreateMountpoint: true, ReadOnlyNonRecursive: true }],
      ['/all', true, { ReadOnlyForceRecursive: true }],
    ]);
  });

  it('before API 1.44 only disabled is sent; writable and readonly are named with their file:line', async () => {
    const { host, dir, engineGated } = await mounts('1.41');
    expect(host.Mounts?.map((m) => m.BindOptions)).toEqual([
      { CreateMountpoint: true, NonRecursive: true },
      { CreateMountpoint: true },
      undefined,
    ]);
    expect(warningsForEngine(engineGated ?? [], '1.41').map((w) => w.replace(`${dir}/`, ''))).toEqual([
      'compose.yaml:7:75: services.app.volumes[2].bind.recursive: not sent to the engine: it needs Engine API 1.44 (Docker Engine 25) or later; this engine speaks API 1.41',
      'compose.yaml:8:75: services.app.volumes[3].bind.recursive: not sent to the engine: it needs Engine API 1.44 (Docker Engine 25) or later; this engine speaks API 1.41',
    ]);
  });
});
