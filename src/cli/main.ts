/**
 * The entry point: declares commands and flags (each command's work is lazy-imported so `--help` stays
 * fast), then catches errors once and maps them to one clear line and an exit code.
 */
import { Command, CommanderError, Option } from 'commander';
import { BerthError, InternalError } from '../errors.js';
import { Context, VERSION, type World } from './context.js';
import { addExamples } from './examples.js';

type Handler = (ctx: Context, args: string[], opts: Record<string, unknown>) => Promise<number | void>;

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Runs a command's lazy-imported handler with its arguments, flags and a Context. */
type LazyAction = (load: () => Promise<{ default: Handler }>) => (this: Command, ...raw: unknown[]) => Promise<void>;

/**
 * The program, with every command or (given `argv`) only the one it names: declaring the ~30 commands
 * and their flags is a measurable part of each start, and a run needs one of them. Help without a
 * command, and a name that is no command (commander suggests the closest), get them all.
 */
export function buildProgram(world: World, result: { code: number }, argv?: string[]): Command {
  const program = programWithGlobalFlags(world);
  const named = argv === undefined ? undefined : commandNamed(argv, program);
  addCommands(onlyCommand(program, named), lazyAction(world, result), world);
  if (named !== undefined && !program.commands.some((c) => c.name() === named)) return buildProgram(world, result);
  configureEachCommand(program, world);
  return program;
}

function addCommands(program: Command, action: LazyAction, world: World): void {
  addUp(program, action);
  addDownAndPlan(program, action);
  addPsAndConfig(program, action);
  addStartStopCommands(program, action);
  addRmLogsExec(program, action);
  addImageCommands(program, action);
  addRun(program, action);
  addContainerTools(program, action);
  addProjectCommands(program, action);
  addStack(program, action);
  addScaleAttachStatsVolumes(program, action);
  addCompletion(program, world);
  addVersion(program, world);
}

/** The command argv names after the global flags; undefined for none, or for `help` (which lists them all). */
function commandNamed(argv: string[], program: Command): string | undefined {
  const takesValue = new Set(program.options.filter((o) => o.required || o.optional).flatMap((o) => [o.short, o.long]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return undefined;
    if (!arg.startsWith('-')) return arg === 'help' ? undefined : arg;
    if (takesValue.has(arg)) i++;
  }
  return undefined;
}

/** Stands in for a command that is not declared: every call on it does nothing and returns it again. */
const undeclared: Command = new Proxy(function undeclaredCommand() {}, {
  get: (_target, key) => (key === 'then' ? undefined : () => undeclared),
}) as unknown as Command;

/** `program`, whose `.command(name)` declares only the command named `name` (all of them without one). */
function onlyCommand(program: Command, name: string | undefined): Command {
  if (name === undefined) return program;
  return new Proxy(program, {
    get(target, key) {
      if (key !== 'command') return Reflect.get(target, key, target) as unknown;
      return (nameAndArgs: string, ...rest: unknown[]): Command =>
        nameAndArgs.split(' ')[0] === name
          ? (target.command as (...a: unknown[]) => Command)(nameAndArgs, ...rest)
          : undeclared;
    },
  });
}

/** The program with berth's global flags, before the command. */
function programWithGlobalFlags(world: World): Command {
  return (
    new Command('berth')
      .description('Run multi-container stacks from compose files on the Docker Engine.')
      .version(VERSION, '--version')
      .option('-f, --file <path>', 'stack file (repeatable; "-" reads stdin)', collect)
      .option('-p, --project-name <name>', 'project name')
      .option('--project-directory <dir>', "project directory (default: the first file's folder)")
      .option('--env-file <path>', 'environment file (repeatable)', collect)
      .option('--profile <name>', 'enable a profile (repeatable)', collect)
      .addOption(
        new Option('--progress <mode>', 'progress output (default: COMPOSE_PROGRESS, else auto)').choices([
          'auto',
          'tty',
          'plain',
          'json',
          'quiet',
        ]),
      )
      .option('--parallel <n>', 'most engine operations at once (-1: no limit)')
      .option('--debug', 'show stack traces')
      .option('--dry-run', 'execute the command in dry-run mode: read the engine, change nothing')
      .addOption(
        new Option('--ansi <when>', 'when to print ANSI control characters (default: COMPOSE_ANSI, else auto)').choices(
          ['never', 'always', 'auto'],
        ),
      )
      .addOption(new Option('--no-ansi', 'do not print ANSI control characters (deprecated: --ansi never)').hideHelp())
      .option(
        '-c, --context <name>',
        'docker context to reach the engine through (over DOCKER_HOST and DOCKER_CONTEXT)',
      )
      .showSuggestionAfterError(true)
      // Global flags go before the command, as Compose's do: `rm -f`, `logs -f` and `run -p` are the command's own.
      .enablePositionalOptions()
      .exitOverride()
      .configureOutput({
        writeOut: (s) => world.stdout.write(s),
        writeErr: (s) => world.stderr.write(s),
      })
  );
}

function lazyAction(world: World, result: { code: number }): LazyAction {
  return (load) =>
    async function (this: Command, ...raw: unknown[]): Promise<void> {
      const cmd = raw[raw.length - 1] as Command;
      const opts = cmd.opts();
      const args = raw
        .slice(0, -2)
        .flatMap((a) => (Array.isArray(a) ? (a as string[]) : typeof a === 'string' ? [a] : []));
      const ctx = Context.from(cmd, world);
      try {
        const { default: handler } = await load();
        const code = await handler(ctx, args, opts);
        result.code = typeof code === 'number' ? code : 0;
      } finally {
        ctx.close();
      }
    };
}

/** Day-two commands: each gets an example under its --help. */
function example(cmd: Command, ...lines: string[]): Command {
  return cmd.addHelpText('after', `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
}

/** `up`, with its attached-mode and pull flags. */
function addUp(program: Command, action: LazyAction): void {
  program
    .command('up')
    .description("Create and start the stack's containers")
    .argument('[services...]', 'only these services (and their dependencies)')
    .option('-d, --detach', 'run in the background')
    .option('--force-recreate', 'recreate containers even if nothing changed')
    .option('--no-recreate', 'never recreate existing containers')
    .option('-y, --yes', 'agree to recreate volumes whose driver or driver options changed (their data is lost)')
    .option('--always-recreate-deps', 'recreate dependents of recreated services')
    .option('--no-deps', 'do not start linked services')
    .option('--remove-orphans', 'remove containers of services not in the stack')
    .option('-V, --renew-anon-volumes', 'recreate anonymous volumes instead of keeping their data')
    .option('--no-start', 'create but do not start')
    .option('--scale <service=n>', 'number of containers for a service (repeatable)', collect)
    .option('-t, --timeout <seconds>', 'shutdown timeout when replacing containers')
    .option('--wait', 'wait until services are running, and healthy where they have a healthcheck (implies -d)')
    .option('--wait-timeout <seconds>', 'give up waiting after this long')
    .option('--dry-run', 'print the plan and change nothing')
    .option('--build', 'build images before starting containers')
    .option('--no-build', 'do not build an image, even when it is missing')
    .option('--abort-on-container-exit', 'attached: stop every container when one exits')
    .option('--abort-on-container-failure', 'attached: stop every container when one exits with a non-zero code')
    .option(
      '--exit-code-from <service>',
      "attached: exit with this service's exit code (implies --abort-on-container-exit)",
    )
    .option('--attach <service>', "attached: show only these services' logs (repeatable)", collect)
    .addOption(
      new Option('--no-attach <service>', "attached: do not show this service's logs (repeatable)").argParser(
        (v: string, prev: unknown) => [...(Array.isArray(prev) ? (prev as string[]) : []), `!${v}`],
      ),
    )
    .option('--attach-dependencies', 'attached: also show the logs of the services it depends on')
    .option('--no-color', 'attached: logs without colors')
    .option('--no-log-prefix', 'attached: logs without the container name prefix')
    .option('--timestamps', 'attached: show timestamps')
    .option('--watch', 'watch the files of develop.watch and sync, rebuild or restart the services as they change')
    .option(
      '--pull <policy>',
      "pull images before running: always, missing, never, build, daily, weekly, every_<duration> (instead of each service's pull_policy)",
    )
    .option('--quiet-pull', 'pull without printing progress')
    .option('--quiet-build', "build without printing the builder's output")
    .action(action(() => import('./commands/up.js')));
  program
    .command('watch')
    .description('Bring the stack up, then sync, rebuild or restart services as their develop.watch files change')
    .argument('[services...]', 'only these services (default: every service with develop.watch)')
    .option('--no-up', 'do not bring the services up first: watch what runs')
    .option('--quiet', "hide the first up's progress")
    .option('--no-color', 'logs without colors')
    .option('--no-log-prefix', 'logs without the container name prefix')
    .action(action(() => import('./commands/watch.js')));
}

/** `down` and `plan`. */
function addDownAndPlan(program: Command, action: LazyAction): void {
  program
    .command('down')
    .description("Stop and remove the stack's containers and networks")
    .argument('[services...]', "only these services' containers (networks and volumes others use stay)")
    .option(
      '-v, --volumes',
      'also remove the named volumes the stack declares (never external ones) and anonymous volumes',
    )
    .option('--remove-orphans', 'remove containers of services not in the stack')
    .option('-t, --timeout <seconds>', 'shutdown timeout')
    .option('--dry-run', 'print the plan and change nothing')
    .addOption(
      new Option('--rmi <type>', 'also remove images: "local" (those without a custom name) or "all"').choices([
        'local',
        'all',
      ]),
    )
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
}

/** `ps` and `config`. */
function addPsAndConfig(program: Command, action: LazyAction): void {
  program
    .command('ps')
    .description("List the stack's containers")
    .argument('[services...]', 'only these services')
    .option('-a, --all', 'also stopped containers')
    .option('-q, --quiet', 'only ids')
    .option('--services', 'only service names')
    .option('--format <format>', 'table, json, or a template such as "{{.Name}} {{.Health}}"', 'table')
    .option(
      '--status <state>',
      'only containers in this state (repeatable): created, running, paused, restarting, removing, exited, dead',
      collect,
    )
    .option('--filter <key=value>', 'filter by a property: status=STATE, as --status (repeatable)', collect)
    .option('--no-trunc', 'do not truncate the COMMAND column and template ids')
    .option(
      '--orphans [bool]',
      'include containers of services the stack does not declare (--orphans=false: leave them out)',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  berth ps -a\n  berth ps --status exited -q\n  berth ps --format "table {{.Name}}\\t{{.State}}\\t{{.Health}}"\n',
    )
    .action(action(() => import('./commands/ps.js')));

  program
    .command('config')
    .description('Print the resolved stack')
    .option('--format <format>', 'yaml (default) or json; with --variables: table (default), json or yaml')
    .option('-q, --quiet', 'only validate')
    .option('--services', 'print the service names')
    .option('--volumes', 'print the volume names')
    .option('--networks', 'print the network names')
    .option('--profiles', 'print the profile names')
    .option('--images', 'print the image names')
    .option('--hash <services>', 'print the config hash of services ("*" for all)')
    .option('--environment', 'print the environment used for interpolation')
    .option('--no-interpolate', 'do not interpolate variables')
    .option('--no-normalize', 'do not add what normalization adds (the default network, names from keys)')
    .option('--no-path-resolution', 'keep relative paths as written')
    .option('--variables', 'print the variables the stack refers to, with their defaults')
    .option('--resolve-image-digests', 'pin image tags to the digests their registries report')
    .option('--lock-image-digests', 'print an override file that pins each image to its digest')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action(action(() => import('./commands/config.js')));
}

/** Day-two commands on existing containers: start, stop, restart, kill, pause, unpause. */
function addStartStopCommands(program: Command, action: LazyAction): void {
  example(
    program
      .command('start')
      .description("Start the stack's existing containers, dependencies first")
      .argument('[services...]', 'only these services')
      .action(action(() => import('./commands/start.js'))),
    'berth start',
    'berth start db web',
  );

  example(
    program
      .command('stop')
      .description('Stop running containers (dependents first) without removing them')
      .argument('[services...]', 'only these services')
      .option('-t, --timeout <seconds>', 'grace period before SIGKILL')
      .action(action(() => import('./commands/stop.js'))),
    'berth stop',
    'berth stop -t 2 web',
  );

  example(
    program
      .command('restart')
      .description('Restart containers (and the services that depend on them with restart: true)')
      .argument('[services...]', 'only these services')
      .option('-t, --timeout <seconds>', 'grace period before SIGKILL')
      .option('--no-deps', 'do not restart dependent services')
      .action(action(() => import('./commands/restart.js'))),
    'berth restart web',
    'berth restart -t 0 --no-deps db',
  );

  example(
    program
      .command('kill')
      .description('Send a signal (default SIGKILL) to running containers')
      .argument('[services...]', 'only these services')
      .option('-s, --signal <signal>', 'signal to send', 'SIGKILL')
      .option('--remove-orphans', 'also kill the containers of services the stack no longer declares (as Compose)')
      .action(action(() => import('./commands/kill.js'))),
    'berth kill',
    'berth kill -s SIGHUP web',
  );

  example(
    program
      .command('pause')
      .description('Pause the processes of running containers')
      .argument('[services...]', 'only these services')
      .action(action(() => import('./commands/pause.js'))),
    'berth pause web',
  );

  example(
    program
      .command('unpause')
      .description('Resume paused containers')
      .argument('[services...]', 'only these services')
      .action(action(() => import('./commands/unpause.js'))),
    'berth unpause web',
  );
}

/** `rm`, `logs` and `exec`. */
function addRmLogsExec(program: Command, action: LazyAction): void {
  example(
    program
      .command('rm')
      .description('Remove stopped service containers (asks first unless -f)')
      .argument('[services...]', 'only these services')
      .option('-f, --force', 'do not ask for confirmation')
      .option('-s, --stop', 'stop running containers first')
      .option('-v, --volumes', 'also remove anonymous volumes attached to the containers')
      .option('-t, --timeout <seconds>', 'grace period when stopping (-s)')
      .action(action(() => import('./commands/rm.js'))),
    'berth rm -f',
    'berth rm -s -f -v web',
  );

  example(
    program
      .command('logs')
      .description("Show the containers' output (stdout and stderr)")
      .argument('[services...]', 'only these services')
      .option('-f, --follow', 'follow the output, also of containers that start later')
      .option('-t, --timestamps', 'show timestamps')
      .option('-n, --tail <lines>', 'only the last lines of each container ("all" or a number)', 'all')
      .option('--since <time>', 'only lines since a time (2024-05-01T10:00:00Z) or a duration ago (10m)')
      .option('--until <time>', 'only lines before a time or a duration ago')
      .option('--no-color', 'plain output without colors')
      .option('--no-log-prefix', 'leave out the container name prefix')
      .option('--index <n>', 'only this container of the service')
      .action(action(() => import('./commands/logs.js'))),
    'berth logs --tail 20 web',
    'berth logs -f -t',
    'berth logs --since 10m --no-log-prefix db',
  );

  example(
    program
      .command('exec')
      .description('Run a command in a running container of a service; exits with its exit code')
      .argument('<service>', 'the service')
      .argument('<command...>', 'the command and its arguments')
      .option('-d, --detach', 'run in the background')
      .option('-T, --no-tty', 'no pseudo-TTY (the default when stdin is not a terminal)')
      .option('--no-interactive', 'do not send stdin to the command')
      .option('-e, --env <KEY=VALUE>', 'set an environment variable (repeatable)', collect)
      .option('-u, --user <user>', 'run as this user')
      .option('-w, --workdir <dir>', 'working directory in the container')
      .option('--privileged', 'extended privileges')
      .option('--index <n>', 'which container of the service (default 1)')
      .passThroughOptions()
      .action(action(() => import('./commands/exec.js'))),
    'berth exec web sh',
    "berth exec -T db sh -c 'echo $HOSTNAME'",
    'berth exec --index 2 -e DEBUG=1 web env',
  );
}

/** Image commands: build, pull, push, images. */
function addImageCommands(program: Command, action: LazyAction): void {
  program
    .command('build')
    .description('Build or rebuild the images of services that have a build section')
    .argument('[services...]', 'only these services')
    .option('--no-cache', 'do not use the build cache')
    .option('--pull', 'always try to pull newer versions of the base images')
    .option('--build-arg <key=value>', 'set a build argument (repeatable)', collect)
    .option('-q, --quiet', 'print only the image ids')
    .option('--with-dependencies', 'also build the services these depend on')
    .action(action(() => import('./commands/build.js')));

  program
    .command('pull')
    .description('Pull the images of services')
    .argument('[services...]', 'only these services')
    .option('--ignore-pull-failures', 'pull what can be pulled and ignore the failures')
    .option('--include-deps', 'also pull the services these depend on')
    .option('--policy <policy>', "missing or always, instead of each service's pull_policy")
    .option('--ignore-buildable', 'leave out the images of services that can be built')
    .option('-q, --quiet', 'no progress output')
    .action(action(() => import('./commands/pull.js')));

  program
    .command('push')
    .description('Push the images of services to their registries')
    .argument('[services...]', 'only these services')
    .option('--ignore-push-failures', 'push what can be pushed and ignore the failures')
    .option('--include-deps', 'also push the images of the services these depend on')
    .option('-q, --quiet', 'no progress output')
    .action(action(() => import('./commands/push.js')));

  program
    .command('images')
    .description("List the images the stack's services use")
    .argument('[services...]', 'only these services')
    .option('-q, --quiet', 'only image ids')
    .option('--format <format>', 'table or json', 'table')
    .action(action(() => import('./commands/images.js')));
}

/** `run`: a one-off container. */
function addRun(program: Command, action: LazyAction): void {
  example(
    program
      .command('run')
      .description(
        'Run a one-off command in a new container of a service (dependencies started first); exits with its exit code',
      )
      .argument('<service>', 'the service')
      .argument('[command...]', "the command and its arguments (default: the service's)")
      .option('--rm', 'remove the container when it exits')
      .option('-d, --detach', 'run in the background and print the container name')
      .option('--name <name>', 'container name (default: <project>-<service>-run-<id>)')
      .option('--entrypoint <cmd>', 'override the entrypoint')
      .option('-e, --env <KEY=VALUE>', 'set an environment variable (repeatable)', collect)
      .option('-l, --label <KEY=VALUE>', 'add a label (repeatable)', collect)
      .option('-u, --user <user>', 'run as this user')
      .option('-w, --workdir <dir>', 'working directory in the container')
      .option('-v, --volume <volume>', 'mount a volume, short syntax (repeatable)', collect)
      .option('-p, --publish <port>', 'publish a port, short syntax (repeatable)', collect)
      .option('-P, --service-ports', "publish the service's ports")
      .option('--no-deps', 'do not start the services it depends on')
      .option('-T, --no-tty', 'no pseudo-TTY (the default when stdin is not a terminal)')
      .option('-i, --interactive', 'send stdin to the container (the default)')
      .option('--no-interactive', 'do not send stdin to the container')
      .option('--env-from-file <path>', 'set environment variables from a dotenv file (repeatable)', collect)
      .option('--cap-add <capability>', 'add a Linux capability (repeatable)', collect)
      .option('--cap-drop <capability>', 'drop a Linux capability (repeatable)', collect)
      .option('--use-aliases', "join the networks under the service's name and aliases too")
      .option('--build', 'build the image before running')
      .option('--pull <policy>', 'pull the image before running: always, missing, never, ... (instead of pull_policy)')
      .option('--quiet-pull', 'pull without printing progress')
      .option('--quiet-build', "build without printing the builder's output")
      .passThroughOptions()
      .action(action(() => import('./commands/run.js'))),
    "berth run --rm web sh -c 'echo hi'",
    'berth run --rm -e DEBUG=1 -v ./data:/data worker',
    'berth run -d --name migrate --no-deps app ./migrate',
  );
}

/** Tools on one container: cp, port, top. */
function addContainerTools(program: Command, action: LazyAction): void {
  example(
    program
      .command('cp')
      .description('Copy files or folders between a service container and the host')
      .argument('<source>', 'SERVICE:PATH, a host path, or "-" for a tar on stdin')
      .argument('<destination>', 'a host path, SERVICE:PATH, or "-" for a tar on stdout')
      .option('--index <n>', 'which container of the service (default 1)')
      .option('-a, --archive', "archive mode: keep the files' owners (uid and gid)")
      .option('-L, --follow-link', 'always follow a symbolic link given as the source')
      .action(action(() => import('./commands/cp.js'))),
    'berth cp web:/etc/hosts ./hosts',
    'berth cp ./site web:/var/www',
    'berth cp web:/var/log - | tar -t',
    'berth cp --index 2 ./app.bin worker:/tmp/',
  );

  example(
    program
      .command('port')
      .description('Print the host address a container port is published on')
      .argument('<service>', 'the service')
      .argument('<port>', 'the container port')
      .option('--protocol <protocol>', 'tcp, udp or sctp', 'tcp')
      .option('--index <n>', 'which container of the service (default 1)')
      .action(action(() => import('./commands/port.js'))),
    'berth port web 80',
    'berth port --protocol udp --index 2 dns 53',
  );

  example(
    program
      .command('top')
      .description('Show the processes running in each container')
      .argument('[services...]', 'only these services')
      .action(action(() => import('./commands/top.js'))),
    'berth top',
    'berth top web',
  );
}

/** `ls`, `events`, `wait` and `create`. */
function addProjectCommands(program: Command, action: LazyAction): void {
  example(
    program
      .command('ls')
      .description('List the Compose projects on the engine (running ones unless -a)')
      .option('-a, --all', 'also projects whose containers are all stopped')
      .option('-q, --quiet', 'only project names')
      .option('--format <format>', 'table or json', 'table')
      .option('--filter <name=NAME>', 'only projects whose name contains NAME (repeatable)', collect)
      .action(action(() => import('./commands/ls.js'))),
    'berth ls',
    'berth ls -a --format json',
  );

  example(
    program
      .command('events')
      .description("Stream the project's container events until Ctrl-C")
      .argument('[services...]', 'only these services')
      .option('--json', 'one JSON object per line')
      .option(
        '--since <time>',
        'also past events since a time (2024-05-01T10:00:00Z), a duration ago (10m) or a Unix timestamp',
      )
      .option('--until <time>', 'stop at this time (or a duration ago); past events only when it is in the past')
      .action(action(() => import('./commands/events.js'))),
    'berth events',
    'berth events --json web',
    'berth events --since 10m --until 0s',
  );

  example(
    program
      .command('wait')
      .description("Wait for the services' containers to stop; exits with the first one's exit code")
      .argument('<services...>', 'the services')
      .option('--down-project', 'bring the project down when the first container stops')
      .action(action(() => import('./commands/wait.js'))),
    'berth wait migrate',
    'berth wait --down-project tests',
  );

  example(
    program
      .command('create')
      .description("Create the stack's networks, volumes and containers without starting them")
      .argument('[services...]', 'only these services (and their dependencies)')
      .option('--force-recreate', 'recreate containers even if nothing changed')
      .option('--no-recreate', 'never recreate existing containers')
      .option('--no-deps', 'do not create linked services')
      .option('--remove-orphans', 'remove containers of services not in the stack')
      .option('--scale <service=n>', 'number of containers for a service (repeatable)', collect)
      .option('--build', 'build images before creating containers')
      .option('--no-build', 'do not build an image, even when it is missing')
      .option(
        '--pull <policy>',
        "pull images first: always, missing, never, build, ... (instead of each service's pull_policy)",
      )
      .option('--quiet-pull', 'pull without printing progress')
      .action(action(() => import('./commands/create.js'))),
    'berth create',
    'berth create --force-recreate web',
  );
}

/** `stack deploy|ls|ps|services|rm`: the stack on Docker Swarm; each subcommand is one export of commands/stack.ts. */
function addStack(program: Command, action: LazyAction): void {
  const stack = program.command('stack').description('Deploy the stack to Docker Swarm and manage it there');
  const load = (name: 'deploy' | 'ls' | 'ps' | 'services' | 'rm') =>
    action(() => import('./commands/stack.js').then((m) => ({ default: m[name] })));
  example(
    stack
      .command('deploy')
      .description('Create or update the stack on the swarm, changing only what differs (and saying why)')
      .argument('<name>', 'the stack name')
      .option('-c, --compose-file <path>', 'stack file (repeatable; instead of the global -f)', collect)
      .option('--prune', 'remove services that are no longer in the stack file')
      .addOption(
        new Option('--resolve-image <mode>', 'pin images to their registry digest')
          .choices(['always', 'changed', 'never'])
          .default('always'),
      )
      .option(
        '--push',
        'build the services with build: and push them, and images only this engine has, before deploying',
      )
      .option(
        '--with-registry-auth',
        "send the registry credentials to the swarm's nodes, so they can pull private images",
      )
      .option('-d, --detach [bool]', 'return once the swarm took the change (--detach=false waits for the tasks)')
      .option('--wait-timeout <seconds>', 'with --detach=false: give up waiting after this long (default 300)')
      .option('--dry-run', 'print the plan and change nothing')
      .option('--format <format>', 'with --dry-run: text or json', 'text')
      .action(load('deploy')),
    'berth stack deploy -c compose.yaml shop',
    'berth stack deploy --dry-run shop',
    'berth stack deploy --detach=false --prune shop',
    'berth stack deploy --push --with-registry-auth shop',
  );
  stack
    .command('ls')
    .description('List the stacks on the swarm')
    .option('--format <format>', 'table or json', 'table')
    .action(load('ls'));
  stack
    .command('ps')
    .description("List the stack's tasks")
    .argument('<name>', 'the stack name')
    .option('-q, --quiet', 'only task ids')
    .option('--format <format>', 'table or json', 'table')
    .action(load('ps'));
  stack
    .command('services')
    .description("List the stack's services")
    .argument('<name>', 'the stack name')
    .option('-q, --quiet', 'only service ids')
    .option('--format <format>', 'table or json', 'table')
    .action(load('services'));
  stack
    .command('rm')
    .alias('down')
    .description("Remove the stack's services, networks, secrets and configs")
    .argument('<name>', 'the stack name')
    .action(load('rm'));
}

/** `scale`, `attach`, `stats` and `volumes`, with `docker compose`'s flags. */
function addScaleAttachStatsVolumes(program: Command, action: LazyAction): void {
  program
    .command('scale')
    .description('Set the number of containers of services (created, started or removed to match)')
    .argument('<service=replicas...>', 'the services and their number of containers')
    .option('--no-deps', 'do not start the services they depend on')
    .action(action(() => import('./commands/scale.js')));

  program
    .command('attach')
    .description("Attach this terminal's input and output to a service's running container")
    .argument('<service>', 'the service')
    .option('--index <n>', 'which container of the service (default 1)')
    .option('--no-stdin', 'do not attach stdin')
    .option('--sig-proxy [bool]', 'forward the signals berth receives to the container (default true)')
    .option('--detach-keys <keys>', 'the key sequence that detaches, leaving it running (default ctrl-p,ctrl-q)')
    .action(action(() => import('./commands/attach.js')));

  program
    .command('stats')
    .description("Show the live resource usage of the project's containers")
    .argument('[services...]', 'only these services')
    .option('-a, --all', 'also stopped containers')
    .option('--no-stream', 'print one sample of each and exit')
    .option('--no-trunc', 'full container ids')
    .option('--format <format>', 'table, json, or a template such as "{{.Name}} {{.CPUPerc}}"', 'table')
    .action(action(() => import('./commands/stats.js')));

  program
    .command('volumes')
    .description("List the project's volumes")
    .argument('[services...]', 'only the volumes these services mount')
    .option('-q, --quiet', 'only volume names')
    .option('--format <format>', 'table, json, or a template such as "{{.Name}}"', 'table')
    .action(action(() => import('./commands/volumes.js')));
}

/** `completion bash|zsh|fish`: the script is made from the program with every command declared, so it knows each flag. */
function addCompletion(program: Command, world: World): void {
  program
    .command('completion')
    .description('Print a shell completion script (bash, zsh or fish)')
    .argument('<shell>', 'bash, zsh or fish')
    .action(async (shell: string) => {
      const { completionScript, describeProgram } = await import('./completion.js');
      world.stdout.write(completionScript(shell, describeProgram(buildProgram(world, { code: 0 }))));
    });
}

/** `version` needs no import at all. */
function addVersion(program: Command, world: World): void {
  program
    .command('version')
    .description('Show the berth version')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['pretty', 'json']))
    .option('--short', 'only the version number')
    .action((opts: { format?: string; short?: boolean }) => {
      // As `docker compose version`: `--short` wins, then `--format json`.
      if (opts.short === true) world.stdout.write(`${VERSION}\n`);
      else if (opts.format === 'json') world.stdout.write(`${JSON.stringify({ version: VERSION })}\n`);
      else world.stdout.write(`berth version ${VERSION}\n`);
    });
}

/**
 * Every command exits through main's handler, suggests on typos, writes to the world, takes global flags
 * late. The late global flags are added only to the command being run: they are hidden from help, and
 * adding them to every command is a measurable part of each start.
 */
function configureEachCommand(program: Command, world: World): void {
  program.hook('preSubcommand', (_program, cmd) => acceptGlobalsAfter(program, cmd));
  addExamples(program);
  for (const cmd of program.commands) {
    cmd
      .exitOverride()
      .showSuggestionAfterError(true)
      .configureOutput({
        writeOut: (s) => world.stdout.write(s),
        writeErr: (s) => world.stderr.write(s),
      });
  }
}

/**
 * Global flags belong before the command (positional options), so that a command's own short flags
 * (`rm -f`, `logs -f`, `run -p`) are its own; the global flags a command does not reuse are still
 * accepted after it, as hidden copies, so `berth up -d --progress plain` keeps working.
 */
function acceptGlobalsAfter(program: Command, cmd: Command): void {
  const taken = (flag: string | undefined): boolean =>
    flag !== undefined && cmd.options.some((o) => o.short === flag || o.long === flag);
  for (const g of program.options) {
    if (g.long === '--version' || !g.long || taken(g.long)) continue;
    const short = g.short && !taken(g.short) ? `${g.short}, ` : '';
    const value = g.required ? ' <value>' : g.optional ? ' [value]' : '';
    const copy = new Option(`${short}${g.long}${value}`, g.description).hideHelp();
    if (g.argChoices) copy.choices(g.argChoices);
    cmd.addOption(copy);
    // The value lands on the program, where Context reads global flags from.
    const key = g.attributeName();
    cmd.on(`option:${copy.name()}`, (raw: string | undefined) => {
      const previous: unknown =
        program.getOptionValueSource(key) === 'default' ? undefined : program.getOptionValue(key);
      const value: unknown = raw === undefined ? !g.negate : g.parseArg ? g.parseArg(raw, previous) : raw;
      program.setOptionValueWithSource(key, value, 'cli');
    });
  }
}

/** `bundle`: what bin/berth.cjs knows of the running bundle (its id, and where berth's caches go). */
export async function main(argv: string[], world: World = defaultWorld(), bundle?: World['bundle']): Promise<number> {
  if (bundle !== undefined && world.bundle === undefined) world.bundle = bundle;
  const result = { code: 0 };
  const debug = argv.includes('--debug');
  try {
    await buildProgram(world, result, argv).parseAsync(argv, { from: 'user' });
    return result.code;
  } catch (err) {
    return report(err, world, debug);
  }
}

function defaultWorld(): World {
  return {
    env: process.env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    // process.stdin sets up a stream (and loads its modules) on first use: only for commands that read it.
    get stdin() {
      return process.stdin;
    },
  };
}

function report(err: unknown, world: World, debug: boolean): number {
  if (err instanceof CommanderError) {
    // Commander has already printed its message (help, version, unknown option...).
    return err.exitCode === 0 ? 0 : 2;
  }
  const known =
    err instanceof BerthError
      ? err
      : new InternalError(`unexpected error: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  const lines = [`error: ${known.message}`];
  if (known.detail) lines.push(known.detail);
  if (known.hint) lines.push(`hint: ${known.hint}`);
  if (known instanceof InternalError)
    lines.push('this is a bug in berth: please report it with the output of the same command run with --debug');
  if (debug)
    lines.push(String((known instanceof InternalError && known.cause instanceof Error ? known.cause : known).stack));
  world.stderr.write(`${lines.join('\n')}\n`);
  return known.exitCode;
}
