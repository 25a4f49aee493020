import { formatPlan } from '../../plan/index.js';
import type { Context } from '../context.js';
import { parseSeconds } from '../flags.js';

export default async function down(ctx: Context, _args: string[], opts: Record<string, unknown>): Promise<number> {
  const { project, name } = await ctx.loadOrName();
  const options = {
    volumes: opts.volumes === true,
    removeOrphans: opts.removeOrphans === true,
    parallel: ctx.parallel(),
    stopTimeoutSec: parseSeconds(opts.timeout, '--timeout'),
  };
  const rt = await ctx.runtime();
  const { down: runDown, planDownFor } = await import('../../apply/index.js');
  if (opts.dryRun) {
    const plan = await planDownFor(name, project, rt, options);
    ctx.world.stdout.write(plan.actions.length ? `${formatPlan(plan)}\n` : '');
    return 0;
  }
  const { plan } = await runDown(name, project, rt, options, await ctx.renderer());
  if (plan.actions.length === 0) ctx.world.stderr.write(`${name}: nothing to do: no containers, networks or volumes of this project\n`);
  return 0;
}
