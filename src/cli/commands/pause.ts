import type { Context } from '../context.js';
import { lifecycleTarget, nothing } from './lifecycle.js';

/** `berth pause [SERVICE...]` */
export default async function pause(ctx: Context, services: string[]): Promise<number> {
  const t = await lifecycleTarget(ctx, services);
  const { pauseServices } = await import('../../apply/lifecycle.js');
  const { containers } = await pauseServices(
    await ctx.runtime(),
    t,
    { parallel: ctx.parallel() },
    await ctx.renderer(),
  );
  if (containers.length === 0) nothing(ctx, `${t.projectName}: no running containers to pause`);
  return 0;
}
