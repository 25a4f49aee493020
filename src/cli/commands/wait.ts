import type { Context } from '../context.js';
import { lifecycleTarget } from './lifecycle.js';

/**
 * `berth wait [--down-project] SERVICE...`: blocks until the services' containers stop and exits with the
 * exit code of the first one to stop; with --down-project, brings the project down at that moment.
 */
export default async function wait(ctx: Context, services: string[], opts: Record<string, unknown>): Promise<number> {
  const t = await lifecycleTarget(ctx, services);
  const { targetContainers, checkKnown } = await import('../../apply/lifecycle.js');
  const rt = await ctx.runtime();
  const containers = await targetContainers(rt, t);
  checkKnown(t, containers);
  if (containers.length === 0) {
    ctx.world.stderr.write(`${t.projectName}: no containers to wait for\n`);
    return 0;
  }
  const first = await Promise.race(
    containers.map(async (c) => ({ c, code: await rt.waitContainer(c.id, 'not-running') })),
  );
  if (opts.downProject) {
    const { down } = await import('../../apply/index.js');
    await ctx.withProjectLock(t.projectName, async () =>
      down(
        t.projectName,
        t.project,
        rt,
        { volumes: false, removeOrphans: true, parallel: ctx.parallel() },
        await ctx.renderer(),
      ),
    );
    return first.code;
  }
  const rest = await Promise.all(
    containers.map(async (c) => ({ c, code: await rt.waitContainer(c.id, 'not-running') })),
  );
  for (const r of rest) ctx.world.stdout.write(`${r.c.name} exited with code ${r.code}\n`);
  return first.code;
}
