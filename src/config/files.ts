/**
 * Every question the loader asks of the file system and of the shell environment goes through a
 * FileReader, which keeps a journal of the answers: what existed, what was a file, a digest of what
 * was read, the value of each variable looked up. A journal answered the same way again means the
 * load would read the same bytes in the same places and the same variables (config/cache.ts).
 *
 * The journal holds values (a variable's, a file's digest), so it stays in memory: what is written to
 * disk is its sealed form (sealJournal), salted digests of the answers, which the same answers open again.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

export type PathKind = 'file' | 'dir' | 'other' | 'missing';

/** One answer: the kind of a path, the digest of a file's bytes (null: unreadable), a variable's value (null: unset). */
export type Probe =
  | { path: string; kind: PathKind }
  | { path: string; digest: string | null }
  | { variable: string; value: string | null };

type Env = Record<string, string | undefined>;

const valueIn = (env: Env, name: string): string | undefined =>
  Object.prototype.hasOwnProperty.call(env, name) ? env[name] : undefined;

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

/**
 * A journal as it may be written to disk: each question in the clear (a path, a variable's name) and a
 * salted digest of its answer (never a variable's value, nor a digest of a file anyone could look up
 * unsalted), together with a key made from all the answers. Only a process that gets every answer again
 * can make the key again: the cache encrypts its entry with it (config/cache.ts).
 */
export interface Check {
  /** `k:<path>` (its kind), `d:<path>` (its bytes), `v:<name>` (a variable). */
  question: string;
  answer: string;
}

/** Both digests are sha256 over salt, a role and the answers, separated by NULs, which no answer holds. */
const ROLE_CHECK = 'check';
const ROLE_KEY = 'key';

function questionOf(p: Probe): string {
  return 'variable' in p ? `v:${p.variable}` : 'kind' in p ? `k:${p.path}` : `d:${p.path}`;
}

/** A probe's answer as one string: JSON, so that an unset variable (null) and a value "null" differ. */
function answerOf(p: Probe): string {
  return JSON.stringify('variable' in p ? p.value : 'kind' in p ? p.kind : p.digest);
}

/** The answer to a question now, from the files and from `env`. */
function answerNow(question: string, env: Env): string {
  const subject = question.slice(2);
  switch (question[0]) {
    case 'v':
      return JSON.stringify(valueIn(env, subject) ?? null);
    case 'k':
      return JSON.stringify(kindOf(subject));
    default:
      return JSON.stringify(digestAt(subject));
  }
}

const checkDigest = (salt: Uint8Array, question: string, answer: string): string =>
  createHash('sha256').update(salt).update(`\0${ROLE_CHECK}\0${question}\0${answer}`).digest('base64url').slice(0, 22);

/**
 * The journal for disk, and the key its answers make. Each question once, in the order first asked;
 * undefined when one was answered two ways during the load (a file changed while being read): such a
 * load describes no single state of the files and is not worth keeping.
 */
export function sealJournal(journal: readonly Probe[], salt: Uint8Array): { checks: Check[]; key: Buffer } | undefined {
  const answers = new Map<string, string>();
  for (const p of journal) {
    const question = questionOf(p);
    const answer = answerOf(p);
    const before = answers.get(question);
    if (before === undefined) answers.set(question, answer);
    else if (before !== answer) return undefined;
  }
  const key = createHash('sha256').update(salt).update(`\0${ROLE_KEY}`);
  const checks: Check[] = [];
  for (const [question, answer] of answers) {
    checks.push({ question, answer: checkDigest(salt, question, answer) });
    key.update(`\0${question}\0${answer}`);
  }
  return { checks, key: key.digest() };
}

/**
 * The key of a sealed journal when every question gets the same answer now, from the files and from
 * `env`; undefined at the first that does not (a file changed, appeared or went, a variable changed).
 */
export function openJournal(checks: readonly Check[], env: Env, salt: Uint8Array): Buffer | undefined {
  const key = createHash('sha256').update(salt).update(`\0${ROLE_KEY}`);
  for (const c of checks) {
    if (typeof c?.question !== 'string' || c.question[1] !== ':') return undefined;
    const answer = answerNow(c.question, env);
    if (checkDigest(salt, c.question, answer) !== c.answer) return undefined;
    key.update(`\0${c.question}\0${answer}`);
  }
  return key.digest();
}
