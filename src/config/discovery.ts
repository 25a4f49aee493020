/**
 * Which stack files to read and which directory is the project's: `-f` (repeatable, `-` for
 * stdin), else COMPOSE_FILE, else compose.yaml & co. in the working directory or a parent, plus
 * the matching override file.
 */
import type { FileReader } from './files.js';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { StackNotFoundError } from '../errors.js';

export const STACK_FILE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'];
export const OVERRIDE_FILE_NAMES = [
  'compose.override.yml',
  'compose.override.yaml',
  'docker-compose.override.yml',
  'docker-compose.override.yaml',
];

export interface Discovery {
  /** Absolute paths, or "-" for stdin, in the order they are merged. */
  files: string[];
  warnings: string[];
}

export interface DiscoveryInput {
  /** The loader's file-system access (config/files.ts). */
  fs: FileReader;
  cwd: string;
  files?: string[];
  /** Where to start looking when no file is named (the --project-directory, else cwd). */
  searchDir: string;
  /** Value of COMPOSE_FILE (from the shell or the .env file), if any. */
  composeFile?: string;
  /** Value of COMPOSE_PATH_SEPARATOR, if any. */
  pathSeparator?: string;
}

export function discoverFiles(input: DiscoveryInput): Discovery {
  const warnings: string[] = [];
  const isFile = (p: string): boolean => input.fs.isFile(p);
  const named = input.files?.length
    ? input.files
    : input.composeFile
      ? input.composeFile.split(input.pathSeparator || ':').filter((f) => f !== '')
      : undefined;
  if (named && named.length > 0) {
    const files = named.map((f) => (f === '-' ? '-' : isAbsolute(f) ? f : resolve(input.cwd, f)));
    for (const f of files) {
      if (f === '-') continue;
      const kind = input.fs.kind(f);
      if (kind === 'missing') {
        throw new StackNotFoundError(`stack file not found: ${f}`, {
          hint: 'check the path given with -f or COMPOSE_FILE',
        });
      }
      if (kind !== 'file')
        throw new StackNotFoundError(`not a file: ${f}`, { hint: 'pass the path of a compose file, not a directory' });
    }
    return { files, warnings };
  }

  let dir = resolve(input.searchDir);
  for (;;) {
    const found = STACK_FILE_NAMES.map((n) => join(dir, n)).filter(isFile);
    if (found.length > 0) {
      if (found.length > 1)
        warnings.push(
          `found several stack files in ${dir}: ${found.map((f) => f.slice(dir.length + 1)).join(', ')}; using ${found[0]!.slice(dir.length + 1)}`,
        );
      const files = [found[0]!];
      const override = OVERRIDE_FILE_NAMES.map((n) => join(dir, n)).filter(isFile);
      if (override.length > 0) files.push(override[0]!);
      return { files, warnings };
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new StackNotFoundError(`no stack file found in ${resolve(input.searchDir)} or any parent directory`, {
    hint: `create ${STACK_FILE_NAMES[0]!} or pass one with -f`,
  });
}
