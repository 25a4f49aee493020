import type { Renderer } from './events.js';

export type * from './events.js';
export type ProgressMode = 'auto' | 'tty' | 'plain' | 'json' | 'quiet';

/** Chosen once per command: the TTY view on a terminal, plain lines otherwise. */
export async function createRenderer(
  mode: ProgressMode,
  out: NodeJS.WriteStream,
  env: Record<string, string | undefined>,
): Promise<Renderer> {
  const resolved = mode === 'auto' ? (out.isTTY && !env.CI ? 'tty' : 'plain') : mode;
  switch (resolved) {
    case 'tty': {
      const { TtyRenderer } = await import('./tty.js');
      return new TtyRenderer(out);
    }
    case 'json': {
      const { JsonRenderer } = await import('./json.js');
      return new JsonRenderer(out);
    }
    case 'quiet': {
      const { QuietRenderer } = await import('./json.js');
      return new QuietRenderer(out);
    }
    default: {
      const { PlainRenderer } = await import('./plain.js');
      return new PlainRenderer(out);
    }
  }
}
