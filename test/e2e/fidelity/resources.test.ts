/**
 * Nothing in a stack file is silently dropped: the resource, restart and isolation keys a user writes
 * are what `docker inspect` shows on the container the real engine made, and changing one recreates
 * the container with the new value, the key named in the plan's reason.
 */
import { existsSync, mkdtempSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, containerIds, docker, purgeProject } from '../../helpers/cli.js';

const project = `e2e-resources-${process.pid}`;
const swarmProject = `e2e-resources-swarm-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'berth-resources-'));
const cgroupParent = `berth-e2e-${process.pid}`;
const run = (...args: string[]) => berth(['-p', project, ...args], { cwd: dir });

/** A block device of this machine for the throttles (the engine needs a real one): vda, sda, nvme0n1... */
function blockDevice(): string {
  const name = readdirSync('/sys/block').find((d) => !/^(loop|ram|zram|dm-)/.test(d) && existsSync(`/dev/${d}`));
  if (!name) throw new Error('no block device on this machine for blkio_config');
  return `/dev/${name}`;
}

const MiB = 1024 ** 2;

function stack(memLimit: string, device: string): string {
  return `services:
  limits:
    image: berth-local/busybox
    command: ["sleep", "300"]
    mem_limit: ${memLimit}
    memswap_limit: 128m
    mem_reservation: 32m
    mem_swappiness: 10
    cpus: 0.5
    cpu_shares: 512
    cpuset: "0"
    pids_limit: 50
    oom_score_adj: 100
    oom_kill_disable: true
    shm_size: 32m
    blkio_config:
      weight: 300
      device_read_bps: [{path: ${device}, rate: 1mb}]
      device_write_iops: [{path: ${device}, rate: 100}]
  quota:
    image: berth-local/busybox
    command: ["sleep", "300"]
    cpu_period: 100000
    cpu_quota: 50000
  deployed:
    image: berth-local/busybox
    command: ["sleep", "300"]
    deploy:
      restart_policy: {condition: on-failure, max_attempts: 3}
      resources:
        limits: {memory: 48m, cpus: '0.25', pids: 40}
        reservations: {memory: 16m}
  isolated:
    image: berth-local/busybox
    command: ["sleep", "300"]
    cgroup: private
    cgroup_parent: ${cgroupParent}
    uts: host
    userns_mode: host
    runtime: runc
    group_add: ["1234", "5678"]
    device_cgroup_rules: ["c 1:3 mr"]
`;
}

/** `HostConfig` of a service's container, as `docker inspect` reports it. */
async function hostConfig(service: string): Promise<Record<string, unknown>> {
  const r = await docker(['inspect', '-f', '{{json .HostConfig}}', `${project}-${service}-1`]);
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

let device: string;
beforeAll(async () => {
  device = blockDevice();
  await purgeProject(project);
});
afterAll(async () => {
  await purgeProject(project);
  await purgeProject(swarmProject);
  removeCgroupParent();
});

/** The engine leaves the (now empty) parent cgroup it made in each hierarchy: remove this run's. */
function removeCgroupParent(): void {
  const roots = ['/sys/fs/cgroup', ...readdirSync('/sys/fs/cgroup').map((d) => `/sys/fs/cgroup/${d}`)];
  for (const root of roots) {
    const path = `${root}/${cgroupParent}`;
    if (existsSync(path)) rmdirSync(path);
  }
}

describe('resource, restart and isolation keys reach the engine', () => {
  it('up: docker inspect shows every value the stack file sets', async () => {
    writeFileSync(join(dir, 'compose.yaml'), stack('64m', device));
    const up = await run('up', '-d');
    expect(up.exitCode, up.stderr).toBe(0);

    const limits = await hostConfig('limits');
    expect(limits).toMatchObject({
      Memory: 64 * MiB,
      MemorySwap: 128 * MiB,
      MemoryReservation: 32 * MiB,
      MemorySwappiness: 10,
      NanoCpus: 500_000_000,
      CpuShares: 512,
      CpusetCpus: '0',
      PidsLimit: 50,
      OomScoreAdj: 100,
      OomKillDisable: true,
      ShmSize: 32 * MiB,
      BlkioDeviceReadBps: [{ Path: device, Rate: MiB }],
      BlkioDeviceWriteIOps: [{ Path: device, Rate: 100 }],
    });
    // The engine discards a weight its kernel cannot apply (no blkio.weight, as under the none/mq
    // schedulers), with a warning of its own; where it can, the stack's weight is there.
    const weightSupported = existsSync('/sys/fs/cgroup/blkio/blkio.weight');
    expect(limits.BlkioWeight).toBe(weightSupported ? 300 : 0);

    expect(await hostConfig('quota')).toMatchObject({ CpuPeriod: 100000, CpuQuota: 50000, NanoCpus: 0 });

    expect(await hostConfig('deployed')).toMatchObject({
      Memory: 48 * MiB,
      MemoryReservation: 16 * MiB,
      NanoCpus: 250_000_000,
      PidsLimit: 40,
      RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 },
    });

    expect(await hostConfig('isolated')).toMatchObject({
      CgroupnsMode: 'private',
      CgroupParent: cgroupParent,
      UTSMode: 'host',
      UsernsMode: 'host',
      Runtime: 'runc',
      GroupAdd: ['1234', '5678'],
      DeviceCgroupRules: ['c 1:3 mr'],
    });
  });

  it('up again with no change keeps every container', async () => {
    const before = await containerIds(project);
    const plan = await run('plan');
    expect(plan.exitCode, plan.stdout + plan.stderr).toBe(0);
    expect((await run('up', '-d')).exitCode).toBe(0);
    expect(await containerIds(project)).toEqual(before);
  });

  it('changing mem_limit recreates that container, plan names mem_limit, and Memory changes', async () => {
    const before = await containerIds(project);
    writeFileSync(join(dir, 'compose.yaml'), stack('96m', device));

    const plan = await run('plan');
    expect(plan.exitCode).toBe(2);
    expect(plan.stdout).toContain(`${project}-limits-1: create: mem_limit changed`);
    expect(plan.stdout).toContain(`${project}-quota-1: keep: up to date (running)`);

    expect((await run('up', '-d')).exitCode).toBe(0);
    const after = await containerIds(project);
    expect(after[`${project}-limits-1`]).not.toBe(before[`${project}-limits-1`]);
    expect(after[`${project}-quota-1`]).toBe(before[`${project}-quota-1`]);
    expect((await hostConfig('limits')).Memory).toBe(96 * MiB);
  });
});

describe('keys that cannot reach the engine are named, never dropped in silence', () => {
  const swarmDir = mkdtempSync(join(tmpdir(), 'berth-resources-swarm-'));
  const runSwarm = (...args: string[]) => berth(['-p', swarmProject, ...args], { cwd: swarmDir });
  const file = join(swarmDir, 'compose.yaml');

  it('config, plan and up warn with key, service and file:line; annotations by the engine API version', async () => {
    writeFileSync(
      file,
      [
        'services:',
        '  app:',
        '    image: berth-local/busybox',
        '    command: ["sleep", "300"]',
        '    annotations:',
        '      com.example.team: storage',
        '    deploy:',
        '      placement:',
        '        constraints: [node.role == manager]',
        "      resources: {reservations: {cpus: '0.5'}}",
        '',
      ].join('\n'),
    );
    const placement = `warning: ${file}:8:7: services.app.deploy.placement: not sent to the engine: only Docker Swarm uses it`;
    const cpus = `warning: ${file}:10:34: services.app.deploy.resources.reservations.cpus: not sent to the engine`;
    const api = (await docker(['version', '--format', '{{.Server.APIVersion}}'])).stdout.trim();
    const [major = 0, minor = 0] = api.split('.').map(Number);
    const oldEngine = major === 1 && minor < 43;
    const annotations = `warning: ${file}:5:5: services.app.annotations: not sent to the engine: it needs Engine API 1.43 (Docker Engine 24) or later; this engine speaks API ${api}`;

    const config = await runSwarm('config');
    expect(config.exitCode).toBe(0);
    expect(config.stderr).toContain(placement);
    expect(config.stderr).toContain(cpus);
    // `config` speaks to no engine: the version-dependent warning is not its to give.
    expect(config.stderr).not.toContain('annotations');

    const plan = await runSwarm('plan');
    expect(plan.stderr).toContain(placement);
    expect(plan.stderr.includes(annotations)).toBe(oldEngine);

    const up = await runSwarm('up', '-d');
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.stderr.split('\n').filter((l) => l === placement)).toHaveLength(1);
    expect(up.stderr.split('\n').filter((l) => l === annotations)).toHaveLength(oldEngine ? 1 : 0);
    const host = JSON.parse(
      (await docker(['inspect', '-f', '{{json .HostConfig}}', `${swarmProject}-app-1`])).stdout,
    ) as Record<string, unknown>;
    expect(host.Annotations ?? undefined).toEqual(oldEngine ? undefined : { 'com.example.team': 'storage' });
  });
});
