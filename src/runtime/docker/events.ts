/**
 * Engine events (`GET /events`), one JSON object per line, as berth's EngineEvent, until aborted.
 */
import type { EngineEvent, LabelFilter } from '../runtime.js';
import { engineTimestamp } from './logs.js';
import { openStream } from './stream.js';
import { labelFilterValues } from './to-engine.js';
import { encodeFilters, type Transport } from './transport.js';

interface EngineEventMessage {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> | null };
  time?: number;
  timeNano?: number;
}

export function eventFrom(m: EngineEventMessage): EngineEvent {
  const timeMs = m.timeNano !== undefined ? Math.floor(m.timeNano / 1e6) : (m.time ?? 0) * 1000;
  return {
    timeMs,
    type: m.Type ?? '',
    action: m.Action ?? '',
    id: m.Actor?.ID ?? '',
    attributes: { ...(m.Actor?.Attributes ?? {}) },
  };
}

export async function* engineEvents(
  transport: Transport,
  filter: { labels?: LabelFilter; type?: string[]; since?: string; until?: string },
  signal?: AbortSignal,
): AsyncGenerator<EngineEvent> {
  const filters = encodeFilters({ label: labelFilterValues(filter.labels), type: filter.type });
  const res = await openStream(transport, {
    method: 'GET',
    path: '/events',
    // As the docker client does: durations ("10m") and dates become the Unix timestamps the engine takes.
    query: {
      filters,
      since: filter.since === undefined ? undefined : engineTimestamp(filter.since, Date.now(), '--since'),
      until: filter.until === undefined ? undefined : engineTimestamp(filter.until, Date.now(), '--until'),
    },
    operation: 'read engine events',
    ...(signal && { signal }),
  });
  let buffered = '';
  try {
    for await (const chunk of res) {
      buffered += (chunk as Buffer).toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line === '') continue;
        let parsed: EngineEventMessage;
        try {
          parsed = JSON.parse(line) as EngineEventMessage;
        } catch {
          continue;
        }
        yield eventFrom(parsed);
      }
    }
  } catch (err) {
    if (!signal?.aborted) throw err;
  } finally {
    res.destroy();
  }
}
