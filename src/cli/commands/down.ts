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
    removeOrphans: opts.removeOrphans === true,
    parallel: ctx.parallel(),
    stopTimeoutSec: parseSeconds(opts.timeout, '--timeout'),
  };
  const rt = await ctx.runtime();
  const { down: runDown } = await import('../../apply/index.js');
  const rmi = opts.rmi;
  if (rmi !== undefined && rmi !== 'local' && rmi !== 'all')
    throw new UsageError(`--rmi must be local or all, got ${JSON.stringify(rmi)}`);
  if (rmi !== undefined && !project)
    throw new UsageError("--rmi needs the stack file, to know which images are the project's");
  const run = async () => runDown(name, project, rt, options, await ctx.renderer());
  // `down --dry-run` and `berth --dry-run down` are one: the run against the dry-run runtime, its plan on stdout.
  const { plan } = ctx.dryRun ? await run() : await ctx.withProjectLock(name, run);
  if (ctx.dryRun) ctx.world.stdout.write(plan.steps.length ? `${formatGraph(plan)}\n` : '');
  if (rmi !== undefined && project) {
    const { removeProjectImages } = await import('../../apply/images.js');
    const imageRenderer = await ctx.renderer();
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
