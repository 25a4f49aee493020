/**
 * Engine answers captured from real engines, trimmed to the fields berth reads.
 * Docker 20.10.24 (API 1.41) on this project's machines; Podman 4.x compat shapes as documented by
 * its compatibility API (nulls where Docker sends empty lists, its own state words).
 */
import type { EngineContainerInspect, EngineContainerSummary } from '../../../src/runtime/docker/engine-types.js';

export const docker2010List: EngineContainerSummary[] = [
  {
    Id: 'efff1f217ed247a7765e819e61adaa5d7d09c671b691ffe3f624baaa23d8f4aa',
    Names: ['/fixt-web-1'],
    Image: 'berth-local/busybox:latest',
    ImageID: 'sha256:3ba4e5838bd7fe8e79ccfd024307cad3c7ea410cc5791d76e9edc82c4588b50e',
    Command: 'httpd -f -p 8080',
    Created: 1795436311,
    Ports: [{ IP: '127.0.0.1', PrivatePort: 8080, PublicPort: 32768, Type: 'tcp' }],
    Labels: { 'com.docker.compose.project': 'fixt' },
    State: 'running',
    Status: 'Up 2 seconds (healthy)',
    NetworkSettings: {
      Networks: {
        fixt_net: {
          IPAMConfig: null,
          Aliases: null,
          NetworkID: '33610039f66e4f1d8564735f0e40e9d13e8f1f65ff798d5c008560d2aa3c9e44',
          IPAddress: '172.18.0.2',
          MacAddress: '02:42:ac:12:00:02',
        },
      },
    },
    Mounts: [
      {
        Type: 'volume',
        Name: 'fixt_data',
        Source: '/var/lib/docker/volumes/fixt_data/_data',
        Destination: '/www',
        Driver: 'local',
        Mode: 'z',
        RW: true,
        Propagation: '',
      },
      { Type: 'bind', Source: '/srv/site', Destination: '/site', Mode: '', RW: false, Propagation: 'rprivate' },
    ],
  },
];

export const docker2010Inspect: EngineContainerInspect = {
  Id: 'efff1f217ed247a7765e819e61adaa5d7d09c671b691ffe3f624baaa23d8f4aa',
  Created: '2026-11-23T12:18:31.85219529Z',
  Name: '/fixt-web-1',
  Image: 'sha256:3ba4e5838bd7fe8e79ccfd024307cad3c7ea410cc5791d76e9edc82c4588b50e',
  RestartCount: 0,
  State: {
    Status: 'running',
    Running: true,
    ExitCode: 0,
    StartedAt: '2026-11-23T12:18:32.235523682Z',
    FinishedAt: '0001-01-01T00:00:00Z',
    Health: {
      Status: 'healthy',
      FailingStreak: 0,
      Log: [
        { Start: '2026-11-23T12:18:33.235781564Z', End: '2026-11-23T12:18:33.291995782Z', ExitCode: 0, Output: '' },
        { Start: '2026-11-23T12:18:34.295445323Z', End: '2026-11-23T12:18:34.343033724Z', ExitCode: 0, Output: 'ok\n' },
      ],
    },
  },
  Mounts: [
    {
      Type: 'volume',
      Name: '0896c1b80de3358cdfef01b72086472b58f6c16a0d1bcfd66e54e4922ffd675c',
      Source: '/var/lib/docker/volumes/0896c1b80de3358cdfef01b72086472b58f6c16a0d1bcfd66e54e4922ffd675c/_data',
      Destination: '/data',
      Driver: 'local',
      Mode: 'z',
      RW: true,
      Propagation: '',
    },
  ],
  Config: {
    Image: 'berth-local/busybox:latest',
    Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    Cmd: ['httpd', '-f', '-p', '8080'],
    Entrypoint: null,
    Labels: { 'com.docker.compose.project': 'fixt' },
  },
  NetworkSettings: {
    Ports: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '32768' }] },
    Networks: {
      fixt_net: {
        IPAMConfig: null,
        Aliases: ['web', 'efff1f217ed2'],
        NetworkID: '33610039f66e4f1d8564735f0e40e9d13e8f1f65ff798d5c008560d2aa3c9e44',
        IPAddress: '172.18.0.2',
      },
    },
  },
};

/** A container killed while its healthcheck had not run yet: Docker still reports a health object. */
export const docker2010InspectExited: EngineContainerInspect = {
  Id: 'a'.repeat(64),
  Name: '/fixt-slow-1',
  Created: '2026-11-23T12:18:52.5Z',
  Image: 'sha256:3ba4e5838bd7fe8e79ccfd024307cad3c7ea410cc5791d76e9edc82c4588b50e',
  State: {
    Status: 'exited',
    Running: false,
    ExitCode: 137,
    StartedAt: '2026-11-23T12:18:52.645086288Z',
    FinishedAt: '2026-11-23T12:18:52.767319567Z',
    Health: { Status: 'unhealthy', FailingStreak: 0, Log: [] },
  },
  Config: { Image: 'berth-local/busybox:latest', Env: null, Cmd: ['sleep', '100'], Entrypoint: null, Labels: null },
  Mounts: [],
  NetworkSettings: { Ports: {}, Networks: { bridge: { IPAddress: '', Aliases: null } } },
};

export const podmanList: EngineContainerSummary[] = [
  {
    Id: 'b'.repeat(64),
    Names: ['/fixt-db-1'],
    Image: 'localhost/berth-local/busybox:latest',
    ImageID: 'c'.repeat(64),
    Created: 1795436400,
    Ports: null,
    Labels: null,
    State: 'configured',
    Status: '',
    NetworkSettings: null,
  },
];

export const podmanInspect: EngineContainerInspect = {
  Id: 'b'.repeat(64),
  Name: 'fixt-db-1',
  Created: '2026-11-23T12:20:00.123456789Z',
  Image: 'c'.repeat(64),
  State: {
    Status: 'running',
    Running: true,
    ExitCode: 0,
    StartedAt: '2026-11-23T12:20:01Z',
    FinishedAt: '0001-01-01T00:00:00Z',
    Healthcheck: { Status: 'starting', FailingStreak: 0, Log: null },
  },
  Config: {
    Image: 'localhost/berth-local/busybox:latest',
    Env: ['A=1'],
    Cmd: 'sleep 100',
    Entrypoint: '',
    Labels: { a: 'b' },
  },
  Mounts: [{ Type: 'bind', Source: '/srv/data', Destination: '/data', RW: false }],
  NetworkSettings: { Ports: { '5432/tcp': null }, Networks: null },
};
