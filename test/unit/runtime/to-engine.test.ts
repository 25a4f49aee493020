import { describe, expect, it } from 'vitest';
import type { ContainerSpec } from '../../../src/runtime/runtime.js';
import {
  bindString,
  containerCreateBody,
  labelFilterValues,
  networkCreateBody,
  splitEndpoints,
  volumeCreateBody,
} from '../../../src/runtime/docker/to-engine.js';

function spec(over: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    name: 'shop-web-1',
    image: 'berth-local/busybox:latest',
    env: ['A=1'],
    labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web' },
    ports: [],
    mounts: [],
    endpoints: [{ network: 'shop_default', aliases: ['web'] }],
    ...over,
  };
}

describe('label filters', () => {
  it('key=value and key-only', () => {
    expect(labelFilterValues({ 'com.docker.compose.project': 'shop', 'com.docker.compose.oneoff': true })).toEqual([
      'com.docker.compose.project=shop',
      'com.docker.compose.oneoff',
    ]);
    expect(labelFilterValues({})).toBeUndefined();
  });
});

describe('container create body', () => {
  it('a minimal service: image, env, labels, its network with aliases', () => {
    expect(containerCreateBody(spec(), '1.41')).toEqual({
      Image: 'berth-local/busybox:latest',
      Env: ['A=1'],
      Labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web' },
      HostConfig: { NetworkMode: 'shop_default' },
      NetworkingConfig: { EndpointsConfig: { shop_default: { Aliases: ['web'] } } },
    });
  });

  it('published ports bind to their host address and are exposed; ranges pass as strings', () => {
    const body = containerCreateBody(
      spec({
        ports: [
          { target: 8080, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 18080 },
          { target: 8080, protocol: 'tcp', hostIp: '::1', hostPort: 18080 },
          { target: 53, protocol: 'udp' },
        ],
        portRanges: [{ target: 9000, protocol: 'tcp', hostPort: '9000-9010' }],
        exposedPorts: [{ port: 7000, protocol: 'tcp' }],
      }),
      '1.41',
    );
    expect(body.ExposedPorts).toEqual({ '7000/tcp': {}, '8080/tcp': {}, '53/udp': {}, '9000/tcp': {} });
    expect(body.HostConfig.PortBindings).toEqual({
      '8080/tcp': [
        { HostIp: '127.0.0.1', HostPort: '18080' },
        { HostIp: '::1', HostPort: '18080' },
      ],
      '53/udp': [{ HostPort: '' }],
      '9000/tcp': [{ HostPort: '9000-9010' }],
    });
  });

  it('mounts: volume, anonymous volume, tmpfs and bind as Mounts; a bind that creates its host path as Binds', () => {
    const body = containerCreateBody(
      spec({
        mounts: [
          { type: 'volume', source: 'shop_data', target: '/data', noCopy: true },
          { type: 'volume', target: '/cache' },
          { type: 'tmpfs', target: '/run', tmpfsSize: 1048576, tmpfsMode: 0o1777 },
          { type: 'bind', source: '/srv/conf', target: '/conf', readOnly: true, propagation: 'rslave' },
          { type: 'bind', source: '/srv/new', target: '/new', createHostPath: true, readOnly: true },
        ],
        volumesFrom: ['0123456789ab:rw'],
      }),
      '1.41',
    );
    expect(body.HostConfig.Mounts).toEqual([
      { Type: 'volume', Source: 'shop_data', Target: '/data', VolumeOptions: { NoCopy: true } },
      { Type: 'volume', Target: '/cache' },
      { Type: 'tmpfs', Target: '/run', TmpfsOptions: { SizeBytes: 1048576, Mode: 0o1777 } },
      { Type: 'bind', Source: '/srv/conf', Target: '/conf', ReadOnly: true, BindOptions: { Propagation: 'rslave' } },
    ]);
    expect(body.HostConfig.Binds).toEqual(['/srv/new:/new:ro']);
    expect(body.HostConfig.VolumesFrom).toEqual(['0123456789ab:rw']);
  });

  it('bind strings carry read-only and propagation together', () => {
    expect(bindString({ type: 'bind', source: '/a', target: '/b' })).toBe('/a:/b');
    expect(bindString({ type: 'bind', source: '/a', target: '/b', readOnly: true, propagation: 'rshared' })).toBe(
      '/a:/b:ro,rshared',
    );
  });

  it('command as given; an empty entrypoint is sent as [""] so the image one is dropped', () => {
    const body = containerCreateBody(spec({ command: ['sh', '-c', 'echo hi'], entrypoint: [] }), '1.41');
    expect(body.Cmd).toEqual(['sh', '-c', 'echo hi']);
    expect(body.Entrypoint).toEqual(['']);
    const imageDefaults = containerCreateBody(spec(), '1.41');
    expect(imageDefaults).not.toHaveProperty('Cmd');
    expect(imageDefaults).not.toHaveProperty('Entrypoint');
  });

  it('healthcheck, stop signal and timeout, restart policy', () => {
    const body = containerCreateBody(
      spec({
        healthcheck: {
          test: ['CMD-SHELL', 'true'],
          intervalNs: 1e9,
          timeoutNs: 2e9,
          startPeriodNs: 3e9,
          startIntervalNs: 4e9,
          retries: 5,
        },
        stopSignal: 'SIGINT',
        stopTimeoutSec: 3,
        restartPolicy: { name: 'on-failure', maxRetries: 2 },
      }),
      '1.41',
    );
    // StartInterval exists from API 1.44 only.
    expect(body.Healthcheck).toEqual({
      Test: ['CMD-SHELL', 'true'],
      Interval: 1e9,
      Timeout: 2e9,
      StartPeriod: 3e9,
      Retries: 5,
    });
    expect(body.StopSignal).toBe('SIGINT');
    expect(body.StopTimeout).toBe(3);
    expect(body.HostConfig.RestartPolicy).toEqual({ Name: 'on-failure', MaximumRetryCount: 2 });
    expect(
      containerCreateBody(spec({ healthcheck: { test: ['NONE'], startIntervalNs: 4e9 } }), '1.44').Healthcheck,
    ).toEqual({
      Test: ['NONE'],
      StartInterval: 4e9,
    });
  });

  it('host settings pass through under their engine names', () => {
    const body = containerCreateBody(
      spec({
        extraHosts: ['db:10.0.0.2'],
        dns: ['10.0.0.53'],
        dnsSearch: ['example.internal'],
        dnsOptions: ['ndots:2'],
        capAdd: ['NET_ADMIN'],
        capDrop: ['MKNOD'],
        privileged: false,
        readOnlyRootfs: true,
        init: true,
        tmpfs: { '/tmp': 'size=64m' },
        ipcMode: 'shareable',
        pidMode: 'host',
        shmSize: 67108864,
        securityOpt: ['no-new-privileges'],
        sysctls: { 'net.core.somaxconn': '1024' },
        ulimits: [{ name: 'nofile', soft: 1024, hard: 2048 }],
        devices: [{ source: '/dev/fuse', target: '/dev/fuse', permissions: 'rwm' }],
        logConfig: { type: 'json-file', config: { 'max-size': '1m' } },
        memoryBytes: 268435456,
        nanoCpus: 500000000,
        pidsLimit: 100,
        hostname: 'web',
        user: '1000:1000',
        workingDir: '/srv',
        tty: true,
        openStdin: true,
      }),
      '1.41',
    );
    expect(body).toMatchObject({ Hostname: 'web', User: '1000:1000', WorkingDir: '/srv', Tty: true, OpenStdin: true });
    expect(body.HostConfig).toEqual({
      NetworkMode: 'shop_default',
      ExtraHosts: ['db:10.0.0.2'],
      Dns: ['10.0.0.53'],
      DnsSearch: ['example.internal'],
      DnsOptions: ['ndots:2'],
      CapAdd: ['NET_ADMIN'],
      CapDrop: ['MKNOD'],
      Privileged: false,
      ReadonlyRootfs: true,
      Init: true,
      Tmpfs: { '/tmp': 'size=64m' },
      IpcMode: 'shareable',
      PidMode: 'host',
      ShmSize: 67108864,
      SecurityOpt: ['no-new-privileges'],
      Sysctls: { 'net.core.somaxconn': '1024' },
      Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }],
      Devices: [{ PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' }],
      LogConfig: { Type: 'json-file', Config: { 'max-size': '1m' } },
      Memory: 268435456,
      NanoCpus: 500000000,
      PidsLimit: 100,
    });
  });

  describe('networks', () => {
    const two = spec({
      endpoints: [
        { network: 'shop_front', aliases: ['web', 'www'], ipv4Address: '172.30.0.10' },
        { network: 'shop_back', aliases: [] },
      ],
    });

    it('only the first endpoint goes into the create body; the others are connected afterwards', () => {
      const body = containerCreateBody(two, '1.41');
      expect(body.HostConfig.NetworkMode).toBe('shop_front');
      expect(body.NetworkingConfig).toEqual({
        EndpointsConfig: { shop_front: { Aliases: ['web', 'www'], IPAMConfig: { IPv4Address: '172.30.0.10' } } },
      });
      expect(splitEndpoints(two).rest.map((e) => e.network)).toEqual(['shop_back']);
    });

    it.each(['host', 'none', 'container:0123456789ab'])('network_mode %s: no endpoints at all', (mode) => {
      const s = { ...two, networkMode: mode };
      const body = containerCreateBody(s, '1.41');
      expect(body.HostConfig.NetworkMode).toBe(mode);
      expect(body.NetworkingConfig).toBeUndefined();
      expect(splitEndpoints(s)).toEqual({ rest: [] });
    });

    it('MAC address: container config before API 1.44, first endpoint from 1.44', () => {
      const s = spec({ macAddress: '02:42:ac:11:00:99' });
      expect(containerCreateBody(s, '1.41').MacAddress).toBe('02:42:ac:11:00:99');
      const modern = containerCreateBody(s, '1.45');
      expect(modern.MacAddress).toBeUndefined();
      expect(modern.NetworkingConfig?.EndpointsConfig['shop_default']?.MacAddress).toBe('02:42:ac:11:00:99');
    });
  });
});

describe('network and volume create bodies', () => {
  it('network: duplicate check on, options and IPAM spelled the engine way', () => {
    expect(
      networkCreateBody(
        {
          name: 'shop_default',
          driver: 'bridge',
          driverOpts: { 'com.docker.network.bridge.name': 'br-shop' },
          labels: { 'com.docker.compose.project': 'shop' },
          internal: true,
          attachable: true,
          ipam: { driver: 'default', config: [{ subnet: '172.30.0.0/24', gateway: '172.30.0.1' }] },
        },
        '1.41',
      ),
    ).toEqual({
      Name: 'shop_default',
      CheckDuplicate: true,
      Driver: 'bridge',
      Options: { 'com.docker.network.bridge.name': 'br-shop' },
      Labels: { 'com.docker.compose.project': 'shop' },
      Internal: true,
      Attachable: true,
      IPAM: { Driver: 'default', Config: [{ Subnet: '172.30.0.0/24', Gateway: '172.30.0.1' }] },
    });
  });

  it('volume', () => {
    expect(
      volumeCreateBody({
        name: 'shop_data',
        labels: { a: 'b' },
        driver: 'local',
        driverOpts: { type: 'tmpfs', device: 'tmpfs' },
      }),
    ).toEqual({
      Name: 'shop_data',
      Driver: 'local',
      DriverOpts: { type: 'tmpfs', device: 'tmpfs' },
      Labels: { a: 'b' },
    });
  });
});
