/**
 * `stats`: the engine's samples computed as `docker stats` computes them, and printed in its words.
 */
import { describe, expect, it } from 'vitest';
import { blockIo, cpuPercentUnix, memoryUsageNoCache, statsFrom } from '../../../src/runtime/docker/stats.js';
import { bytesSize, formatStats, goG, humanSize, statsFields } from '../../../src/cli/stats-format.js';
import type { ContainerStats } from '../../../src/runtime/runtime.js';

/** A cgroup v2 sample as Docker 24 sends it (trimmed to what stats reads). */
const v2Sample = {
  id: 'c0ffee'.padEnd(64, '0'),
  name: '/demo-web-1',
  cpu_stats: { cpu_usage: { total_usage: 2_000_000_000 }, system_cpu_usage: 100_000_000_000, online_cpus: 2 },
  precpu_stats: { cpu_usage: { total_usage: 1_000_000_000 }, system_cpu_usage: 90_000_000_000, online_cpus: 2 },
  memory_stats: { usage: 12_000_000, limit: 1_073_741_824, stats: { inactive_file: 2_000_000, anon: 9_000_000 } },
  networks: { eth0: { rx_bytes: 1500, tx_bytes: 0 }, eth1: { rx_bytes: 500, tx_bytes: 42 } },
  blkio_stats: {
    io_service_bytes_recursive: [
      { major: 8, minor: 0, op: 'read', value: 4096 },
      { major: 8, minor: 0, op: 'write', value: 1_000_000 },
      { major: 8, minor: 16, op: 'Read', value: 4096 },
    ],
  },
  pids_stats: { current: 3 },
};

describe('stats computation (docker/cli stats_helpers.go)', () => {
  it('CPU %: the container delta over the system delta, times the CPUs', () => {
    // 1e9 / 1e10 * 2 CPUs * 100
    expect(cpuPercentUnix(v2Sample.precpu_stats, v2Sample.cpu_stats)).toBeCloseTo(20, 10);
  });

  it('CPU %: the per-CPU list counts the CPUs when online_cpus is missing; no delta is 0', () => {
    const cur = { cpu_usage: { total_usage: 300, percpu_usage: [1, 1, 1, 1] }, system_cpu_usage: 1000 };
    expect(cpuPercentUnix({ cpu_usage: { total_usage: 200 }, system_cpu_usage: 900 }, cur)).toBeCloseTo(400, 10);
    expect(cpuPercentUnix(cur, cur)).toBe(0);
    expect(cpuPercentUnix(undefined, { cpu_usage: { total_usage: 5 } })).toBe(0);
  });

  it('memory leaves the page cache out: total_inactive_file on cgroup v1, inactive_file on v2', () => {
    expect(memoryUsageNoCache({ usage: 100, stats: { total_inactive_file: 30, inactive_file: 10 } })).toBe(70);
    expect(memoryUsageNoCache({ usage: 100, stats: { inactive_file: 10 } })).toBe(90);
    expect(memoryUsageNoCache({ usage: 100, stats: { inactive_file: 300 } })).toBe(100);
    expect(memoryUsageNoCache(undefined)).toBe(0);
  });

  it('block I/O sums reads and writes over the devices, whatever the case of op', () => {
    expect(blockIo(v2Sample.blkio_stats)).toEqual({ read: 8192, write: 1_000_000 });
    expect(blockIo({ io_service_bytes_recursive: null })).toEqual({ read: 0, write: 0 });
  });

  it('a Linux sample becomes one ContainerStats', () => {
    expect(statsFrom(v2Sample, 'linux')).toEqual({
      id: v2Sample.id,
      name: 'demo-web-1',
      os: 'linux',
      cpuPercent: expect.closeTo(20, 10) as number,
      memoryBytes: 10_000_000,
      memoryLimitBytes: 1_073_741_824,
      memoryPercent: expect.closeTo((10_000_000 / 1_073_741_824) * 100, 10) as number,
      netRxBytes: 2000,
      netTxBytes: 42,
      blockReadBytes: 8192,
      blockWriteBytes: 1_000_000,
      pids: 3,
    });
  });

  it('a Windows sample: private working set, storage stats, CPU over the read interval', () => {
    const s = statsFrom(
      {
        name: '/w',
        read: '2024-05-01T10:00:01Z',
        preread: '2024-05-01T10:00:00Z',
        num_procs: 2,
        cpu_stats: { cpu_usage: { total_usage: 5_000_000 } },
        precpu_stats: { cpu_usage: { total_usage: 0 } },
        memory_stats: { privateworkingset: 2048 },
        storage_stats: { read_size_bytes: 10, write_size_bytes: 20 },
      },
      'windows',
    );
    // 1 s = 1e7 intervals of 100 ns, times 2 processors; 5e6 used.
    expect(s.cpuPercent).toBeCloseTo(25, 10);
    expect([s.memoryBytes, s.blockReadBytes, s.blockWriteBytes, s.os]).toEqual([2048, 10, 20, 'windows']);
  });
});

describe('stats formats (go-units, formatter_stats.go)', () => {
  it("numbers as Go's %g prints them", () => {
    expect(goG(0, 3)).toBe('0');
    expect(goG(1.5, 4)).toBe('1.5');
    expect(goG(12.3456, 4)).toBe('12.35');
    expect(goG(1000, 4)).toBe('1000');
    expect(goG(999.96, 3)).toBe('1e+03');
    expect(goG(0.00001234, 3)).toBe('1.23e-05');
  });

  it('sizes: binary for memory, decimal for I/O', () => {
    expect(bytesSize(0)).toBe('0B');
    expect(bytesSize(1536)).toBe('1.5KiB');
    expect(bytesSize(10_000_000)).toBe('9.537MiB');
    expect(bytesSize(1_073_741_824)).toBe('1GiB');
    expect(humanSize(0, 3)).toBe('0B');
    expect(humanSize(2000, 3)).toBe('2kB');
    expect(humanSize(1_234_567, 3)).toBe('1.23MB');
    expect(humanSize(42, 3)).toBe('42B');
  });

  const sample: ContainerStats = statsFrom(v2Sample, 'linux');

  it('the JSON fields of one container, with the keys in docker order', () => {
    const out = formatStats([{ id: sample.id, name: sample.name, stats: sample }], 'json', {
      trunc: true,
      os: 'linux',
    });
    expect(out).toBe(
      `${JSON.stringify({
        BlockIO: '8.19kB / 1MB',
        CPUPerc: '20.00%',
        Container: 'c0ffee000000',
        ID: 'c0ffee000000',
        MemPerc: '0.93%',
        MemUsage: '9.537MiB / 1GiB',
        Name: 'demo-web-1',
        NetIO: '2kB / 42B',
        PIDs: '3',
      })}\n`,
    );
  });

  it('a container without a sample shows dashes, as docker shows one it could not read', () => {
    expect(statsFields({ id: 'abc', name: 'demo-web-2' }, true)).toMatchObject({
      CPUPerc: '--',
      MemUsage: '-- / --',
      PIDs: '--',
      Name: 'demo-web-2',
    });
  });

  it("the table has docker's columns; --no-trunc keeps the whole id", () => {
    const out = formatStats([{ id: sample.id, name: sample.name, stats: sample }], 'table', {
      trunc: false,
      os: 'linux',
    });
    const [header, row] = out.split('\n');
    expect(header!.split(/ {3,}/)).toEqual([
      'CONTAINER ID',
      'NAME',
      'CPU %',
      'MEM USAGE / LIMIT',
      'MEM %',
      'NET I/O',
      'BLOCK I/O',
      'PIDS',
    ]);
    expect(row).toContain(sample.id);
    expect(row).toContain('9.537MiB / 1GiB');
  });

  it('a template names the fields; a table template heads them as docker does', () => {
    const entries = [{ id: sample.id, name: sample.name, stats: sample }];
    expect(formatStats(entries, '{{.Name}}: {{.CPUPerc}}', { trunc: true, os: 'linux' })).toBe('demo-web-1: 20.00%\n');
    const table = formatStats(entries, 'table {{.Name}}\\t{{.MemPerc}}', { trunc: true, os: 'linux' });
    expect(table.split('\n')[0]).toMatch(/^NAME\s+MEM %$/);
  });
});
