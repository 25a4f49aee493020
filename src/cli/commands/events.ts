import { Label } from '../../plan/labels.js';
import type { EngineEvent } from '../../runtime/runtime.js';
import type { Context } from '../context.js';
import { lifecycleTarget } from './lifecycle.js';

/** One event as `events --json` prints it (Compose's field names). */
export function eventJson(e: EngineEvent): Record<string, unknown> {
  const { [Label.service]: service, ...attributes } = e.attributes;
  return {
    time: new Date(e.timeMs).toISOString(),
    type: e.type,
    action: e.action,
    id: e.id,
    service: service ?? '',
    attributes,
  };
}

/** One event as a text line: `2024-05-01 10:00:00.000 container start 3f2a… (name=demo-web-1, service=web, …)`. */
export function eventText(e: EngineEvent): string {
  const when = new Date(e.timeMs).toISOString().replace('T', ' ').replace('Z', '');
  const attrs = Object.entries(e.attributes)
    .filter(([k]) => !k.startsWith('com.docker.compose.') || k === Label.service)
    .map(([k, v]) => `${k === Label.service ? 'service' : k}=${v}`)
    .sort()
    .join(', ');
  return `${when} ${e.type} ${e.action} ${e.id}${attrs ? ` (${attrs})` : ''}`;
}

/**
 * `berth events [--json] [--since T] [--until T] [SERVICE...]`: the project's container events as they
 * happen, until Ctrl-C; from `--since` on, and ending at `--until` (the engine closes the stream there).
 */
export default async function events(ctx: Context, services: string[], opts: Record<string, unknown>): Promise<number> {
  const t = await lifecycleTarget(ctx, services);
  const rt = await ctx.runtime();
  const abort = new AbortController();
  const stop = (): void => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const window = {
      ...(typeof opts.since === 'string' && { since: opts.since }),
      ...(typeof opts.until === 'string' && { until: opts.until }),
    };
    for await (const e of rt.events(
      { labels: { [Label.project]: t.projectName }, type: ['container'], ...window },
      abort.signal,
    )) {
      if (services.length > 0 && !services.includes(e.attributes[Label.service] ?? '')) continue;
      ctx.world.stdout.write(`${opts.json ? JSON.stringify(eventJson(e)) : eventText(e)}\n`);
    }
  } finally {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
  }
  return 0;
}
