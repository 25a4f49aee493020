import { formatGraph } from '../../plan/index.js';
import type { Context } from '../context.js';
import { checkServices, parseSeconds } from '../flags.js';
import { UsageError } from '../../errors.js';

export default async function down(ctx: Context, services: string[], opts: Record<string, unknown>): Promise<number> {
  ctx.warmEngine();
  const { project, name } = await ctx.loadOrName();
  if (project) checkServices(project, services);
  const options = {
    services,
    volumes: opts.volumes === true,
    removeOrphans: opts.removeOrphans === true || ctx.flagSetting('COMPOSE_REMOVE_ORPHANS'),
    parallel: ctx.parallel(),
    stopTimeoutSec: parseSeconds(opts.timeout, '--timeout'),
  };
  const rt = await ctx.runtime();
  const { down: runDown, planDownFor } = await import('../../apply/index.js');
  if (opts.dryRun) {
    const plan = await planDownFor(name, project, rt, options);
    for (const w of plan.warnings) ctx.world.stderr.write(`warning: ${w}\n`);
    ctx.world.stdout.write(plan.steps.length ? `${formatGraph(plan)}\n` : '');
    return 0;
  }
  const rmi = opts.rmi;
  if (rmi !== undefined && rmi !== 'local' && rmi !== 'all')
    throw new UsageError(`--rmi must be local or all, got ${JSON.stringify(rmi)}`);
  if (rmi !== undefined && !project)
    throw new UsageError("--rmi needs the stack file, to know which images are the project's");
  const { plan } = await ctx.withProjectLock(name, async () =>
    runDown(name, project, rt, options, await ctx.renderer()),
  );
  if (rmi !== undefined && project) {
    const { removeProjectImages } = await import('../../apply/images.js');
    const { createRenderer } = await import('../../progress/index.js');
    const imageRenderer = await createRenderer(ctx.global.progress ?? 'auto', ctx.world.stderr, ctx.world.env);
    imageRenderer.start([]);
    try {
      await removeProjectImages(project, rt, rmi, (e) => imageRenderer.event(e));
    } finally {
      await imageRenderer.done();
    }
    return 0;
  }
  if (plan.actions.length === 0)
    ctx.world.stderr.write(`${name}: nothing to do: no containers, networks or volumes of this project\n`);
  return 0;
}
