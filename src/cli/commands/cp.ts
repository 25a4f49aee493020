import { resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import type { Context } from '../context.js';
import { lifecycleTarget } from './lifecycle.js';
import { parseIndex } from './logs.js';

/** `berth cp [--index N] SERVICE:SRC DEST` or `berth cp SRC SERVICE:DEST` (`-` is not supported). */
export default async function cp(ctx: Context, args: string[], opts: Record<string, unknown>): Promise<number> {
  const { parseCopyArg, copyIn, copyOut } = await import('../../apply/copy.js');
  const [a, b] = args;
  if (a === undefined || b === undefined)
    throw new UsageError('cp needs a source and a destination, one of them SERVICE:PATH');
  const from = parseCopyArg(a);
  const to = parseCopyArg(b);
  if ((from.service === undefined) === (to.service === undefined)) {
    throw new UsageError(
      'cp copies between a container and the host: exactly one of source and destination is SERVICE:PATH',
    );
  }
  if (a === '-' || b === '-') throw new UsageError('cp does not read or write tar streams on stdin/stdout ("-")');
  const service = (from.service ?? to.service)!;
  const index = opts.index === undefined ? undefined : parseIndex(opts.index);
  const t = await lifecycleTarget(ctx, [service]);
  const { serviceContainer } = await import('../../apply/lifecycle.js');
  const rt = await ctx.runtime();
  const c = await serviceContainer(rt, t, service, { index });
  if (from.service !== undefined) await copyOut(rt, c.id, from.path, resolve(ctx.world.cwd, to.path));
  else await copyIn(rt, c.id, resolve(ctx.world.cwd, from.path), to.path);
  return 0;
}
