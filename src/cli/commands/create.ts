import type { Context } from '../context.js';
import { VERSION } from '../context.js';
import { checkServices, parseScale } from '../flags.js';

/** `berth create [SERVICE...]`: `up --no-start`: networks, volumes and containers, nothing started. */
export default async function create(ctx: Context, services: string[], opts: Record<string, unknown>): Promise<number> {
  const project = await ctx.load({ enableServices: services });
  checkServices(project, services);
  const { up } = await import('../../apply/index.js');
  const rt = await ctx.runtime();
  await ctx.warnForEngine();
  await ctx.withProjectLock(project.name, async () =>
    up(
      project,
      rt,
      {
        services,
        noDeps: opts.deps === false,
        forceRecreate: opts.forceRecreate === true,
        noRecreate: opts.recreate === false,
        removeOrphans: opts.removeOrphans === true,
        noStart: true,
        scale: parseScale(opts.scale),
        berthVersion: VERSION,
        parallel: ctx.parallel(),
      },
      await ctx.renderer(),
    ),
  );
  return 0;
}
