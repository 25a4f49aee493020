import type { ProcessIO } from '../../runtime/runtime.js';
import type { Context } from '../context.js';
import { UsageError } from '../../errors.js';
import { lifecycleTarget } from './lifecycle.js';
import { parseIndex } from './logs.js';

/**
 * `berth exec [-d] [-T] [-e K=V] [-u USER] [-w DIR] [--privileged] [--index N] SERVICE COMMAND...`:
 * exits with the command's exit code. A TTY (raw mode, resized with the terminal) when stdin and stdout
 * are terminals and -T is not given; plain pipes otherwise.
 */
export default async function exec(ctx: Context, args: string[], opts: Record<string, unknown>): Promise<number> {
  const [service, ...command] = args;
  if (!service || command.length === 0)
    throw new UsageError('exec needs a service and a command, e.g. berth exec web sh');
  const index = opts.index === undefined ? undefined : parseIndex(opts.index);
  const t = await lifecycleTarget(ctx, [service]);
  const { serviceContainer } = await import('../../apply/lifecycle.js');
  const rt = await ctx.runtime();
  const c = await serviceContainer(rt, t, service, { index, running: true });
  const detach = opts.detach === true;
  const { stdin, stdout } = ctx.world;
  const tty = !detach && opts.tty !== false && stdin.isTTY === true && stdout.isTTY === true;
  const interactive = !detach && opts.interactive !== false;
  return withTerminal(ctx, tty, interactive, (io) =>
    rt.exec(
      c.id,
      {
        command,
        tty,
        detach,
        ...(Array.isArray(opts.env) && opts.env.length > 0 && { env: opts.env as string[] }),
        ...(typeof opts.user === 'string' && { user: opts.user }),
        ...(typeof opts.workdir === 'string' && { workingDir: opts.workdir }),
        ...(opts.privileged === true && { privileged: true }),
      },
      io,
    ),
  );
}

/**
 * Runs `fn` with the world's streams as a process's IO: stdin in raw mode while a TTY is in use, and
 * restored (and released, so berth can exit) afterwards.
 */
export async function withTerminal<T>(
  ctx: Context,
  tty: boolean,
  interactive: boolean,
  fn: (io: ProcessIO) => Promise<T>,
): Promise<T> {
  const { stdin, stdout, stderr } = ctx.world;
  const io: ProcessIO = { stdout, stderr };
  if (interactive) io.stdin = stdin;
  if (tty) {
    io.terminal = {
      size: () => ({ rows: stdout.rows, columns: stdout.columns }),
      onResize: (listener) => {
        stdout.on('resize', listener);
        return () => stdout.removeListener('resize', listener);
      },
    };
    stdin.setRawMode(true);
  }
  try {
    return await fn(io);
  } finally {
    if (tty) stdin.setRawMode(false);
    if (interactive) stdin.destroy();
  }
}
