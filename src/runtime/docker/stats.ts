/**
 * Container resource usage: `GET /containers/{id}/stats`, one JSON sample (`stream=false`) or one per
 * second, turned into berth's ContainerStats the way the docker CLI computes `docker stats`
 * (docker/cli `cli/command/container/stats_helpers.go`), so that both show the same numbers.
 */
import type { ContainerStats } from '../runtime.js';
import { JsonLineSplitter } from './json-stream.js';
import { openStream } from './stream.js';
import { pathSegment, type Transport } from './transport.js';

interface EngineCpuStats {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[] | null };
  system_cpu_usage?: number;
  online_cpus?: number;
}

/** The engine's stats sample (Linux and Windows fields), as far as `docker stats` reads it. */
export interface EngineStats {
  id?: string;
  name?: string;
  os_type?: string;
  read?: string;
  preread?: string;
  num_procs?: number;
  cpu_stats?: EngineCpuStats;
  precpu_stats?: EngineCpuStats;
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number>; privateworkingset?: number };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }> | null;
  blkio_stats?: { io_service_bytes_recursive?: { op?: string; value?: number }[] | null };
  storage_stats?: { read_size_bytes?: number; write_size_bytes?: number };
  pids_stats?: { current?: number };
}

/** CPU % over the interval between the two samples, scaled by the number of CPUs (100% = one CPU). */
export function cpuPercentUnix(previous: EngineCpuStats | undefined, current: EngineCpuStats | undefined): number {
  const cpuDelta = (current?.cpu_usage?.total_usage ?? 0) - (previous?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (current?.system_cpu_usage ?? 0) - (previous?.system_cpu_usage ?? 0);
  const online = current?.online_cpus || (current?.cpu_usage?.percpu_usage ?? []).length;
  return systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * online * 100 : 0;
}

/** Windows: used 100ns intervals over those that passed on every processor. */
export function cpuPercentWindows(s: EngineStats): number {
  const ns = (Date.parse(s.read ?? '') - Date.parse(s.preread ?? '')) * 1e6;
  const possible = Number.isFinite(ns) && ns > 0 ? (ns / 100) * (s.num_procs ?? 0) : 0;
  if (possible <= 0) return 0;
  const used = (s.cpu_stats?.cpu_usage?.total_usage ?? 0) - (s.precpu_stats?.cpu_usage?.total_usage ?? 0);
  return (used / possible) * 100;
}

/** Memory in use without the page cache: usage less inactive file pages (cgroup v1 or v2), as cadvisor counts it. */
export function memoryUsageNoCache(mem: EngineStats['memory_stats']): number {
  const usage = mem?.usage ?? 0;
  const stats = mem?.stats ?? {};
  const v1 = stats['total_inactive_file'];
  if (v1 !== undefined && v1 < usage) return usage - v1;
  const v2 = stats['inactive_file'] ?? 0;
  return v2 < usage ? usage - v2 : usage;
}

/** Bytes read and written, summed over the devices (the `op` names read and write, any case). */
export function blockIo(blkio: EngineStats['blkio_stats']): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const e of blkio?.io_service_bytes_recursive ?? []) {
    const op = (e.op ?? '').charAt(0).toLowerCase();
    if (op === 'r') read += e.value ?? 0;
    else if (op === 'w') write += e.value ?? 0;
  }
  return { read, write };
}

function network(networks: EngineStats['networks']): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(networks ?? {})) {
    rx += n.rx_bytes ?? 0;
    tx += n.tx_bytes ?? 0;
  }
  return { rx, tx };
}

/** One engine sample as berth's ContainerStats; `daemonOs` where the sample does not say (engines before 29). Pure. */
export function statsFrom(s: EngineStats, daemonOs: string): ContainerStats {
  const os = s.os_type || daemonOs;
  const net = network(s.networks);
  const base = { id: s.id ?? '', name: (s.name ?? '').replace(/^\//, ''), os, netRxBytes: net.rx, netTxBytes: net.tx };
  if (os === 'windows') {
    return {
      ...base,
      cpuPercent: cpuPercentWindows(s),
      memoryBytes: s.memory_stats?.privateworkingset ?? 0,
      memoryLimitBytes: 0,
      memoryPercent: 0,
      blockReadBytes: s.storage_stats?.read_size_bytes ?? 0,
      blockWriteBytes: s.storage_stats?.write_size_bytes ?? 0,
      pids: 0,
    };
  }
  const memory = memoryUsageNoCache(s.memory_stats);
  const limit = s.memory_stats?.limit ?? 0;
  const io = blockIo(s.blkio_stats);
  return {
    ...base,
    cpuPercent: cpuPercentUnix(s.precpu_stats, s.cpu_stats),
    memoryBytes: memory,
    memoryLimitBytes: limit,
    memoryPercent: limit !== 0 ? (memory / limit) * 100 : 0,
    blockReadBytes: io.read,
    blockWriteBytes: io.write,
    pids: s.pids_stats?.current ?? 0,
  };
}

/** The samples of one container, as they arrive; a single one with `stream: false`. */
export async function* containerStats(
  transport: Transport,
  id: string,
  options: { stream: boolean; signal?: AbortSignal },
  daemonOs: () => Promise<string>,
): AsyncGenerator<ContainerStats> {
  const { signal } = options;
  const res = await openStream(transport, {
    method: 'GET',
    path: `/containers/${pathSegment(id)}/stats`,
    query: { stream: options.stream },
    operation: `read the resource usage of container ${id.slice(0, 12)}`,
    ...(signal && { signal }),
  });
  const samples: EngineStats[] = [];
  const splitter = new JsonLineSplitter((m) => samples.push(m as EngineStats));
  try {
    for await (const chunk of res) {
      splitter.push(chunk as Buffer);
      while (samples.length > 0) yield await sampleFrom(samples.shift()!, daemonOs);
    }
  } catch (err) {
    if (!signal?.aborted) throw err;
  } finally {
    res.destroy();
  }
  splitter.end();
  for (const s of samples) yield await sampleFrom(s, daemonOs);
}

/** The engine's OS is asked only of an engine whose samples do not say theirs. */
async function sampleFrom(s: EngineStats, daemonOs: () => Promise<string>): Promise<ContainerStats> {
  return statsFrom(s, s.os_type ? s.os_type : await daemonOs());
}
