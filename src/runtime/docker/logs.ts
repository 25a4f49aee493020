/**
 * Container logs: `GET /containers/{id}/logs`, demultiplexed into stdout and stderr lines (a TTY
 * container's log is one raw stream: all of it is stdout), followed until the container stops or the
 * caller aborts.
 */
import { UsageError } from '../../errors.js';
import type { LogLine, LogOptions, OutputStream } from '../runtime.js';
import { Demuxer, LineSplitter, openStream } from './stream.js';
import { pathSegment, type QueryValue, type Transport } from './transport.js';

/**
 * A `--since`/`--until` value as the engine's logs endpoint takes it (Unix seconds): a Unix timestamp
 * stays as it is; a duration ("10m", "1h30m", "45s") counts back from `nowMs`; a date or RFC 3339 time
 * ("2024-05-01", "2024-05-01T10:00:00Z") is converted. Throws UsageError otherwise.
 */
export function engineTimestamp(value: string, nowMs: number, flag = '--since'): string {
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return v;
  const duration = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+)ms)?$/.exec(v);
  if (duration && v !== '') {
    const [, h = '0', m = '0', s = '0', ms = '0'] = duration;
    const back = Number(h) * 3600_000 + Number(m) * 60_000 + Number(s) * 1000 + Number(ms);
    return ((nowMs - back) / 1000).toFixed(3);
  }
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(v)) {
    // Without a zone, Docker reads the time as local time; so does Date for date-times. A bare date is read as midnight UTC by Date: make it local too.
    const t = /^\d{4}-\d{2}-\d{2}$/.test(v) ? Date.parse(`${v}T00:00:00`) : Date.parse(v.replace(' ', 'T'));
    if (!Number.isNaN(t)) return (t / 1000).toFixed(3);
  }
  throw new UsageError(
    `${flag} expects a duration ("10m"), a date ("2024-05-01T10:00:00Z") or a Unix timestamp, got "${value}"`,
  );
}

export function logsQuery(options: LogOptions, nowMs: number): Record<string, QueryValue> {
  return {
    stdout: true,
    stderr: true,
    follow: options.follow ?? false,
    timestamps: options.timestamps ?? false,
    tail: options.tail === undefined ? 'all' : options.tail,
    since: options.since === undefined ? undefined : engineTimestamp(options.since, nowMs, '--since'),
    until: options.until === undefined ? undefined : engineTimestamp(options.until, nowMs, '--until'),
  };
}

/** Whether the container was created with a TTY (its output then has no frames). */
export async function containerHasTty(transport: Transport, id: string): Promise<boolean> {
  const e = await transport.json<{ Config?: { Tty?: boolean } }>({
    method: 'GET',
    path: `/containers/${pathSegment(id)}/json`,
    operation: `inspect container ${id.slice(0, 12)}`,
  });
  return e.Config?.Tty === true;
}

export async function* containerLogs(
  transport: Transport,
  id: string,
  options: LogOptions,
  nowMs: number = Date.now(),
): AsyncGenerator<LogLine> {
  const query = logsQuery(options, nowMs);
  const tty = await containerHasTty(transport, id);
  const { signal } = options;
  const res = await openStream(transport, {
    method: 'GET',
    path: `/containers/${pathSegment(id)}/logs`,
    query,
    operation: `read the log of container ${id.slice(0, 12)}`,
    ...(signal && { signal }),
  });
  const demux = new Demuxer();
  const lines = new LineSplitter();
  const emit = function* (stream: OutputStream, data: Buffer): Generator<LogLine> {
    for (const text of lines.push(stream, data)) yield { stream, text };
  };
  try {
    for await (const chunk of res) {
      const buf = chunk as Buffer;
      if (tty) yield* emit('stdout', buf);
      else for (const f of demux.push(buf)) yield* emit(f.stream, f.data);
    }
  } catch (err) {
    if (!signal?.aborted) throw err;
  } finally {
    res.destroy();
  }
  for (const stream of ['stdout', 'stderr'] as const) for (const text of lines.flush(stream)) yield { stream, text };
}
