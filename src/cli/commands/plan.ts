import { formatPlan, hasChanges } from '../../plan/index.js';
import type { Context } from '../context.js';
import { VERSION } from '../context.js';
import { checkServices, parseScale } from '../flags.js';

/** `berth plan`: read-only; exit 0 when nothing would change, 2 when changes are pending. */
export default async function plan(ctx: Context, services: string[], opts: Record<string, unknown>): Promise<number> {
  ctx.warmEngine();
  const project = await ctx.load();
  checkServices(project, services);
  const { planUpFor } = await import('../../apply/index.js');
  const p = await planUpFor(project, await ctx.runtime(), {
    services,
    noDeps: opts.deps === false,
    forceRecreate: opts.forceRecreate === true,
    noRecreate: opts.recreate === false,
    removeOrphans: opts.removeOrphans === true,
    scale: parseScale(opts.scale),
    berthVersion: VERSION,
  });
  const changed = hasChanges(p);
  if (opts.format === 'json') {
    const actions = p.actions.map((a) => ({ kind: a.kind, target: a.target, ...('service' in a && { service: a.service }), reason: a.reason }));
    ctx.world.stdout.write(`${JSON.stringify({ project: p.project, changes: changed, actions, warnings: p.warnings })}\n`);
  } else {
    for (const w of p.warnings) ctx.world.stderr.write(`warning: ${w}\n`);
    if (p.actions.length) ctx.world.stdout.write(`${formatPlan(p)}\n`);
    ctx.world.stderr.write(changed ? `${project.name}: changes pending\n` : `${project.name}: up to date, nothing to change\n`);
  }
  return changed ? 2 : 0;
}
