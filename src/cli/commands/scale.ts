/**
 * `berth scale SERVICE=N...`: as `docker compose scale`, the `up` plan of the named services (and their
 * dependencies unless `--no-deps`) with their number of containers set: the missing numbers are
 * created and started, those above N removed, the others kept as they are.
 */
import { UsageError } from '../../errors.js';
import type { Context } from '../context.js';
import { VERSION } from '../context.js';
import { checkServices } from '../flags.js';

/** `web=3 db=1` -> { web: 3, db: 1 }; a malformed one is a UsageError in Compose's words. Pure. */
export function parseReplicas(args: string[]): Record<string, number> {
  if (args.length === 0) throw new UsageError('scale needs SERVICE=REPLICAS, e.g. berth scale web=3');
  const out: Record<string, number> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const [service, value] = eq < 0 ? [arg, ''] : [arg.slice(0, eq), arg.slice(eq + 1)];
    if (service === '' || value === '') throw new UsageError(`invalid scale specifier: ${arg}`);
    if (!/^\d+$/.test(value))
      throw new UsageError(`invalid scale specifier: the number of replicas must be a whole number: ${arg}`);
    out[service] = Number(value);
  }
  return out;
}

export default async function scale(ctx: Context, args: string[], opts: Record<string, unknown>): Promise<number> {
  const replicas = parseReplicas(args);
  const services = Object.keys(replicas).sort();
  ctx.warmEngine();
  const project = await ctx.load({ enableServices: services });
  checkServices(project, services);
  const { up } = await import('../../apply/index.js');
  const rt = await ctx.runtime();
  await ctx.warnForEngine();
  await ctx.withProjectLock(project.name, async () =>
    up(
      project,
      rt,
      {
        services,
        noDeps: opts.deps === false,
        scale: replicas,
        berthVersion: VERSION,
        parallel: ctx.parallel(),
        nowMs: Date.now(),
        env: ctx.world.env,
      },
      await ctx.renderer(),
    ),
  );
  return 0;
}
