import { UsageError } from '../../errors.js';
import type { Context } from '../context.js';
import { checkServices } from '../flags.js';

/** `--build-arg KEY=VALUE` (repeatable); `KEY` alone takes the value from the environment. */
export function parseBuildArgs(values: unknown): Record<string, string | null> | undefined {
  if (!Array.isArray(values) || values.length === 0) return undefined;
  const out: Record<string, string | null> = {};
  for (const v of values as string[]) {
    const eq = v.indexOf('=');
    const key = eq < 0 ? v : v.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new UsageError(`--build-arg expects KEY=VALUE, got "${v}"`);
    out[key] = eq < 0 ? null : v.slice(eq + 1);
  }
  return out;
}

export default async function build(ctx: Context, services: string[], opts: Record<string, unknown>): Promise<number> {
  const project = await ctx.load({ enableServices: services });
  checkServices(project, services);
  const rt = await ctx.runtime();
  const { buildServices } = await import('../../apply/images.js');
  const quiet = opts.quiet === true;
  const { createRenderer } = await import('../../progress/index.js');
  const renderer = quiet ? await createRenderer('quiet', ctx.world.stderr, ctx.world.env) : await ctx.renderer();
  const buildArgs = parseBuildArgs(opts.buildArg);
  const built = await buildServices(
    project,
    rt,
    services,
    {
      parallel: ctx.parallel(),
      noCache: opts.cache === false,
      pullBase: opts.pull === true,
      ...(buildArgs && { buildArgs }),
      withDependencies: opts.withDependencies === true,
      quiet,
      env: ctx.world.env,
    },
    renderer,
  );
  if (quiet) for (const id of built.values()) ctx.world.stdout.write(`${id}\n`);
  else if (built.size === 0)
    ctx.world.stderr.write(`${project.name}: no service to build (none has a build section)\n`);
  return 0;
}
