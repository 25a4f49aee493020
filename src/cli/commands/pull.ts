import { UsageError } from '../../errors.js';
import type { Context } from '../context.js';
import { checkServices } from '../flags.js';

/** `--policy`: Compose's pull accepts `missing` (and its alias `if_not_present`) and `always`. */
export function pullCommandPolicy(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (value === 'missing' || value === 'if_not_present' || value === 'always') return value;
  throw new UsageError(`invalid --policy option ${JSON.stringify(value)}: use missing or always`);
}

export default async function pull(ctx: Context, services: string[], opts: Record<string, unknown>): Promise<number> {
  const policy = pullCommandPolicy(opts.policy);
  const project = await ctx.load({ enableServices: services });
  checkServices(project, services);
  const rt = await ctx.runtime();
  const { pullServices } = await import('../../apply/images.js');
  const { createRenderer } = await import('../../progress/index.js');
  const renderer =
    opts.quiet === true ? await createRenderer('quiet', ctx.world.stderr, ctx.world.env) : await ctx.renderer();
  const failed = await pullServices(
    project,
    rt,
    services,
    {
      parallel: ctx.parallel(),
      ignoreFailures: opts.ignorePullFailures === true,
      includeDeps: opts.includeDeps === true,
      ignoreBuildable: opts.ignoreBuildable === true,
      ...(policy !== undefined && { policy }),
    },
    renderer,
  );
  for (const ref of failed) ctx.world.stderr.write(`warning: could not pull ${ref} (ignored)\n`);
  return 0;
}
