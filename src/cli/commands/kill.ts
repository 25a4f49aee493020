import { UsageError } from '../../errors.js';
import type { Context } from '../context.js';
import { lifecycleTarget, nothing } from './lifecycle.js';

/**
 * `berth kill [-s SIGNAL] [--remove-orphans] [SERVICE...]`: with `--remove-orphans` (or
 * COMPOSE_REMOVE_ORPHANS), the containers of services the stack no longer declares are killed too, as
 * Compose's kill does (it kills them; it does not remove them, whatever the flag's name says).
 */
export default async function kill(ctx: Context, services: string[], opts: Record<string, unknown>): Promise<number> {
  const signal = typeof opts.signal === 'string' ? opts.signal : 'SIGKILL';
  if (!/^(SIG)?[A-Z0-9+-]+$|^\d+$/i.test(signal))
    throw new UsageError(`--signal expects a signal name or number (SIGTERM, HUP, 9), got "${signal}"`);
  const t = await lifecycleTarget(ctx, services);
  const { killServices } = await import('../../apply/lifecycle.js');
  const { containers } = await killServices(
    await ctx.runtime(),
    {
      ...t,
      signal: signal.toUpperCase(),
      orphans: opts.removeOrphans === true || ctx.flagSetting('COMPOSE_REMOVE_ORPHANS'),
    },
    { parallel: ctx.parallel() },
    await ctx.renderer(),
  );
  if (containers.length === 0) nothing(ctx, `${t.projectName}: no running containers to kill`);
  return 0;
}
