/**
 * The file system side of watching: chokidar (inotify on Linux, FSEvents on macOS; never polling) on
 * the rules' paths, reporting each changed path (added, changed, removed, a folder added or removed).
 * A rule on a single file is watched through its folder (depth 0, that file only), so an editor that
 * saves by writing a new file and renaming it over the old one is still seen. Folders every rule
 * ignores entirely are not watched at all.
 */
import { watch, type FSWatcher } from 'chokidar';
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface FileWatcher {
  close(): Promise<void>;
}

export interface WatchPathsOptions {
  /** A path no rule could count (skipped with everything under it). */
  skip: (path: string) => boolean;
  onChange: (path: string) => void;
  onError: (err: Error) => void;
}

const EVENTS = new Set(['add', 'change', 'unlink', 'addDir', 'unlinkDir']);

function ready(w: FSWatcher): Promise<void> {
  return new Promise((res) => w.once('ready', () => res()));
}

function listen(w: FSWatcher, options: WatchPathsOptions): void {
  w.on('all', (event: string, path: string) => {
    if (EVENTS.has(event)) options.onChange(resolve(path));
  });
  w.on('error', (err: unknown) => options.onError(err instanceof Error ? err : new Error(String(err))));
}

/** Starts watching; resolves once the initial scan is done (changes from then on are reported). */
export async function watchPaths(paths: readonly string[], options: WatchPathsOptions): Promise<FileWatcher> {
  const files = new Set(paths.filter((p) => statSync(p, { throwIfNoEntry: false })?.isFile() === true));
  const dirs = [...new Set(paths.filter((p) => !files.has(p)))];
  const parents = [...new Set([...files].map((f) => dirname(f)))];
  const watchers: FSWatcher[] = [];
  if (dirs.length > 0) {
    const w = watch(dirs, { ignoreInitial: true, ignored: (p) => options.skip(resolve(p)) });
    listen(w, options);
    watchers.push(w);
  }
  if (parents.length > 0) {
    const w = watch(parents, {
      ignoreInitial: true,
      depth: 0,
      ignored: (p) => {
        const abs = resolve(p);
        return !files.has(abs) && !parents.includes(abs);
      },
    });
    listen(w, options);
    watchers.push(w);
  }
  await Promise.all(watchers.map(ready));
  return { close: async () => void (await Promise.all(watchers.map((w) => w.close()))) };
}
