/**
 * `berth attach [--index N] [--no-stdin] [--sig-proxy=false] [--detach-keys KEYS] SERVICE`: this terminal's
 * stdin, stdout and stderr joined to a running service container's, as `docker compose attach` does
 * (docker/cli `RunAttach`): berth exits with the container's exit code once it stops, or when the
 * detach keys (default ctrl-p,ctrl-q) are typed, leaving it running.
 */
import { PassThrough } from 'node:stream';
import { NoContainerError, UsageError } from '../../errors.js';
import type { ContainerDetails, Runtime } from '../../runtime/runtime.js';
import type { Context } from '../context.js';
import { withTerminal } from './exec.js';
import { lifecycleTarget } from './lifecycle.js';
import { parseIndex } from './logs.js';

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** `--sig-proxy`, `--sig-proxy=false`, `--sig-proxy true`: on unless it says false. */
export function parseBoolFlag(value: unknown, flag: string): boolean {
  if (value === undefined || value === true) return true;
  if (value === false) return false;
  const text = typeof value === 'string' ? value.toLowerCase() : JSON.stringify(value);
  if (['true', '1', 't', 'yes'].includes(text)) return true;
  if (['false', '0', 'f', 'no'].includes(text)) return false;
  throw new UsageError(`${flag} expects true or false, got "${typeof value === 'string' ? value : text}"`);
}

/** docker's checks before attaching: a container that does not run cannot be attached to. */
function checkAttachable(c: ContainerDetails, service: string): void {
  const why =
    c.state === 'paused'
      ? ['is paused', `unpause it first: berth unpause ${service}`]
      : c.state === 'restarting'
        ? ['is restarting', 'wait until it is running']
        : c.state !== 'running'
          ? [`is not running (${c.state})`, `start it first: berth start ${service}`]
          : undefined;
  if (why) throw new NoContainerError(`cannot attach to container ${c.name}: it ${why[0]}`, { hint: why[1]! });
}

export default async function attach(ctx: Context, args: string[], opts: Record<string, unknown>): Promise<number> {
  const [service] = args;
  if (!service) throw new UsageError('attach needs a service, e.g. berth attach web');
  const index = opts.index === undefined ? undefined : parseIndex(opts.index);
  const sigProxy = parseBoolFlag(opts.sigProxy, '--sig-proxy');
  const t = await lifecycleTarget(ctx, [service]);
  const { serviceContainer } = await import('../../apply/lifecycle.js');
  const rt = await ctx.runtime();
  const listed = await serviceContainer(rt, t, service, { index });
  const c = await rt.inspectContainer(listed.id);
  checkAttachable(c, service);
  const tty = c.tty === true;
  const withStdin = opts.stdin !== false && c.openStdin === true;
  if (withStdin && tty && ctx.world.stdin.isTTY !== true)
    throw new UsageError('the input device is not a TTY', {
      hint: `${c.name} has a TTY: attach from a terminal, or with --no-stdin`,
    });
  // Raw mode only while this terminal's keys go to the container, as docker's streamer sets it.
  const rawTerminal = tty && withStdin && ctx.world.stdout.isTTY === true;
  const detachKeys = typeof opts.detachKeys === 'string' ? opts.detachKeys : undefined;
  const forward = (signal: NodeJS.Signals): void => {
    rt.killContainer(c.id, signal).catch(() => undefined);
  };
  // Without a TTY, Ctrl-C and friends go to the container, as docker's --sig-proxy does; with one, the terminal sends them.
  const proxy = sigProxy && !tty;
  if (proxy) for (const sig of FORWARDED) process.on(sig, forward);
  try {
    await withTerminal(ctx, rawTerminal, withStdin, async (io) => {
      const streams = io.stdin ? { ...io, stdin: withoutEnd(io.stdin) } : io;
      const attached = await rt.attachContainer(c.id, streams, {
        tty,
        ...(detachKeys !== undefined && { detachKeys }),
      });
      if (rawTerminal) await attached.resize().catch(() => undefined);
      await attached.ended;
    });
  } finally {
    if (proxy) for (const sig of FORWARDED) process.removeListener(sig, forward);
  }
  return exitAfterAttach(ctx, rt, c.id);
}

/**
 * berth's input, without its end: the engine stops sending a service container's output once the
 * attached input ends (the container's stdin stays open: it is not a one-off's), so the attachment
 * lasts until the container exits or the user detaches, whatever the input was (a file, a pipe).
 */
function withoutEnd(input: NodeJS.ReadableStream): NodeJS.ReadableStream {
  const pass = new PassThrough();
  input.on('data', (chunk: Buffer | string) => pass.write(chunk));
  return pass;
}

/** The container's exit code once its output ended; still running means the user detached. */
async function exitAfterAttach(ctx: Context, rt: Runtime, id: string): Promise<number> {
  const after = await rt.inspectContainer(id).catch(() => undefined);
  if (after && (after.state === 'running' || after.state === 'paused')) {
    // docker's words (and exit status) when the detach keys end an attachment.
    ctx.world.stderr.write('read escape sequence\n');
    return 1;
  }
  return rt.waitContainer(id, 'not-running').catch(() => after?.exitCode ?? 0);
}
