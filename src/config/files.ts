/**
 * Every question the loader asks of the file system and of the shell environment goes through a
 * FileReader, which keeps a journal of the answers: what existed, what was a file, a digest of what
 * was read, the value of each variable looked up. A journal answered the same way again means the
 * load would read the same bytes in the same places and the same variables (config/cache.ts).
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

export type PathKind = 'file' | 'dir' | 'other' | 'missing';

/** One answer: the kind of a path, the digest of a file's bytes (null: unreadable), a variable's value (null: unset). */
export type Probe = { path: string; kind: PathKind } | { path: string; digest: string | null } | { variable: string; value: string | null };

type Env = Record<string, string | undefined>;

const valueIn = (env: Env, name: string): string | undefined => (Object.prototype.hasOwnProperty.call(env, name) ? env[name] : undefined);

const digestOf = (bytes: Uint8Array): string => createHash('sha1').update(bytes).digest('base64');

function kindOf(path: string): PathKind {
  try {
    const st = statSync(path);
    return st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other';
  } catch {
    return 'missing';
  }
}

function digestAt(path: string): string | null {
  try {
    return digestOf(readFileSync(path));
  } catch {
    return null;
  }
}

export class FileReader {
  readonly journal: Probe[] = [];

  kind(path: string): PathKind {
    const kind = kindOf(path);
    this.journal.push({ path, kind });
    return kind;
  }

  exists(path: string): boolean {
    return this.kind(path) !== 'missing';
  }

  isFile(path: string): boolean {
    return this.kind(path) === 'file';
  }

  /** The file's bytes; throws as readFileSync does. */
  read(path: string): Buffer {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (err) {
      this.journal.push({ path, digest: null });
      throw err;
    }
    this.journal.push({ path, digest: digestOf(bytes) });
    return bytes;
  }

  readText(path: string): string {
    return this.read(path).toString('utf8');
  }

  /** A variable of the shell environment. */
  variable(env: Env, name: string): string | undefined {
    const value = valueIn(env, name);
    this.journal.push({ variable: name, value: value ?? null });
    return value;
  }
}

/** True when every probe of the journal gets the same answer now, from the files and from `env`. */
export function journalHolds(journal: readonly Probe[], env: Env): boolean {
  const seen = new Set<string>();
  for (const p of journal) {
    if ('variable' in p) {
      if ((valueIn(env, p.variable) ?? null) !== p.value) return false;
      continue;
    }
    const key = `${'kind' in p ? 'k' : 'd'}:${p.path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if ('kind' in p ? kindOf(p.path) !== p.kind : digestAt(p.path) !== p.digest) return false;
  }
  return true;
}
