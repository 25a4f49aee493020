import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { expect } from 'vitest';
import { ConfigError, type ConfigIssue } from '../../../src/errors.js';
import { loadProject, type LoadOptions, type LoadResult } from '../../../src/config/load.js';
import { main } from '../../../src/cli/main.js';
import type { World } from '../../../src/cli/context.js';

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

/** Runs `berth ARGS` in-process in `dir`: its stdout, stderr and exit code. */
export async function berth(
  dir: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (add: (s: string) => void) =>
    ({ write: (s: string | Uint8Array) => (add(String(s)), true) }) as unknown as NodeJS.WriteStream;
  const world: World = {
    env,
    cwd: dir,
    stdout: sink((s) => (out += s)),
    stderr: sink((s) => (err += s)),
    stdin: process.stdin,
  };
  const code = await main(args, world);
  return { code, out, err };
}

/** The differential corpus: one folder per stack, with an optional case.json of load options. */
export const CORPUS = resolve(import.meta.dirname, '../../fixtures/config/corpus');

/** Each stack of the corpus with the load options its case.json gives (sorted by name). */
export function corpusCases(): { name: string; opts: LoadOptions }[] {
  return readdirSync(CORPUS)
    .sort()
    .map((name) => {
      const dir = join(CORPUS, name);
      const c = existsSync(join(dir, 'case.json'))
        ? (JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as {
            files?: string[];
            env?: Record<string, string>;
            envFile?: string;
            profiles?: string[];
          })
        : {};
      const opts: LoadOptions = {
        cwd: dir,
        env: { ...c.env },
        files: c.files ?? ['compose.yaml'],
        ...(c.envFile ? { envFiles: [c.envFile] } : {}),
        ...(c.profiles ? { profiles: c.profiles } : {}),
      };
      return { name, opts };
    });
}
