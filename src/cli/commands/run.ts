import { UsageError } from '../../errors.js';
import { shellSplit } from '../../config/shell.js';
import type { Context } from '../context.js';
import { VERSION } from '../context.js';
import { checkServices } from '../flags.js';
import { withTerminal } from './exec.js';

const list = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : []);

/**
 * `berth run [--rm] [-d] [--name N] [--entrypoint CMD] [-e K=V] [-l K=V] [-u U] [-v V] [-p P]
 * [--service-ports] [--no-deps] [-T] [-w DIR] SERVICE [COMMAND...]`: exits with the command's exit code.
 */
export default async function run(ctx: Context, args: string[], opts: Record<string, unknown>): Promise<number> {
  const [service, ...command] = args;
  if (!service) throw new UsageError('run needs a service, e.g. berth run web sh');
  const project = await ctx.load();
  checkServices(project, [service]);
  const detach = opts.detach === true;
  const { stdin, stdout } = ctx.world;
  const tty = !detach && opts.tty !== false && stdin.isTTY === true && stdout.isTTY === true;
  const interactive = !detach && opts.interactive !== false;
  if (detach && opts.rm === true) throw new UsageError('--rm and -d cannot be combined: a detached one-off is removed with berth rm or down');
  const { runOneOff } = await import('../../apply/run.js');
  const rt = await ctx.runtime();
  const o = {
    service,
    command,
    ...(typeof opts.entrypoint === 'string' && { entrypoint: shellSplit(opts.entrypoint) }),
    ...(typeof opts.name === 'string' && { name: opts.name }),
    env: list(opts.env),
    labels: list(opts.label),
    ...(typeof opts.user === 'string' && { user: opts.user }),
    ...(typeof opts.workdir === 'string' && { workdir: opts.workdir }),
    volumes: list(opts.volume),
    publish: list(opts.publish),
    servicePorts: opts.servicePorts === true,
    noDeps: opts.deps === false,
    detach,
    remove: opts.rm === true,
    tty,
    interactive,
  };
  // The project's lock while the one-off's dependencies, networks and container are made; not while it runs.
  const apply = { parallel: ctx.parallel(), berthVersion: VERSION, setup: <T>(fn: () => Promise<T>) => ctx.withProjectLock(project.name, fn) };
  const world = { lookupEnv: (k: string) => ctx.world.env[k], home: ctx.world.env.HOME };
  if (detach) {
    const r = await runOneOff(project, rt, o, apply, () => ctx.renderer(), { stdout, stderr: ctx.world.stderr }, world);
    stdout.write(`${r.name}\n`);
    return 0;
  }
  const r = await withTerminal(ctx, tty, interactive, (io) => runOneOff(project, rt, o, apply, () => ctx.renderer(), io, world));
  return r.exitCode;
}
