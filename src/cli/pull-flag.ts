/**
 * `--pull <policy>` of up, create and run, apart from cli/flags.ts: it needs the planner's policy parser,
 * which the commands that take no `--pull` should not load.
 */
import { UsageError } from '../errors.js';
import { parsePullPolicy } from '../plan/plan.js';

/**
 * `--pull <policy>` of up, create and run: any `pull_policy` value (always, missing, if_not_present,
 * never, build, daily, weekly, every_<duration>) over each service's own; `policy` (Compose's default)
 * or absent: each service's own. Returns the policy to apply, or undefined.
 */
export function parsePullFlag(value: unknown): string | undefined {
  if (value === undefined || value === 'policy') return undefined;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (parsePullPolicy(text) === undefined)
    throw new UsageError(
      `invalid --pull option "${text}": use always, missing, if_not_present, never, build, daily, weekly or every_<duration> (every_12h)`,
    );
  return text;
}
