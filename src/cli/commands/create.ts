import type { Context } from '../context.js';
import { VERSION } from '../context.js';
import { checkServices, parseScale } from '../flags.js';
import { parsePullFlag } from '../pull-flag.js';

/** `berth create [SERVICE...]`: `up --no-start`: networks, volumes and containers, nothing started; images built or pulled as for up. */
export default async function create(ctx: Context, services: string[], opts: Record<string, unknown>): Promise<number> {
  const project = await ctx.load({ enableServices: services });
  checkServices(project, services);
  const pull = parsePullFlag(opts.pull);
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
        removeOrphans: opts.removeOrphans === true || ctx.flagSetting('COMPOSE_REMOVE_ORPHANS'),
        ignoreOrphans: ctx.flagSetting('COMPOSE_IGNORE_ORPHANS'),
        noStart: true,
        scale: parseScale(opts.scale),
        berthVersion: VERSION,
        parallel: ctx.parallel(),
        build: opts.build === true,
        noBuild: opts.build === false,
        ...(pull !== undefined && { pull }),
        quietPull: opts.quietPull === true,
        nowMs: Date.now(),
        env: ctx.world.env,
      },
      await ctx.renderer(),
    ),
  );
  return 0;
}
