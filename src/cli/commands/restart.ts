import type { Context } from '../context.js';
import { parseSeconds } from '../flags.js';
import { lifecycleTarget, nothing } from './lifecycle.js';

/** `berth restart [-t N] [--no-deps] [SERVICE...]` */
export default async function restart(
  ctx: Context,
  services: string[],
  opts: Record<string, unknown>,
): Promise<number> {
  const timeoutSec = parseSeconds(opts.timeout, '--timeout');
  const t = await lifecycleTarget(ctx, services);
  const { restartServices } = await import('../../apply/lifecycle.js');
  const { containers } = await restartServices(
    await ctx.runtime(),
    { ...t, noDeps: opts.deps === false },
    { parallel: ctx.parallel(), timeoutSec },
    await ctx.renderer(),
  );
  if (containers.length === 0) nothing(ctx, `${t.projectName}: no containers to restart`);
  return 0;
}
