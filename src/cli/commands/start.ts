import type { Context } from '../context.js';
import { lifecycleTarget, nothing } from './lifecycle.js';

/** `berth start [SERVICE...]`: start existing containers, dependencies first. */
export default async function start(ctx: Context, services: string[]): Promise<number> {
  const t = await lifecycleTarget(ctx, services);
  const { startServices } = await import('../../apply/lifecycle.js');
  const { containers } = await startServices(
    await ctx.runtime(),
    t,
    { parallel: ctx.parallel() },
    await ctx.renderer(),
  );
  if (containers.length === 0) nothing(ctx, `${t.projectName}: no stopped containers to start`);
  return 0;
}
