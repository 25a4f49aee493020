/**
 * `--ansi never|always|auto` (and COMPOSE_ANSI, and the deprecated `--no-ansi`), resolved once at the CLI
 * edge as Compose's `resolveAnsiMode` does: the flag wins over the environment. What it decides lives with
 * each output: the progress renderer (progress/index.ts `rendererKind`) and the log prefixes (`logColors`).
 */
import { UsageError } from '../errors.js';
import type { AnsiMode } from '../progress/index.js';

const MODES: readonly AnsiMode[] = ['never', 'always', 'auto'];

/**
 * `flag`: the `--ansi` value, `false` for `--no-ansi`, undefined when neither was given. `deprecated` says
 * that `--no-ansi` was used, for one warning.
 */
export function resolveAnsi(
  flag: string | boolean | undefined,
  env: Record<string, string | undefined>,
): { mode: AnsiMode; deprecated: boolean } {
  if (flag === false) return { mode: 'never', deprecated: true };
  if (typeof flag === 'string') return { mode: checked(flag, '--ansi'), deprecated: false };
  const fromEnv = env.COMPOSE_ANSI;
  if (fromEnv !== undefined && fromEnv !== '') return { mode: checked(fromEnv, 'COMPOSE_ANSI'), deprecated: false };
  return { mode: 'auto', deprecated: false };
}

function checked(value: string, source: string): AnsiMode {
  const mode = value.toLowerCase() as AnsiMode;
  if (MODES.includes(mode)) return mode;
  throw new UsageError(`${source} must be never, always or auto, got "${value}"`);
}

/**
 * How container logs are printed (`logs`, attached `up`): colored prefixes on a terminal, or always with
 * `--ansi always`; never with `--ansi never`, `--no-color` or NO_COLOR. With `--ansi never` the containers'
 * own control characters are escaped on every stream, so the output holds none even on a terminal.
 */
export function logColors(
  ansi: AnsiMode,
  out: { isTTY?: boolean },
  env: Record<string, string | undefined>,
  noColor: boolean,
): { color: boolean; escape?: { stdout: boolean; stderr: boolean } } {
  const off = noColor || ansi === 'never' || (env.NO_COLOR ?? '') !== '';
  const color = !off && (ansi === 'always' || out.isTTY === true);
  return ansi === 'never' ? { color, escape: { stdout: true, stderr: true } } : { color };
}
