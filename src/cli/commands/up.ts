import { formatGraph, hasChanges } from '../../plan/index.js';
import type { Context } from '../context.js';
import { VERSION } from '../context.js';
import { checkServices, parseScale, parseSeconds } from '../flags.js';
import { terminalPrompt } from '../prompt.js';
import { parsePullFlag } from '../pull-flag.js';

export default async function up(ctx: Context, services: string[], opts: Record<string, unknown>): Promise<number> {
  // `up --dry-run` and the global `berth --dry-run up` are one: ctx.dryRun holds either.
  const dryRun = ctx.dryRun;
  const attached = !opts.detach && !opts.wait && !dryRun && opts.start !== false;
  const sinceSec = (Date.now() / 1000 - 1).toFixed(3);
  ctx.warmEngine();
  // A dry run shows the privileges the stack grants, which needs the files' positions: a fresh load.
  const loaded = dryRun
    ? await (await import('./plan.js')).loadWithNotices(ctx, services)
    : { project: await ctx.load({ enableServices: services }), notices: [] };
  const project = loaded.project;
  checkServices(project, services);
  if (attached) (await import('./up-attached.js')).checkAttachedFlags(project, opts);
  if (opts.watch === true) await (await import('./watch.js')).checkWatchFlags(project, services, opts);
  const confirm = opts.yes === true ? undefined : terminalPrompt(ctx.world);
  const pull = parsePullFlag(opts.pull);
  const options = {
    services,
    noDeps: opts.deps === false,
    forceRecreate: opts.forceRecreate === true,
    noRecreate: opts.recreate === false,
    alwaysRecreateDeps: opts.alwaysRecreateDeps === true,
    removeOrphans: opts.removeOrphans === true || ctx.flagSetting('COMPOSE_REMOVE_ORPHANS'),
    ignoreOrphans: ctx.flagSetting('COMPOSE_IGNORE_ORPHANS'),
    renewAnonVolumes: opts.renewAnonVolumes === true,
    noStart: opts.start === false,
    scale: parseScale(opts.scale),
    berthVersion: VERSION,
    parallel: ctx.parallel(),
    stopTimeoutSec: parseSeconds(opts.timeout, '--timeout'),
    wait: opts.wait === true,
    waitTimeoutSec: parseSeconds(opts.waitTimeout, '--wait-timeout'),
    build: opts.build === true,
    noBuild: opts.build === false,
    ...(pull !== undefined && { pull }),
    quietPull: opts.quietPull === true,
    quietBuild: opts.quietBuild === true,
    nowMs: Date.now(),
    env: ctx.world.env,
    yes: opts.yes === true,
    ...(confirm && { confirm }),
  };
  const rt = await ctx.runtime();
  await ctx.warnForEngine();
  const { up: runUp } = await import('../../apply/index.js');
  if (dryRun) {
    // The plan on stdout; its run against the dry-run runtime on stderr, line by line, as Compose shows it.
    // A volume recreate is agreed to: nothing is lost, and the plan names it.
    const { readBuildBases } = await import('../../config/index.js');
    const buildBases = await readBuildBases(project, ctx.world.env);
    const { plan } = await runUp(project, rt, { ...options, buildBases, yes: true }, await ctx.renderer());
    ctx.world.stdout.write(plan.steps.length ? `${formatGraph(plan)}\n` : '');
    const { noticesOf, printNotices } = await import('./plan.js');
    await printNotices(ctx, noticesOf(loaded.notices, services, plan));
    return 0;
  }
  const { plan } = await ctx.withProjectLock(project.name, async () =>
    runUp(project, rt, options, await ctx.renderer()),
  );
  if (!hasChanges(plan)) ctx.world.stderr.write(`${project.name}: everything is up to date, nothing changed\n`);
  if (opts.watch === true)
    return (await import('./watch.js')).watchAfterUp(ctx, project, rt, services, options, { ...opts, sinceSec });
  if (attached) return (await import('./up-attached.js')).followAfterUp(ctx, project, rt, services, opts, sinceSec);
  return 0;
}
