import { describe, expect, it } from 'vitest';
import {
  containerDetailsFrom,
  containerSummaryFrom,
  imageInspectFrom,
  imageSummaryFrom,
  networkFrom,
  normalizeContainerState,
  parseHealthFromStatus,
  portsFromInspect,
  sortableTime,
  volumeFrom,
} from '../../../src/runtime/docker/from-engine.js';
import { docker2010Inspect, docker2010InspectExited, docker2010List, podmanInspect, podmanList } from './fixtures.js';

describe('health from a list status text', () => {
  it.each([
    ['Docker 20.10, healthy', 'Up 2 seconds (healthy)', 'healthy'],
    ['Docker 20.10, starting', 'Up Less than a second (health: starting)', 'starting'],
    ['Docker 20.10, unhealthy', 'Up 5 minutes (unhealthy)', 'unhealthy'],
    ['Podman, starting', 'Up 3 seconds (starting)', 'starting'],
    ['Podman, healthy', 'Up 3 seconds (healthy)', 'healthy'],
    ['no healthcheck', 'Up 3 seconds', 'none'],
    ['paused is not a health', 'Up 3 seconds (Paused)', 'none'],
    ['exited', 'Exited (137) Less than a second ago', 'none'],
    ['empty (Podman created)', '', 'none'],
  ] as const)('%s: %j -> %s', (_variant, status, expected) => {
    expect(parseHealthFromStatus(status)).toBe(expected);
  });
});

describe('container state words', () => {
  it.each([
    ['running', 'running'],
    ['exited', 'exited'],
    ['created', 'created'],
    ['paused', 'paused'],
    ['restarting', 'restarting'],
    ['removing', 'removing'],
    ['dead', 'dead'],
    // Podman's words
    ['configured', 'created'],
    ['initialized', 'created'],
    ['stopped', 'exited'],
    ['stopping', 'running'],
    ['Running', 'running'],
  ] as const)('%s -> %s', (engine, berth) => {
    expect(normalizeContainerState(engine)).toBe(berth);
  });
});

describe('container list entries', () => {
  it('Docker 20.10: name without slash, published port, networks, health', () => {
    expect(containerSummaryFrom(docker2010List[0]!)).toEqual({
      id: 'efff1f217ed247a7765e819e61adaa5d7d09c671b691ffe3f624baaa23d8f4aa',
      name: 'fixt-web-1',
      image: 'berth-local/busybox:latest',
      imageId: 'sha256:3ba4e5838bd7fe8e79ccfd024307cad3c7ea410cc5791d76e9edc82c4588b50e',
      labels: { 'com.docker.compose.project': 'fixt' },
      state: 'running',
      status: 'Up 2 seconds (healthy)',
      health: 'healthy',
      created: 1795436311,
      ports: [{ target: 8080, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 32768 }],
      networks: ['fixt_net'],
      volumes: [{ name: 'fixt_data', target: '/www' }],
      commandLine: 'httpd -f -p 8080',
    });
  });

  it('mounts: every volume (named and anonymous, as a recreate carries them), no bind; none listed is unknown, not empty', () => {
    const anonymous = '0896c1b80de3358cdfef01b72086472b58f6c16a0d1bcfd66e54e4922ffd675c';
    const listed = containerSummaryFrom({
      ...docker2010List[0]!,
      Mounts: [
        { Type: 'volume', Name: 'fixt_data', Source: '', Destination: '/www' },
        { Type: 'volume', Name: anonymous, Source: '', Destination: '/cache' },
        { Type: 'bind', Source: '/srv', Destination: '/srv' },
      ],
    });
    expect(listed.volumes).toEqual([
      { name: 'fixt_data', target: '/www' },
      { name: anonymous, target: '/cache' },
    ]);
    expect(containerSummaryFrom({ ...docker2010List[0]!, Mounts: [] }).volumes).toEqual([]);
    expect(containerSummaryFrom({ ...docker2010List[0]!, Mounts: null }).volumes).toBeUndefined();
  });

  it('Podman: nulls become empty, "configured" is created', () => {
    const c = containerSummaryFrom(podmanList[0]!);
    expect(c).toMatchObject({
      name: 'fixt-db-1',
      labels: {},
      ports: [],
      networks: [],
      state: 'created',
      health: 'none',
    });
  });
});

describe('container inspect', () => {
  it("its volumes as a list reports them (named and anonymous, no bind), which the runtime fills a list's gap with", () => {
    expect(containerDetailsFrom(docker2010Inspect).volumes).toEqual([
      { name: '0896c1b80de3358cdfef01b72086472b58f6c16a0d1bcfd66e54e4922ffd675c', target: '/data' },
    ]);
    expect(containerDetailsFrom(podmanInspect).volumes).toEqual([]);
  });

  it('Docker 20.10 running with a healthcheck', () => {
    const d = containerDetailsFrom(docker2010Inspect);
    expect(d).toMatchObject({
      name: 'fixt-web-1',
      image: 'berth-local/busybox:latest',
      imageId: 'sha256:3ba4e5838bd7fe8e79ccfd024307cad3c7ea410cc5791d76e9edc82c4588b50e',
      state: 'running',
      status: 'Up (healthy)',
      health: 'healthy',
      exitCode: 0,
      created: 1795436311,
      command: ['httpd', '-f', '-p', '8080'],
      entrypoint: [],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      ports: [{ target: 8080, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 32768 }],
      networks: ['fixt_net'],
      networkSettings: { fixt_net: { ipAddress: '172.18.0.2', aliases: ['web', 'efff1f217ed2'] } },
      restartCount: 0,
      startedAt: '2026-11-23T12:18:32.235523682Z',
      healthLog: [
        { exitCode: 0, output: '' },
        { exitCode: 0, output: 'ok\n' },
      ],
    });
    expect(d.finishedAt).toBeUndefined();
    expect(d.mounts).toEqual([
      {
        type: 'volume',
        name: '0896c1b80de3358cdfef01b72086472b58f6c16a0d1bcfd66e54e4922ffd675c',
        source: '/var/lib/docker/volumes/0896c1b80de3358cdfef01b72086472b58f6c16a0d1bcfd66e54e4922ffd675c/_data',
        target: '/data',
        readOnly: false,
      },
    ]);
  });

  it('Docker 20.10 exited: exit code, finish time, no health log when none ran', () => {
    const d = containerDetailsFrom(docker2010InspectExited);
    expect(d).toMatchObject({ state: 'exited', status: 'Exited (137)', exitCode: 137, env: [], labels: {} });
    expect(d.finishedAt).toBe('2026-11-23T12:18:52.767319567Z');
    expect(d.healthLog).toBeUndefined();
  });

  it('Podman: health under "Healthcheck", string Cmd, null networks, exposed-only port', () => {
    const d = containerDetailsFrom(podmanInspect);
    expect(d).toMatchObject({
      name: 'fixt-db-1',
      health: 'starting',
      status: 'Up (health: starting)',
      command: ['sleep 100'],
      networks: [],
      networkSettings: {},
      ports: [{ target: 5432, protocol: 'tcp' }],
      mounts: [{ type: 'bind', source: '/srv/data', target: '/data', readOnly: true }],
    });
  });
});

describe('ports from inspect', () => {
  it('one entry per binding (IPv4 and IPv6), udp kept', () => {
    expect(
      portsFromInspect({
        '53/udp': [
          { HostIp: '0.0.0.0', HostPort: '5353' },
          { HostIp: '::', HostPort: '5353' },
        ],
      }),
    ).toEqual([
      { target: 53, protocol: 'udp', hostIp: '0.0.0.0', hostPort: 5353 },
      { target: 53, protocol: 'udp', hostIp: '::', hostPort: 5353 },
    ]);
  });
});

describe('networks, volumes, images', () => {
  it('network: attached container ids from inspect, null labels', () => {
    expect(
      networkFrom({ Id: 'n1', Name: 'p_default', Driver: 'bridge', Labels: null, Containers: { c1: {}, c2: {} } }),
    ).toEqual({
      id: 'n1',
      name: 'p_default',
      driver: 'bridge',
      labels: {},
      containers: ['c1', 'c2'],
    });
  });

  it('volume', () => {
    expect(
      volumeFrom({
        Name: 'p_data',
        Driver: 'local',
        Labels: { a: 'b' },
        Mountpoint: '/var/lib/docker/volumes/p_data/_data',
      }),
    ).toEqual({
      name: 'p_data',
      driver: 'local',
      labels: { a: 'b' },
      mountpoint: '/var/lib/docker/volumes/p_data/_data',
    });
  });

  it('volume driver options: kept when the engine reports some, absent when null (as Docker 20.10 lists a volume made without)', () => {
    expect(volumeFrom({ Name: 'v', Driver: 'local', Options: { type: 'tmpfs', o: 'size=1m' } }).options).toEqual({
      type: 'tmpfs',
      o: 'size=1m',
    });
    expect(volumeFrom({ Name: 'v', Driver: 'local', Options: null })).not.toHaveProperty('options');
  });

  it('image list entry: "<none>" tags are no tags', () => {
    expect(
      imageSummaryFrom({
        Id: 'sha256:1',
        RepoTags: ['<none>:<none>'],
        RepoDigests: ['<none>@<none>'],
        Labels: null,
        Created: 5,
        Size: 7,
      }),
    ).toEqual({ id: 'sha256:1', repoTags: [], repoDigests: [], labels: {}, created: 5, size: 7 });
  });

  it('image inspect: ISO creation time in seconds, labels from Config', () => {
    expect(
      imageInspectFrom({
        Id: 'sha256:1',
        RepoTags: ['a:1'],
        Created: '2026-11-23T12:00:00Z',
        Size: 9,
        Config: { Labels: { x: 'y' } },
      }),
    ).toEqual({
      id: 'sha256:1',
      repoTags: ['a:1'],
      repoDigests: [],
      labels: { x: 'y' },
      created: Date.UTC(2026, 10, 23, 12) / 1000,
      size: 9,
    });
  });

  it('network creation times as text in time order, whatever fraction digits and offset the engine wrote', () => {
    const times = [
      '2026-11-23T16:13:37.6434Z',
      '2026-11-23T16:13:37.644357185Z',
      '2026-11-23T17:13:37.5+01:00',
      '2026-11-23T16:13:37Z',
    ];
    const sorted = times.map((t) => sortableTime(t)!).sort();
    expect(sorted).toEqual([
      '2026-11-23T16:13:37.000000000Z',
      '2026-11-23T16:13:37.500000000Z',
      '2026-11-23T16:13:37.643400000Z',
      '2026-11-23T16:13:37.644357185Z',
    ]);
    expect(sortableTime('yesterday')).toBeUndefined();
    expect(networkFrom({ Id: 'n1', Name: 'demo_default', Created: '2026-11-23T16:13:37.6434Z' }).created).toBe(
      '2026-11-23T16:13:37.643400000Z',
    );
  });
});
