/**
 * `berth run`: turns the flags into a parsed one-off (environment, labels, ports and mounts as the
 * model holds them) and hands it to apply/run.ts, which makes and runs the container.
 */
import { UsageError } from '../../errors.js';
import type { PortConfig, ServiceVolume } from '../../config/model.js';
import { parsePortShort, PortSyntaxError } from '../../config/ports.js';
import { shellSplit } from '../../config/shell.js';
import { parseVolumeShort, VolumeSyntaxError } from '../../config/volumes.js';
import type { Context } from '../context.js';
import { VERSION } from '../context.js';
import { checkServices } from '../flags.js';
import { parsePullFlag } from '../pull-flag.js';
import { withTerminal } from './exec.js';

const list = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : []);

export interface OneOffFlags {
  env: Record<string, string>;
  labels: Record<string, string>;
  publish: PortConfig[];
  volumes: ServiceVolume[];
}

export interface OneOffFlagWorld {
  lookupEnv: (name: string) => string | undefined;
  /** Relative `-v` sources resolve against it (the project's working directory). */
  baseDir: string;
  home: string | undefined;
}

/** `-e KEY=VALUE` or `-e KEY` (taken from the shell; left out when unset). */
function parseEnvFlags(values: string[], lookupEnv: OneOffFlagWorld['lookupEnv']): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of values) {
    const eq = e.indexOf('=');
    if (eq === 0) throw new UsageError(`-e expects KEY=VALUE or KEY, got "${e}"`);
    if (eq > 0) env[e.slice(0, eq)] = e.slice(eq + 1);
    else {
      const v = lookupEnv(e);
      if (v !== undefined) env[e] = v;
    }
  }
  return env;
}

function parseLabelFlags(values: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const l of values) {
    const eq = l.indexOf('=');
    if (eq <= 0) throw new UsageError(`-l expects KEY=VALUE, got "${l}"`);
    labels[l.slice(0, eq)] = l.slice(eq + 1);
  }
  return labels;
}

function parsePublishFlags(values: string[]): PortConfig[] {
  try {
    return values.flatMap((p) => parsePortShort(p));
  } catch (err) {
    if (err instanceof PortSyntaxError) throw new UsageError(`-p: ${err.message}`);
    throw err;
  }
}

function parseVolumeFlags(values: string[], world: OneOffFlagWorld): ServiceVolume[] {
  try {
    return values.map((v) => parseVolumeShort(v, { baseDir: world.baseDir, home: world.home }));
  } catch (err) {
    if (err instanceof VolumeSyntaxError) throw new UsageError(`-v: ${err.message}`);
    throw err;
  }
}

/** `-e`, `-l`, `-p`, `-v` as the model holds them; a malformed one is a UsageError naming the flag. Pure. */
export function parseOneOffFlags(
  raw: { env: string[]; labels: string[]; publish: string[]; volumes: string[] },
  world: OneOffFlagWorld,
): OneOffFlags {
  return {
    env: parseEnvFlags(raw.env, world.lookupEnv),
    labels: parseLabelFlags(raw.labels),
    publish: parsePublishFlags(raw.publish),
    volumes: parseVolumeFlags(raw.volumes, world),
  };
}

/**
 * `berth run [--rm] [-d] [--name N] [--entrypoint CMD] [-e K=V] [-l K=V] [-u U] [-v V] [-p P]
 * [--service-ports] [--no-deps] [-T] [-w DIR] SERVICE [COMMAND...]`: exits with the command's exit code.
 */
export default async function run(ctx: Context, args: string[], opts: Record<string, unknown>): Promise<number> {
  const [service, ...command] = args;
  if (!service) throw new UsageError('run needs a service, e.g. berth run web sh');
  const project = await ctx.load({ enableServices: [service] });
  checkServices(project, [service]);
  const detach = opts.detach === true;
  const { stdin, stdout } = ctx.world;
  const tty = !detach && opts.tty !== false && stdin.isTTY === true && stdout.isTTY === true;
  const interactive = !detach && opts.interactive !== false;
  if (detach && opts.rm === true)
    throw new UsageError('--rm and -d cannot be combined: a detached one-off is removed with berth rm or down');
  const flags = parseOneOffFlags(
    { env: list(opts.env), labels: list(opts.label), publish: list(opts.publish), volumes: list(opts.volume) },
    { lookupEnv: (k) => ctx.world.env[k], baseDir: project.working_dir, home: ctx.world.env.HOME },
  );
  if (list(opts.envFromFile).length > 0) {
    const { withEnvFromFiles } = await import('../../config/env-from-file.js');
    flags.env = withEnvFromFiles(flags.env, list(opts.envFromFile), ctx.world.cwd);
  }
  const pull = parsePullFlag(opts.pull);
  const { runOneOff } = await import('../../apply/run.js');
  const rt = await ctx.runtime();
  await ctx.warnForEngine();
  const o = {
    service,
    command,
    ...(typeof opts.entrypoint === 'string' && { entrypoint: shellSplit(opts.entrypoint) }),
    ...(typeof opts.name === 'string' && { name: opts.name }),
    ...flags,
    ...(typeof opts.user === 'string' && { user: opts.user }),
    ...(typeof opts.workdir === 'string' && { workdir: opts.workdir }),
    servicePorts: opts.servicePorts === true,
    noDeps: opts.deps === false,
    detach,
    remove: opts.rm === true,
    tty,
    interactive,
    capAdd: list(opts.capAdd),
    capDrop: list(opts.capDrop),
    useAliases: opts.useAliases === true,
    build: opts.build === true,
    ...(pull !== undefined && { pull }),
  };
  // The project's lock while the one-off's dependencies, networks and container are made; not while it runs.
  const apply = {
    parallel: ctx.parallel(),
    quietPull: opts.quietPull === true,
    quietBuild: opts.quietBuild === true,
    berthVersion: VERSION,
    env: ctx.world.env,
    setup: <T>(fn: () => Promise<T>) => ctx.withProjectLock(project.name, fn),
  };
  if (detach) {
    const r = await runOneOff(project, rt, o, apply, () => ctx.renderer(), { stdout, stderr: ctx.world.stderr }, {});
    stdout.write(`${r.name}\n`);
    return 0;
  }
  const r = await withTerminal(ctx, tty, interactive, (io) =>
    runOneOff(project, rt, o, apply, () => ctx.renderer(), io, {}),
  );
  return r.exitCode;
}
