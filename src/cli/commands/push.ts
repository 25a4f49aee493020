import type { Context } from '../context.js';
import { checkServices } from '../flags.js';

export default async function push(ctx: Context, services: string[], opts: Record<string, unknown>): Promise<number> {
  const project = await ctx.load({ enableServices: services });
  checkServices(project, services);
  const rt = await ctx.runtime();
  const { pushServices } = await import('../../apply/images.js');
  const { createRenderer } = await import('../../progress/index.js');
  const renderer =
    opts.quiet === true ? await createRenderer('quiet', ctx.world.stderr, ctx.world.env) : await ctx.renderer();
  const failed = await pushServices(
    project,
    rt,
    services,
    {
      parallel: ctx.parallel(),
      ignoreFailures: opts.ignorePushFailures === true,
      includeDeps: opts.includeDeps === true,
    },
    renderer,
  );
  for (const ref of failed) ctx.world.stderr.write(`warning: could not push ${ref} (ignored)\n`);
  return 0;
}
