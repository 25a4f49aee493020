/**
 * A cache of loaded projects. Reading, validating and normalizing a stack costs more than the engine
 * calls of a no-op `up`; most runs read the very files the previous one did. An entry holds a load's
 * result and the journal of the answers it was built from (config/files.ts): files read, paths looked
 * for, shell variables looked up. Its key is everything else the load depends on: its options and
 * berth's build. It is used only when every probe of the journal gets the same answer again: the same
 * bytes in every file read, the same paths present or missing (a new override file, a deleted .env),
 * the same value of every variable the stack uses. Failed loads are never stored, so errors are always
 * those of a fresh load.
 *
 * No value is written in the clear. A loaded model holds what the stack interpolated (a password from
 * `.env` or the shell, in `environment`, a command, a label...) and `dotenv` holds the `.env` values, so:
 * - the journal is sealed (files.ts): each question (a path, a variable's name) with a digest of its
 *   answer salted by a random salt of the entry's own, which tells whether the answer is the same
 *   without saying what it is;
 * - the payload (the result and `dotenv`) is encrypted with AES-256-GCM under a key made from the salt
 *   and every answer. A process that gets every answer again (the same files' bytes, the same values of
 *   the same variables) makes the same key and reads the entry; such a process could load the stack
 *   itself, so the entry tells nobody anything they could not read already. Anyone else finds digests,
 *   random bytes and the names of paths and variables. A value guessed can be confirmed against its
 *   digest, as with any digest; it is never given.
 * No slow KDF: the key needs no stretching, since it is as hard to guess as the answers it is made of,
 * and a hit costs one sha256 per answer plus one decryption (well under a millisecond for a
 * typical stack), against the YAML parsing and validation it saves. A tampered or foreign entry fails
 * GCM's authentication and counts as none.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { withFileValues, withoutFileValues } from './file-values.js';
import { openJournal, sealJournal, type Check } from './files.js';
import type { LoadOptions, LoadResult } from './load.js';
import { deepFreeze, environmentOf } from './loaded.js';

/** The loader itself only on a miss: a hit needs neither the YAML parser nor the schema. */
const loadJournaled = async (opts: LoadOptions): ReturnType<typeof import('./load.js').loadJournaled> =>
  (await import('./load.js')).loadJournaled(opts);

/** Bumped when an entry's shape changes. */
const FORMAT = 2;
/** Entries kept; older ones are removed when a write finds more. */
const MAX_ENTRIES = 64;
/** How an entry of format 1 begins: those held values in the clear, and a write removes any it finds. */
const CLEAR_ENTRY = Buffer.from('{"format":1,');

export interface ProjectCache {
  /** A directory only this user writes (created 0700 when missing). */
  dir: string;
  /** Names berth's build: an entry of another build is never used. */
  build: string;
}

/** What an entry keeps, encrypted on disk. */
interface Payload {
  /** The result without its `environment`, which is the whole shell's: made again from `dotenv` on a hit. */
  result: Omit<LoadResult, 'environment'>;
  dotenv: Record<string, string>;
}

/** An entry as written: all but the journal's questions is digests or ciphertext (base64). */
interface Entry {
  format: number;
  salt: string;
  checks: Check[];
  iv: string;
  tag: string;
  payload: string;
}

/** The cache key: every input of a load that is neither a file nor a variable (those are in the journal). */
export function cacheKey(opts: LoadOptions, build: string): string {
  const inputs = [
    FORMAT,
    build,
    opts.cwd,
    opts.files ?? null,
    opts.projectName ?? null,
    opts.projectDirectory ?? null,
    opts.envFiles ?? null,
    opts.profiles ?? null,
    opts.enableServices?.length ? [...opts.enableServices].sort() : null,
    opts.interpolate !== false,
    opts.target ?? 'engine',
    opts.disableEnvFile === true,
    opts.resolvePaths !== false,
    opts.normalize !== false,
  ];
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 32);
}

/**
 * loadProject through the cache; a stack read from stdin is always loaded afresh. `onRead` is told when
 * the files are read (no entry served the load).
 */
export async function loadProjectCached(
  opts: LoadOptions,
  cache: ProjectCache,
  onRead: () => void = () => undefined,
): Promise<LoadResult> {
  if (opts.files?.includes('-')) {
    onRead();
    return (await loadJournaled(opts)).result;
  }
  const file = join(cache.dir, `${cacheKey(opts, cache.build)}.json`);
  const hit = readEntry(file, opts.env);
  if (hit) {
    const environment = environmentOf(hit.dotenv, opts.env, hit.result.project.name);
    const project = deepFreeze(withFileValues(hit.result.project, environment));
    return {
      project,
      warnings: hit.result.warnings,
      environment,
      ...(hit.result.engineGated && { engineGated: hit.result.engineGated }),
      ...(hit.result.swarmImages && { swarmImages: hit.result.swarmImages }),
    };
  }
  onRead();
  const { result, journal, dotenv } = await loadJournaled(opts);
  const salt = randomBytes(16);
  const sealed = sealJournal(journal, salt);
  if (sealed)
    writeEntry(
      cache.dir,
      file,
      seal(
        {
          result: {
            project: withoutFileValues(result.project),
            warnings: result.warnings,
            ...(result.engineGated && { engineGated: result.engineGated }),
            ...(result.swarmImages && { swarmImages: result.swarmImages }),
          },
          dotenv,
        },
        salt,
        sealed.checks,
        sealed.key,
      ),
    );
  return result;
}

/** Whether a file begins with `prefix` (a few bytes read, not the whole entry). */
function startsWith(file: string, prefix: Buffer): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const head = Buffer.alloc(prefix.length);
    return readSync(fd, head, 0, head.length, 0) === head.length && head.equals(prefix);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function seal(payload: Payload, salt: Buffer, checks: Check[], key: Buffer): Entry {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
  return {
    format: FORMAT,
    salt: salt.toString('base64'),
    checks,
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    payload: ciphertext.toString('base64'),
  };
}

/** The entry's payload when its journal holds now; undefined for none, another format, a changed answer or a bad entry. */
function readEntry(file: string, env: LoadOptions['env']): Payload | undefined {
  try {
    const entry = JSON.parse(readFileSync(file, 'utf8')) as Entry;
    if (entry.format !== FORMAT || !Array.isArray(entry.checks)) return undefined;
    const salt = Buffer.from(entry.salt, 'base64');
    const key = openJournal(entry.checks, env, salt);
    if (!key) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(entry.iv, 'base64'));
    decipher.setAuthTag(Buffer.from(entry.tag, 'base64'));
    const plain = Buffer.concat([decipher.update(Buffer.from(entry.payload, 'base64')), decipher.final()]);
    return JSON.parse(plain.toString('utf8')) as Payload;
  } catch {
    return undefined; // none yet, unreadable, or not authentic: load afresh
  }
}

/** Best effort: a cache that cannot be written only costs the next run its speed. */
function writeEntry(dir: string, file: string, entry: Entry): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    // 0600 still: the paths and variable names a stack uses are its owner's business.
    writeFileSync(tmp, JSON.stringify(entry), { mode: 0o600 });
    renameSync(tmp, file);
    prune(dir);
  } catch {
    // no entry this time
  }
}

function prune(dir: string): void {
  let names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  const clear = names.filter((n) => startsWith(join(dir, n), CLEAR_ENTRY));
  for (const n of clear) unlinkSync(join(dir, n));
  names = names.filter((n) => !clear.includes(n));
  if (names.length <= MAX_ENTRIES) return;
  const aged = names.map((n) => ({ n, t: statSync(join(dir, n)).mtimeMs })).sort((a, b) => a.t - b.t);
  for (const { n } of aged.slice(0, names.length - MAX_ENTRIES / 2)) unlinkSync(join(dir, n));
}
