import type { Context } from '../context.js';
import { parseSeconds } from '../flags.js';
import { askYesNo } from '../prompt.js';
import { lifecycleTarget } from './lifecycle.js';

/**
 * `berth rm [-f] [-s] [-v] [SERVICE...]`: removes the stack's stopped service containers. Without `-f`
 * it asks first, reading the answer from stdin (no answer: nothing is removed).
 */
export default async function rm(ctx: Context, services: string[], opts: Record<string, unknown>): Promise<number> {
  const t = await lifecycleTarget(ctx, services);
  const { removeServices } = await import('../../apply/lifecycle.js');
  const force = opts.force === true;
  const out = ctx.world.stdout;
  const rt = await ctx.runtime();
  const result = await ctx.withProjectLock(t.projectName, async () =>
    removeServices(
      rt,
      t,
      {
        parallel: ctx.parallel(),
        stop: opts.stop === true,
        volumes: opts.volumes === true,
        timeoutSec: parseSeconds(opts.timeout, '--timeout'),
        confirm: async (names) => {
          const msg = `Going to remove ${names.join(', ')}`;
          if (force) {
            out.write(`${msg}\n`);
            return true;
          }
          return askYesNo(ctx.world, `${msg}\nAre you sure? [yN] `);
        },
      },
      await ctx.renderer(),
      opts.stop === true ? await ctx.renderer() : undefined,
    ),
  );
  if (result.confirmed && result.containers.length === 0) ctx.world.stderr.write('No stopped containers\n');
  return 0;
}
