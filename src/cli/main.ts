/**
 * The entry point: declares commands and flags (each command's work is lazy-imported so `--help` stays
 * fast), then catches errors once and maps them to one clear line and an exit code.
 */
import { Command, CommanderError, Option } from 'commander';
import { BerthError, InternalError } from '../errors.js';
import { Context, VERSION, type World } from './context.js';

type Handler = (ctx: Context, args: string[], opts: Record<string, unknown>) => Promise<number | void>;

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function buildProgram(world: World, result: { code: number }): Command {
  const program = new Command('berth')
    .description('Run multi-container stacks from compose files on the Docker Engine.')
    .version(VERSION, '--version')
    .option('-f, --file <path>', 'stack file (repeatable; "-" reads stdin)', collect)
    .option('-p, --project-name <name>', 'project name')
    .option('--project-directory <dir>', 'project directory (default: the first file\'s folder)')
    .option('--env-file <path>', 'environment file (repeatable)', collect)
    .option('--profile <name>', 'enable a profile (repeatable)', collect)
    .addOption(new Option('--progress <mode>', 'progress output').choices(['auto', 'tty', 'plain', 'json', 'quiet']).default('auto'))
    .option('--parallel <n>', 'most engine operations at once (-1: no limit)')
    .option('--debug', 'show stack traces')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => world.stdout.write(s),
      writeErr: (s) => world.stderr.write(s),
    });

  const action = (load: () => Promise<{ default: Handler }>) =>
    async function (this: Command, ...raw: unknown[]): Promise<void> {
      const cmd = raw[raw.length - 1] as Command;
      const opts = cmd.opts();
      const args = raw.slice(0, -2).flatMap((a) => (Array.isArray(a) ? (a as string[]) : typeof a === 'string' ? [a] : []));
      const ctx = Context.from(cmd, world);
      try {
        const { default: handler } = await load();
        const code = await handler(ctx, args, opts);
        result.code = typeof code === 'number' ? code : 0;
      } finally {
        ctx.close();
      }
    };

  program
    .command('up')
    .description('Create and start the stack\'s containers')
    .argument('[services...]', 'only these services (and their dependencies)')
    .option('-d, --detach', 'run in the background')
    .option('--force-recreate', 'recreate containers even if nothing changed')
    .option('--no-recreate', 'never recreate existing containers')
    .option('--always-recreate-deps', 'recreate dependents of recreated services')
    .option('--no-deps', 'do not start linked services')
    .option('--remove-orphans', 'remove containers of services not in the stack')
    .option('-V, --renew-anon-volumes', 'recreate anonymous volumes instead of keeping their data')
    .option('--no-start', 'create but do not start')
    .option('--scale <service=n>', 'number of containers for a service (repeatable)', collect)
    .option('-t, --timeout <seconds>', 'shutdown timeout when replacing containers')
    .option('--dry-run', 'print the plan and change nothing')
    .action(action(() => import('./commands/up.js')));

  program
    .command('down')
    .description('Stop and remove the stack\'s containers and networks')
    .option('-v, --volumes', 'also remove named volumes declared by the stack and anonymous volumes')
    .option('--remove-orphans', 'remove containers of services not in the stack')
    .option('-t, --timeout <seconds>', 'shutdown timeout')
    .option('--dry-run', 'print the plan and change nothing')
    .action(action(() => import('./commands/down.js')));

  program
    .command('plan')
    .description('Show what `up` would change, and why (exit 0: nothing, 2: changes pending)')
    .argument('[services...]', 'only these services (and their dependencies)')
    .option('--format <format>', 'text or json', 'text')
    .option('--force-recreate', 'as up --force-recreate')
    .option('--no-recreate', 'as up --no-recreate')
    .option('--no-deps', 'as up --no-deps')
    .option('--remove-orphans', 'as up --remove-orphans')
    .option('--scale <service=n>', 'as up --scale', collect)
    .action(action(() => import('./commands/plan.js')));

  program
    .command('ps')
    .description('List the stack\'s containers')
    .argument('[services...]', 'only these services')
    .option('-a, --all', 'also stopped containers')
    .option('-q, --quiet', 'only ids')
    .option('--services', 'only service names')
    .option('--format <format>', 'table or json', 'table')
    .action(action(() => import('./commands/ps.js')));

  program
    .command('config')
    .description('Print the resolved stack')
    .option('--format <format>', 'yaml or json', 'yaml')
    .option('-q, --quiet', 'only validate')
    .option('--services', 'print the service names')
    .option('--volumes', 'print the volume names')
    .option('--networks', 'print the network names')
    .option('--profiles', 'print the profile names')
    .option('--images', 'print the image names')
    .option('--hash <services>', 'print the config hash of services ("*" for all)')
    .option('--no-interpolate', 'do not interpolate variables')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action(action(() => import('./commands/config.js')));

  program
    .command('version')
    .description('Show the berth version')
    .action(() => {
      world.stdout.write(`berth version ${VERSION}\n`);
    });

  for (const cmd of program.commands) {
    cmd.exitOverride().showSuggestionAfterError(true).configureOutput({
      writeOut: (s) => world.stdout.write(s),
      writeErr: (s) => world.stderr.write(s),
    });
  }
  return program;
}

export async function main(argv: string[], world: World = defaultWorld()): Promise<number> {
  const result = { code: 0 };
  const debug = argv.includes('--debug');
  try {
    await buildProgram(world, result).parseAsync(argv, { from: 'user' });
    return result.code;
  } catch (err) {
    return report(err, world, debug);
  }
}

function defaultWorld(): World {
  return { env: process.env, cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };
}

function report(err: unknown, world: World, debug: boolean): number {
  if (err instanceof CommanderError) {
    // Commander has already printed its message (help, version, unknown option...).
    return err.exitCode === 0 ? 0 : 2;
  }
  const known = err instanceof BerthError ? err : new InternalError(`unexpected error: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  const lines = [`error: ${known.message}`];
  if (known.detail) lines.push(known.detail);
  if (known.hint) lines.push(`hint: ${known.hint}`);
  if (known instanceof InternalError) lines.push('this is a bug in berth: please report it with the output of the same command run with --debug');
  if (debug) lines.push(String((known instanceof InternalError && known.cause instanceof Error ? known.cause : known).stack));
  world.stderr.write(`${lines.join('\n')}\n`);
  return known.exitCode;
}
