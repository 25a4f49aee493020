import type { Context } from '../context.js';
import { parseSeconds } from '../flags.js';
import { lifecycleTarget, nothing } from './lifecycle.js';

/** `berth stop [-t N] [SERVICE...]`: stop running containers, dependents first. */
export default async function stop(ctx: Context, services: string[], opts: Record<string, unknown>): Promise<number> {
  const timeoutSec = parseSeconds(opts.timeout, '--timeout');
  const t = await lifecycleTarget(ctx, services);
  const { stopServices } = await import('../../apply/lifecycle.js');
  const { containers } = await stopServices(
    await ctx.runtime(),
    t,
    { parallel: ctx.parallel(), timeoutSec },
    await ctx.renderer(),
  );
  if (containers.length === 0) nothing(ctx, `${t.projectName}: no running containers to stop`);
  return 0;
}
