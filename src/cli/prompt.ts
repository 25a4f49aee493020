/**
 * Asking the user a yes/no question on the terminal. Commands pass it down as a parameter (the layers
 * below never read stdin themselves); without a terminal there is nobody to ask.
 */
import type { World } from './context.js';

/** A question on stderr, the answer from stdin: yes only for "y"/"yes"; end of input is no. */
export async function askYesNo(world: Pick<World, 'stdin' | 'stderr'>, question: string): Promise<boolean> {
  world.stderr.write(question);
  // readline (and the fs and stream modules it loads) only when a question is asked: `up` imports this file.
  const { createInterface } = await import('node:readline');
  const rl = createInterface({ input: world.stdin, terminal: false });
  try {
    const line = await new Promise<string>((resolve) => {
      rl.once('line', resolve);
      rl.once('close', () => resolve(''));
    });
    return /^y(es)?$/i.test(line.trim());
  } finally {
    rl.close();
  }
}

/** The prompt when stdin and stderr are a terminal; undefined otherwise (scripts, CI: nobody to ask). */
export function terminalPrompt(
  world: Pick<World, 'stdin' | 'stderr'>,
): ((question: string) => Promise<boolean>) | undefined {
  // stderr first: process.stdin builds a stream (and loads its modules) on first use.
  if (world.stderr.isTTY !== true || world.stdin.isTTY !== true) return undefined;
  return (question) => askYesNo(world, question);
}
