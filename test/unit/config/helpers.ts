import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { ConfigError, type ConfigIssue } from '../../../src/errors.js';
import { loadProject, type LoadOptions, type LoadResult } from '../../../src/config/load.js';

export type Files = Record<string, string>;

/** Write `files` (paths relative to a fresh temp dir, "sub/x.yaml" allowed) and return the dir. */
export function writeStack(files: Files, dirName = 'app'): string {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'berth-config-')));
  const dir = join(root, dirName);
  mkdirSync(dir, { recursive: true });
  for (const [rel, text] of Object.entries(files)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return dir;
}

export interface LoadInput extends Partial<LoadOptions> {
  /** Subdirectory of the stack to run from. */
  in?: string;
}

export async function load(files: Files, opts: LoadInput = {}): Promise<LoadResult & { dir: string }> {
  const dir = writeStack(files);
  const { in: sub, ...rest } = opts;
  const result = await loadProject({ cwd: sub ? join(dir, sub) : dir, env: {}, ...rest });
  return { ...result, dir };
}

/** Issues of a load that must fail, with file paths relative to the stack dir. */
export async function loadIssues(files: Files, opts: LoadInput = {}): Promise<ConfigIssue[]> {
  const dir = writeStack(files);
  const { in: sub, ...rest } = opts;
  try {
    await loadProject({ cwd: sub ? join(dir, sub) : dir, env: {}, ...rest });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).issues.map((i) => ({
      ...i,
      file: i.file.startsWith(dir) ? i.file.slice(dir.length + 1) : i.file,
    }));
  }
  throw new Error('expected the stack to be rejected');
}

/** "file:line:col: path: message" lines, the way tests compare issues. */
export function brief(issues: ConfigIssue[]): string[] {
  return issues.map(
    (i) => `${i.file}:${i.line}:${i.column}: ${i.path ? `${i.path}: ` : ''}${i.message}${i.hint ? ` (${i.hint})` : ''}`,
  );
}

export async function loadBrief(files: Files, opts: LoadInput = {}): Promise<string[]> {
  return brief(await loadIssues(files, opts));
}
