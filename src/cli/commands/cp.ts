import { resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import type { Context } from '../context.js';
import { lifecycleTarget } from './lifecycle.js';
import { parseIndex } from './logs.js';

/**
 * `berth cp [-a] [-L] [--index N] SERVICE:SRC DEST|-` or `berth cp SRC|- SERVICE:DEST`: `-` writes the
 * container's tar to stdout, or extracts a tar read from stdin into a directory of the container.
 */
export default async function cp(ctx: Context, args: string[], opts: Record<string, unknown>): Promise<number> {
  const copy = await import('../../apply/copy.js');
  const [a, b] = args;
  if (a === undefined || b === undefined)
    throw new UsageError('cp needs a source and a destination, one of them SERVICE:PATH');
  const from = copy.parseCopyArg(a);
  const to = copy.parseCopyArg(b);
  if ((from.service === undefined) === (to.service === undefined)) {
    throw new UsageError(
      'cp copies between a container and the host: exactly one of source and destination is SERVICE:PATH',
    );
  }
  const service = (from.service ?? to.service)!;
  const index = opts.index === undefined ? undefined : parseIndex(opts.index);
  const options = { archive: opts.archive === true, followLink: opts.followLink === true };
  const t = await lifecycleTarget(ctx, [service]);
  const { serviceContainer } = await import('../../apply/lifecycle.js');
  const rt = await ctx.runtime();
  const c = await serviceContainer(rt, t, service, { index });
  if (from.service !== undefined) {
    if (b === '-') await copy.copyTarOut(rt, c.id, from.path, ctx.world.stdout, options);
    else await copy.copyOut(rt, c.id, from.path, resolve(ctx.world.cwd, to.path), options);
  } else if (a === '-') await copy.copyTarIn(rt, c.id, ctx.world.stdin, to.path, options);
  else await copy.copyIn(rt, c.id, resolve(ctx.world.cwd, from.path), to.path, options);
  return 0;
}
