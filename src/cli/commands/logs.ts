import { UsageError } from '../../errors.js';
import type { Context } from '../context.js';
import { LogPrinter } from '../log-printer.js';
import { lifecycleTarget } from './lifecycle.js';

/** `berth logs [-f] [-t] [--tail N] [--since T] [--until T] [--no-color] [--no-log-prefix] [--index N] [SERVICE...]` */
export default async function logs(ctx: Context, services: string[], opts: Record<string, unknown>): Promise<number> {
  const tail = parseTail(opts.tail);
  const index = opts.index === undefined ? undefined : parseIndex(opts.index);
  const t = await lifecycleTarget(ctx, services);
  const { targetContainers, checkKnown } = await import('../../apply/lifecycle.js');
  const { readLogs } = await import('../../apply/follow.js');
  const rt = await ctx.runtime();
  const all = await targetContainers(rt, t);
  checkKnown(t, all);
  const containers =
    index === undefined ? all : all.filter((c) => c.labels['com.docker.compose.container-number'] === String(index));
  const printer = new LogPrinter(ctx.world.stdout, ctx.world.stderr, {
    ...ctx.logColors(opts.color === false),
    prefix: opts.logPrefix !== false,
    project: t.projectName,
  });
  printer.register(containers);
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await readLogs(
      rt,
      { projectName: t.projectName, services },
      containers,
      {
        follow: opts.follow === true,
        signal: abort.signal,
        ...(tail !== undefined && { tail }),
        ...(typeof opts.since === 'string' && { since: opts.since }),
        ...(typeof opts.until === 'string' && { until: opts.until }),
        ...(opts.timestamps === true && { timestamps: true }),
        onAttach: (c) => printer.register([c]),
      },
      (c, line) => printer.line(c, line),
    );
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  return 0;
}

function parseTail(value: unknown): number | undefined {
  if (value === undefined || value === 'all' || value === '-1') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`--tail expects a number of lines or "all", got "${show(value)}"`);
  return n;
}

const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

export function parseIndex(value: unknown): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--index expects a container number from 1, got "${show(value)}"`);
  return n;
}
