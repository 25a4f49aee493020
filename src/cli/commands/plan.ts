/**
 * `berth plan`: what `up` would do, as the plan's graph (one line per step, with the steps it waits for),
 * or as JSON; changes nothing.
 */
import { formatGraph, hasChanges, type Plan } from '../../plan/index.js';
import type { PrivilegeNotice } from '../../config/index.js';
import type { Project } from '../../config/model.js';
import type { Context } from '../context.js';
import { VERSION } from '../context.js';
import { checkServices, parseScale } from '../flags.js';

/** `berth plan`: read-only; exit 0 when nothing would change, 2 when changes are pending. */
export default async function plan(ctx: Context, services: string[], opts: Record<string, unknown>): Promise<number> {
  ctx.warmEngine();
  const { project, notices } = await loadWithNotices(ctx, services);
  checkServices(project, services);
  await ctx.warnForEngine();
  const { planUpFor } = await import('../../apply/index.js');
  const { readBuildBases } = await import('../../config/index.js');
  const p = await planUpFor(project, await ctx.runtime(), {
    buildBases: await readBuildBases(project, ctx.world.env),
    services,
    noDeps: opts.deps === false,
    forceRecreate: opts.forceRecreate === true,
    noRecreate: opts.recreate === false,
    removeOrphans: opts.removeOrphans === true,
    scale: parseScale(opts.scale),
    berthVersion: VERSION,
  });
  const changed = hasChanges(p);
  const shown = noticesOf(notices, services, p);
  if (opts.format === 'json') {
    const actions = p.actions.map((a) => ({
      kind: a.kind,
      target: a.target,
      ...('service' in a && { service: a.service }),
      reason: a.reason,
    }));
    const operations = p.steps.map((s) => ({
      id: s.id,
      op: s.op,
      target: s.target,
      ...('service' in s.action && { service: s.action.service }),
      reason: s.reason,
      after: s.after,
      ...(s.part !== undefined && { part: s.part }),
      ...(s.when !== undefined && { when: s.when }),
    }));
    const privileges = shown.map((n) => ({
      service: n.service,
      setting: n.setting,
      ...(n.pos && { file: n.pos.file, line: n.pos.line, column: n.pos.column }),
      risk: n.risk,
    }));
    ctx.world.stdout.write(
      `${JSON.stringify({ project: p.project, changes: changed, operations, actions, warnings: p.warnings, privileges })}\n`,
    );
  } else {
    for (const w of p.warnings) ctx.world.stderr.write(`warning: ${w}\n`);
    if (p.steps.length) ctx.world.stdout.write(`${formatGraph(p)}\n`);
    await printNotices(ctx, shown);
    ctx.world.stderr.write(
      changed ? `${project.name}: changes pending\n` : `${project.name}: up to date, nothing to change\n`,
    );
  }
  return changed ? 2 : 0;
}

/**
 * The project loaded afresh with its privilege notices (the project cache keeps no source positions),
 * the loader's warnings printed as for any load.
 */
export async function loadWithNotices(
  ctx: Context,
  services: string[],
): Promise<{ project: Project; notices: PrivilegeNotice[] }> {
  const { loadProjectWithNotices } = await import('../../config/index.js');
  const r = await loadProjectWithNotices(ctx.loadOptions({ enableServices: services }));
  ctx.printLoadWarnings(r);
  return r;
}

/** The notices of the services the plan acts on: all of them when no service was named, else those named and their dependencies. */
export function noticesOf(notices: PrivilegeNotice[], services: string[], p: Plan): PrivilegeNotice[] {
  if (services.length === 0) return notices;
  const touched = new Set<string>(services);
  for (const a of p.actions) if ('service' in a) touched.add(a.service);
  return notices.filter((n) => touched.has(n.service));
}

/** One `notice: …` line per elevated privilege on stdout, with the plan: they are part of what it says. */
export async function printNotices(ctx: Context, notices: PrivilegeNotice[]): Promise<void> {
  if (notices.length === 0) return;
  const { formatNotice } = await import('../../config/index.js');
  for (const n of notices) ctx.world.stdout.write(`notice: ${formatNotice(n, ctx.world.cwd)}\n`);
}
