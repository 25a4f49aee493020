/**
 * What the lifecycle commands (start, stop, restart, kill, pause, unpause, rm) share: the target from
 * the stack file or the project name, and the flags they have in common.
 */
import type { Target } from '../../apply/lifecycle.js';
import type { Context } from '../context.js';
import { checkServices } from '../flags.js';

export async function lifecycleTarget(ctx: Context, services: string[]): Promise<Target> {
  const { project, name } = await ctx.loadOrName();
  if (project) checkServices(project, services);
  return { projectName: name, project, services };
}

/** One line on stderr when there was nothing to act on, so that silence never means "did nothing". */
export function nothing(ctx: Context, what: string): void {
  ctx.world.stderr.write(`${what}\n`);
}
