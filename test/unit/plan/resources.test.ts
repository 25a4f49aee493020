/**
 * Resource and isolation keys, from the stack file to the body of `POST /containers/create`: each key
 * reaches the container spec and the engine request as Docker Compose maps it (pkg/compose/create.go,
 * getDeployResources and getRestartPolicy), with `deploy.resources` over the service-level keys.
 */
import { describe, expect, it } from 'vitest';
import { containerSpec } from '../../../src/plan/desired.js';
import { configHash, diffConfig, digestConfig, hashedConfig } from '../../../src/plan/hash.js';
import { containerCreateBody } from '../../../src/runtime/docker/to-engine.js';
import type { ContainerSpec } from '../../../src/runtime/runtime.js';
import type { EngineHostConfig } from '../../../src/runtime/docker/engine-types.js';
import { load } from '../config/helpers.js';

/** The spec of `services.app` in a stack whose service body is `body` (indented by the caller). */
async function specOf(body: string): Promise<ContainerSpec> {
  const { project } = await load({ 'compose.yaml': `services:\n  app:\n    image: x\n${body}` });
  return containerSpec(project, project.services.app!, 1, 'test');
}

/** The HostConfig sent for that service, without what every container gets. */
async function hostConfigOf(body: string, apiVersion = '1.41'): Promise<Partial<EngineHostConfig>> {
  const { NetworkMode: _mode, ...host } = containerCreateBody(await specOf(body), apiVersion).HostConfig;
  return host;
}

describe('memory, CPU and process limits', () => {
  it('each service-level key reaches HostConfig, sizes and CPU counts parsed as Compose parses them', async () => {
    const body = [
      'mem_limit: 64m',
      'memswap_limit: 1g',
      'mem_reservation: 32m',
      'mem_swappiness: 10',
      'oom_kill_disable: true',
      'oom_score_adj: -500',
      'cpus: 0.5',
      'cpu_shares: 512',
      'cpuset: "0-1"',
      'cpu_rt_runtime: 400ms',
      'cpu_rt_period: 1400',
      'pids_limit: 50',
      'shm_size: 32m',
    ];
    expect(await hostConfigOf(body.map((l) => `    ${l}\n`).join(''))).toEqual({
      Memory: 64 * 1024 ** 2,
      MemorySwap: 1024 ** 3,
      MemoryReservation: 32 * 1024 ** 2,
      MemorySwappiness: 10,
      OomKillDisable: true,
      OomScoreAdj: -500,
      NanoCpus: 500_000_000,
      CpuShares: 512,
      CpusetCpus: '0-1',
      CpuRealtimePeriod: 1400,
      CpuRealtimeRuntime: 400_000,
      PidsLimit: 50,
      ShmSize: 32 * 1024 ** 2,
    });
  });

  it('cpu_period and cpu_quota in microseconds; unlimited swap as -1; Windows-only counts passed as written', async () => {
    expect(
      await hostConfigOf(
        '    cpu_period: 100000\n    cpu_quota: "50000"\n    memswap_limit: -1\n    cpu_count: 2\n    cpu_percent: 50\n',
      ),
    ).toEqual({ CpuPeriod: 100000, CpuQuota: 50000, MemorySwap: -1, CpuCount: 2, CpuPercent: 50 });
  });

  it('zero means unset for the limits, as in Compose (mem_swappiness: 0 stays the engine default)', async () => {
    expect(await hostConfigOf('    mem_swappiness: 0\n    pids_limit: 0\n    cpus: 0\n')).toEqual({});
  });

  it('a setting written both ways (with one value, as the config checks require) is sent once', async () => {
    const host = await hostConfigOf(
      [
        '    mem_limit: 96m',
        '    mem_reservation: 16m',
        '    cpus: 0.25',
        '    pids_limit: 40',
        '    deploy:',
        '      resources:',
        "        limits: {memory: 96m, cpus: '0.25', pids: 40}",
        '        reservations: {memory: 16m}',
        '',
      ].join('\n'),
    );
    expect(host).toEqual({
      Memory: 96 * 1024 ** 2,
      MemoryReservation: 16 * 1024 ** 2,
      NanoCpus: 250_000_000,
      PidsLimit: 40,
    });
  });

  it('deploy limits alone set the same fields', async () => {
    expect(await hostConfigOf("    deploy:\n      resources:\n        limits: {memory: 1g, cpus: '2'}\n")).toEqual({
      Memory: 1024 ** 3,
      NanoCpus: 2_000_000_000,
    });
  });
});

describe('block I/O', () => {
  it('weight, per-device weights and throttles; rates in bytes or operations per second', async () => {
    const host = await hostConfigOf(
      [
        '    blkio_config:',
        '      weight: 300',
        '      weight_device: [{path: /dev/sda, weight: 400}]',
        '      device_read_bps: [{path: /dev/sda, rate: 1mb}]',
        "      device_write_bps: [{path: /dev/sda, rate: '512k'}]",
        '      device_read_iops: [{path: /dev/sda, rate: 100}]',
        '      device_write_iops: [{path: /dev/sdb, rate: 200}]',
        '',
      ].join('\n'),
    );
    expect(host).toEqual({
      BlkioWeight: 300,
      BlkioWeightDevice: [{ Path: '/dev/sda', Weight: 400 }],
      BlkioDeviceReadBps: [{ Path: '/dev/sda', Rate: 1024 ** 2 }],
      BlkioDeviceWriteBps: [{ Path: '/dev/sda', Rate: 512 * 1024 }],
      BlkioDeviceReadIOps: [{ Path: '/dev/sda', Rate: 100 }],
      BlkioDeviceWriteIOps: [{ Path: '/dev/sdb', Rate: 200 }],
    });
  });
});

describe('device requests', () => {
  it('reserved devices first, then gpus with the gpu capability added; no count nor ids means all', async () => {
    const host = await hostConfigOf(
      [
        '    gpus:',
        '      - driver: nvidia',
        '        device_ids: ["0", "3"]',
        '        capabilities: [compute]',
        '    deploy:',
        '      resources:',
        '        reservations:',
        '          devices:',
        '            - driver: nvidia',
        '              count: 1',
        '              capabilities: [gpu, utility]',
        '              options: {virtualization: "false"}',
        '            - capabilities: [tpu]',
        '',
      ].join('\n'),
    );
    expect(host.DeviceRequests).toEqual([
      { Driver: 'nvidia', Count: 1, Capabilities: [['gpu', 'utility']], Options: { virtualization: 'false' } },
      { Count: -1, Capabilities: [['tpu']] },
      { Driver: 'nvidia', DeviceIDs: ['0', '3'], Capabilities: [['compute', 'gpu']] },
    ]);
  });

  it('a CDI device name in devices is a request to the cdi driver; a path stays a device mapping', async () => {
    const host = await hostConfigOf(
      '    devices:\n      - nvidia.com/gpu=all\n      - vendor.example/class=dev-1\n      - /dev/fuse\n',
    );
    expect(host.Devices).toEqual([{ PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' }]);
    expect(host.DeviceRequests).toEqual([
      { Driver: 'cdi', DeviceIDs: ['nvidia.com/gpu=all', 'vendor.example/class=dev-1'] },
    ]);
  });

  it('gpus: all', async () => {
    expect((await hostConfigOf('    gpus: all\n')).DeviceRequests).toEqual([{ Count: -1, Capabilities: [['gpu']] }]);
  });
});

describe('restart policy', () => {
  it('deploy.restart_policy maps Swarm conditions to the engine policies', async () => {
    const policy = async (condition: string, extra = ''): Promise<EngineHostConfig['RestartPolicy']> =>
      (await hostConfigOf(`    deploy:\n      restart_policy: {condition: ${condition}${extra}}\n`)).RestartPolicy;
    expect(await policy('any')).toEqual({ Name: 'always' });
    expect(await policy('none')).toEqual({ Name: 'no' });
    expect(await policy('on-failure')).toEqual({ Name: 'on-failure' });
    expect(await policy('on-failure', ', max_attempts: 3')).toEqual({ Name: 'on-failure', MaximumRetryCount: 3 });
  });

  it('no condition is no restart (Compose sends an empty policy); deploy.restart_policy wins over restart:', async () => {
    expect((await hostConfigOf('    deploy:\n      restart_policy: {delay: 5s}\n')).RestartPolicy).toEqual({
      Name: 'no',
    });
    expect(
      (await hostConfigOf('    restart: "no"\n    deploy:\n      restart_policy: {condition: on-failure}\n'))
        .RestartPolicy,
    ).toEqual({ Name: 'on-failure' });
    expect((await hostConfigOf('    restart: unless-stopped\n')).RestartPolicy).toEqual({ Name: 'unless-stopped' });
  });
});

describe('process and isolation settings', () => {
  const body = [
    '    cgroup: private',
    '    cgroup_parent: berth-test',
    '    uts: host',
    '    userns_mode: host',
    '    storage_opt: {size: 1G}',
    '    runtime: runc',
    '    isolation: default',
    '    group_add: [audio, 1234]',
    '    device_cgroup_rules: ["c 1:3 mr"]',
    '    annotations: {com.example.a: b}',
    '',
  ].join('\n');

  it('each reaches HostConfig; annotations only from API 1.43', async () => {
    const expected = {
      CgroupnsMode: 'private',
      CgroupParent: 'berth-test',
      UTSMode: 'host',
      UsernsMode: 'host',
      StorageOpt: { size: '1G' },
      Runtime: 'runc',
      Isolation: 'default',
      GroupAdd: ['audio', '1234'],
      DeviceCgroupRules: ['c 1:3 mr'],
    };
    expect(await hostConfigOf(body, '1.41')).toEqual(expected);
    expect(await hostConfigOf(body, '1.43')).toEqual({ ...expected, Annotations: { 'com.example.a': 'b' } });
  });

  it('the spec holds them in berth terms', async () => {
    const spec = await specOf(body);
    expect(spec).toMatchObject({
      cgroupnsMode: 'private',
      cgroupParent: 'berth-test',
      utsMode: 'host',
      usernsMode: 'host',
      storageOpt: { size: '1G' },
      runtime: 'runc',
      isolation: 'default',
      groupAdd: ['audio', '1234'],
      deviceCgroupRules: ['c 1:3 mr'],
      annotations: { 'com.example.a': 'b' },
    });
  });
});

describe('config hash', () => {
  async function serviceOf(body: string) {
    const { project } = await load({ 'compose.yaml': `services:\n  app:\n    image: x\n${body}` });
    return project.services.app!;
  }

  it('a resource key that reaches the engine changes the hash, and is the field named', async () => {
    const before = await serviceOf('    mem_limit: 64m\n');
    const after = await serviceOf('    mem_limit: 96m\n');
    expect(configHash(after)).not.toBe(configHash(before));
    expect(diffConfig(digestConfig(hashedConfig(before), 's'), digestConfig(hashedConfig(after), 's'))).toEqual([
      'mem_limit',
    ]);
  });

  it('keys that reach no container (only Docker Swarm uses them) leave the hash alone', async () => {
    const plain = await serviceOf('    deploy:\n      restart_policy: {condition: on-failure}\n');
    const swarm = await serviceOf(
      [
        '    deploy:',
        '      mode: replicated',
        '      labels: {a: b}',
        '      placement: {constraints: [node.role == manager]}',
        '      update_config: {parallelism: 2}',
        '      restart_policy: {condition: on-failure, delay: 5s, window: 1m}',
        "      resources: {reservations: {cpus: '0.5'}}",
        '',
      ].join('\n'),
    );
    expect(configHash(swarm)).toBe(configHash(plain));
    // The frozen model keeps them: `config` still prints what the file says.
    expect(swarm.deploy?.placement).toEqual({ constraints: ['node.role == manager'] });
  });
});
