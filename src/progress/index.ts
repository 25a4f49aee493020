import { UsageError } from '../errors.js';
import type { Renderer } from './events.js';

export type * from './events.js';
export type ProgressMode = 'auto' | 'tty' | 'plain' | 'json' | 'quiet';
/** `--ansi` (or COMPOSE_ANSI): when output may hold ANSI control characters (colors, cursor moves). */
export type AnsiMode = 'never' | 'always' | 'auto';

export interface RendererOptions {
  /** `never`: no control characters, even on a terminal; `always`: colors even on a pipe. */
  ansi?: AnsiMode;
  /** A dry run: each line says so. */
  dryRun?: boolean;
}

/**
 * Which renderer runs, decided once, as Compose's `selectEventProcessor` does: `auto` is the TTY view on
 * a terminal (not in CI) and plain lines otherwise, plain lines whenever ANSI is off; the TTY view with
 * ANSI off is a contradiction the user is told about.
 */
export function rendererKind(
  mode: ProgressMode,
  ansi: AnsiMode,
  terminal: boolean,
  ci: boolean,
): Exclude<ProgressMode, 'auto'> {
  if (mode === 'tty' && ansi === 'never')
    throw new UsageError("can't use --progress tty while ANSI support is disabled (--ansi never)", {
      hint: 'use --progress plain, or --ansi auto',
    });
  if (mode !== 'auto') return mode;
  if (ansi === 'never') return 'plain';
  return terminal && !ci ? 'tty' : 'plain';
}

/** Plain lines are colored only when asked (`--ansi always`), and never under NO_COLOR. */
export function plainColors(ansi: AnsiMode, env: Record<string, string | undefined>): boolean {
  return ansi === 'always' && (env.NO_COLOR ?? '') === '';
}

/** Chosen once per command: the TTY view on a terminal, plain lines otherwise. */
export async function createRenderer(
  mode: ProgressMode,
  out: NodeJS.WriteStream,
  env: Record<string, string | undefined>,
  options: RendererOptions = {},
): Promise<Renderer> {
  const ansi = options.ansi ?? 'auto';
  const dryRun = options.dryRun === true;
  switch (rendererKind(mode, ansi, out.isTTY === true, Boolean(env.CI))) {
    case 'tty': {
      const { TtyRenderer } = await import('./tty.js');
      return new TtyRenderer(out, { dryRun });
    }
    case 'json': {
      const { JsonRenderer } = await import('./json.js');
      return new JsonRenderer(out, { dryRun });
    }
    case 'quiet': {
      const { QuietRenderer } = await import('./json.js');
      return new QuietRenderer(out);
    }
    default: {
      const { PlainRenderer } = await import('./plain.js');
      return new PlainRenderer(out, { color: plainColors(ansi, env), dryRun });
    }
  }
}
