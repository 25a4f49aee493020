import type { Context } from '../context.js';
import { table } from '../table.js';
import { lifecycleTarget } from './lifecycle.js';

/** `berth top [SERVICE...]`: the processes of each running container. */
export default async function top(ctx: Context, services: string[]): Promise<number> {
  const t = await lifecycleTarget(ctx, services);
  const { targetContainers, checkKnown } = await import('../../apply/lifecycle.js');
  const rt = await ctx.runtime();
  const all = await targetContainers(rt, t, { all: false });
  checkKnown(t, all);
  const lists = await Promise.all(all.map(async (c) => ({ c, p: await rt.topContainer(c.id) })));
  const out = ctx.world.stdout;
  lists.forEach(({ c, p }, i) => {
    out.write(`${i > 0 ? '\n' : ''}${c.name}\n`);
    out.write(table(p.titles, p.processes));
  });
  return 0;
}
