/**
 * A cache of loaded projects. Reading, validating and normalizing a stack costs more than the engine
 * calls of a no-op `up`; most runs read the very files the previous one did. An entry holds a load's
 * result and the journal of the answers it was built from (config/files.ts): files read, paths looked
 * for, shell variables looked up. Its key is everything else the load depends on: its options and
 * berth's build. It is used only when every probe of the journal gets the same answer again: the same
 * bytes in every file read, the same paths present or missing (a new override file, a deleted .env),
 * the same value of every variable the stack uses. Failed loads are never stored, so errors are always
 * those of a fresh load.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { journalHolds, type Probe } from './files.js';
import { deepFreeze, environmentOf, loadJournaled, type LoadOptions, type LoadResult } from './load.js';

/** Bumped when an entry's shape changes. */
const FORMAT = 1;
/** Entries kept; older ones are removed when a write finds more. */
const MAX_ENTRIES = 64;

export interface ProjectCache {
  /** A directory only this user writes (created 0700 when missing). */
  dir: string;
  /** Names berth's build: an entry of another build is never used. */
  build: string;
}

interface Entry {
  format: number;
  journal: Probe[];
  /** The result without its `environment`, which is the whole shell's: made again from `dotenv` on a hit. */
  result: Omit<LoadResult, 'environment'>;
  dotenv: Record<string, string>;
}

/** The cache key: every input of a load that is neither a file nor a variable (those are in the journal). */
export function cacheKey(opts: LoadOptions, build: string): string {
  const inputs = [FORMAT, build, opts.cwd, opts.files ?? null, opts.projectName ?? null, opts.projectDirectory ?? null, opts.envFiles ?? null, opts.profiles ?? null, opts.interpolate !== false];
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 32);
}

/** loadProject through the cache; a stack read from stdin is always loaded afresh. */
export async function loadProjectCached(opts: LoadOptions, cache: ProjectCache): Promise<LoadResult> {
  if (opts.files?.includes('-')) return (await loadJournaled(opts)).result;
  const file = join(cache.dir, `${cacheKey(opts, cache.build)}.json`);
  const hit = readEntry(file, opts.env);
  if (hit) {
    const project = deepFreeze(hit.result.project);
    return { project, warnings: hit.result.warnings, environment: environmentOf(hit.dotenv, opts.env, project.name) };
  }
  const { result, journal, dotenv } = await loadJournaled(opts);
  writeEntry(cache.dir, file, { format: FORMAT, journal, result: { project: result.project, warnings: result.warnings }, dotenv });
  return result;
}

function readEntry(file: string, env: LoadOptions['env']): Entry | undefined {
  let entry: Entry;
  try {
    entry = JSON.parse(readFileSync(file, 'utf8')) as Entry;
  } catch {
    return undefined; // none yet, or unreadable: load afresh
  }
  if (entry.format !== FORMAT || !Array.isArray(entry.journal) || !journalHolds(entry.journal, env)) return undefined;
  return entry;
}

/** Best effort: a cache that cannot be written only costs the next run its speed. */
function writeEntry(dir: string, file: string, entry: Entry): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    // 0600: the environment values a stack interpolates end up in its model.
    writeFileSync(tmp, JSON.stringify(entry), { mode: 0o600 });
    renameSync(tmp, file);
    prune(dir);
  } catch {
    // no entry this time
  }
}

function prune(dir: string): void {
  const names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  if (names.length <= MAX_ENTRIES) return;
  const aged = names.map((n) => ({ n, t: statSync(join(dir, n)).mtimeMs })).sort((a, b) => a.t - b.t);
  for (const { n } of aged.slice(0, names.length - MAX_ENTRIES / 2)) unlinkSync(join(dir, n));
}
