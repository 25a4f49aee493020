import type { Context } from '../context.js';
import { lifecycleTarget, nothing } from './lifecycle.js';

/** `berth unpause [SERVICE...]` */
export default async function unpause(ctx: Context, services: string[]): Promise<number> {
  const t = await lifecycleTarget(ctx, services);
  const { unpauseServices } = await import('../../apply/lifecycle.js');
  const { containers } = await unpauseServices(
    await ctx.runtime(),
    t,
    { parallel: ctx.parallel() },
    await ctx.renderer(),
  );
  if (containers.length === 0) nothing(ctx, `${t.projectName}: no paused containers`);
  return 0;
}
