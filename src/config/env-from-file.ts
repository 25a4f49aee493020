/**
 * `run --env-from-file FILE` (repeatable): the variables of dotenv files for one one-off container, as
 * Compose reads them. The `-e` values win; among the files, the first that sets a variable wins; values
 * refer to the variables set so far (by `-e` and earlier files), not to the shell.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { DotenvError, parseDotenv } from './dotenv.js';

export function withEnvFromFiles(env: Record<string, string>, paths: string[], cwd: string): Record<string, string> {
  const out = { ...env };
  for (const path of paths) {
    const file = resolve(cwd, path);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(
        `--env-from-file: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
        {
          hint: 'check the path (relative paths start from the working directory)',
        },
      );
    }
    let vars: Record<string, string>;
    try {
      vars = parseDotenv(text, { lookup: (k) => out[k] });
    } catch (err) {
      if (err instanceof DotenvError) throw new UsageError(`${path}:${err.line}:${err.column}: ${err.message}`);
      throw err;
    }
    for (const [k, v] of Object.entries(vars)) if (!Object.prototype.hasOwnProperty.call(out, k)) out[k] = v;
  }
  return out;
}
