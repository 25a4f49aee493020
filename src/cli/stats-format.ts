/**
 * `berth stats` output, as `docker stats` prints it (docker/cli `formatter_stats.go` and go-units):
 * the same columns, JSON field names and number formats (`0.52%`, `1.5MiB / 7.6GiB`, `1.2kB / 0B`), so
 * that scripts written against `docker compose stats --format json` read berth's too. Pure.
 */
import type { ContainerStats } from '../runtime/runtime.js';
import { formatTemplate } from './commands/ps.js';
import { table } from './table.js';

/** One container's line: its sample, or none yet (or none to be had: shown as `--`). */
export interface StatsEntry {
  /** The container id (shown as 12 characters unless `--no-trunc`). */
  id: string;
  name: string;
  stats?: ContainerStats | undefined;
}

/** The column of each field, as docker heads them. */
export const STATS_HEADERS: Record<string, string> = {
  Container: 'CONTAINER',
  Name: 'NAME',
  ID: 'CONTAINER ID',
  CPUPerc: 'CPU %',
  MemUsage: 'MEM USAGE / LIMIT',
  MemPerc: 'MEM %',
  NetIO: 'NET I/O',
  BlockIO: 'BLOCK I/O',
  PIDs: 'PIDS',
};

const LINUX_COLUMNS = ['ID', 'Name', 'CPUPerc', 'MemUsage', 'MemPerc', 'NetIO', 'BlockIO', 'PIDs'];
const WINDOWS_COLUMNS = ['ID', 'Name', 'CPUPerc', 'MemUsage', 'NetIO', 'BlockIO'];

const stripZeros = (digits: string): string => (digits.includes('.') ? digits.replace(/\.?0+$/, '') : digits);

/** Go's `%.{precision}g`: `precision` significant digits, no trailing zeros, an exponent when large or tiny. */
export function goG(value: number, precision: number): string {
  if (value === 0) return '0';
  const [mantissa = '0', exponentText = '0'] = value.toExponential(precision - 1).split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= precision) {
    const sign = exponent < 0 ? '-' : '+';
    return `${stripZeros(mantissa)}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return stripZeros(value.toFixed(Math.max(0, precision - 1 - exponent)));
}

function scaled(size: number, base: number, units: string[]): [number, string] {
  let n = size;
  let i = 0;
  while (n >= base && i < units.length - 1) {
    n /= base;
    i++;
  }
  return [n, units[i]!];
}

/** go-units `BytesSize`: powers of 1024, four significant digits ("1.5MiB", "7.661GiB"). */
export function bytesSize(size: number): string {
  const [n, unit] = scaled(size, 1024, ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB']);
  return `${goG(n, 4)}${unit}`;
}

/** go-units `HumanSizeWithPrecision`: powers of 1000 ("1.2kB", "0B"). */
export function humanSize(size: number, precision: number): string {
  const [n, unit] = scaled(size, 1000, ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB']);
  return `${goG(n, precision)}${unit}`;
}

const percent = (value: number): string => `${value.toFixed(2)}%`;

/** The fields of one line, as `docker stats --format json` names and words them. */
export function statsFields(entry: StatsEntry, trunc: boolean): Record<string, string> {
  const s = entry.stats;
  const id = trunc ? entry.id.replace(/^sha256:/, '').slice(0, 12) : entry.id;
  const base = { Container: entry.id.slice(0, 12), ID: id, Name: entry.name || '--' };
  if (!s) {
    return { ...base, BlockIO: '--', CPUPerc: '--', MemPerc: '--', MemUsage: '-- / --', NetIO: '--', PIDs: '--' };
  }
  const windows = s.os === 'windows';
  return {
    ...base,
    BlockIO: `${humanSize(s.blockReadBytes, 3)} / ${humanSize(s.blockWriteBytes, 3)}`,
    CPUPerc: percent(s.cpuPercent),
    MemPerc: windows ? '--' : percent(s.memoryPercent),
    MemUsage: windows ? bytesSize(s.memoryBytes) : `${bytesSize(s.memoryBytes)} / ${bytesSize(s.memoryLimitBytes)}`,
    NetIO: `${humanSize(s.netRxBytes, 3)} / ${humanSize(s.netTxBytes, 3)}`,
    PIDs: windows ? '--' : String(s.pids),
  };
}

/** JSON with the keys in Go's order (sorted), as docker's formatter marshals them. */
function sortedJson(fields: Record<string, string>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

/**
 * The whole output for one look at the entries: `table` (docker's columns; Windows engines show the
 * private working set and no MEM % or PIDS), `json` (one object per line) or a `{{.Field}}` template.
 */
export function formatStats(entries: StatsEntry[], format: string, options: { trunc: boolean; os: string }): string {
  const rows = entries.map((e) => statsFields(e, options.trunc));
  if (format === 'json') return rows.map((r) => `${sortedJson(r)}\n`).join('');
  if (format !== 'table') return formatTemplate(format, rows, STATS_HEADERS);
  const windows = options.os === 'windows';
  const columns = windows ? WINDOWS_COLUMNS : LINUX_COLUMNS;
  const headers = columns.map((c) => (windows && c === 'MemUsage' ? 'PRIV WORKING SET' : STATS_HEADERS[c]!));
  return table(
    headers,
    rows.map((r) => columns.map((c) => r[c]!)),
  );
}
