/**
 * `.dockerignore` as the engine's client reads it: one pattern a line, `#` comments, `!` exceptions
 * (the last matching pattern wins), a leading `/` meaning the context root, `**` across folders. The
 * matching itself is `@balena/dockerignore`, a port of the docker CLI's own matcher.
 * A `<Dockerfile>.dockerignore` beside the Dockerfile takes the place of the context's `.dockerignore`.
 */
import dockerignore from '@balena/dockerignore';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { BuildContextError } from '../../errors.js';

// The package is CommonJS (`module.exports = factory`) while its types declare a default export.
const ignore = dockerignore as unknown as typeof dockerignore.default;

export interface IgnoreMatcher {
  /** `rel`: a path relative to the context root, with `/` separators. */
  ignores(rel: string): boolean;
  /** Some pattern starts with `!`: an excluded folder may still hold included files. */
  readonly hasExceptions: boolean;
  readonly patterns: readonly string[];
}

/** The patterns of an ignore file's text: comments and blank lines dropped, each line trimmed. */
export function parseIgnoreFile(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    out.push(line);
  }
  return out;
}

/**
 * A matcher over the patterns. `keep` are paths that are sent whatever the patterns say (the
 * Dockerfile and the ignore file itself), as the docker CLI adds exceptions for them.
 */
export function ignoreMatcher(patterns: string[], keep: string[] = []): IgnoreMatcher {
  const ig = ignore().add(patterns);
  const kept = new Set(keep);
  return {
    ignores: (rel) => !kept.has(rel) && rel !== '' && ig.ignores(rel),
    hasExceptions: patterns.some((p) => p.startsWith('!')),
    patterns,
  };
}

/** Where the ignore rules for a build come from: `<Dockerfile>.dockerignore` first, then `<context>/.dockerignore`. */
export function ignoreFileCandidates(context: string, dockerfile: string | undefined): string[] {
  const out: string[] = [];
  if (dockerfile !== undefined) out.push(join(dirname(dockerfile), `${basename(dockerfile)}.dockerignore`));
  out.push(join(context, '.dockerignore'));
  return out;
}

/** Reads the first ignore file that exists; none: no patterns. */
export async function loadIgnorePatterns(
  context: string,
  dockerfile: string | undefined,
): Promise<{ file?: string; patterns: string[] }> {
  for (const file of ignoreFileCandidates(context, dockerfile)) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      throw new BuildContextError(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
    }
    return { file, patterns: parseIgnoreFile(text) };
  }
  return { patterns: [] };
}
