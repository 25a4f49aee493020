/**
 * One berth at a time per project and engine. Two commands that change the same project at once (`up`
 * and `down`, two `up`s) each observe, plan and apply against a state the other is changing: one leaks
 * a network, or meets an ambiguous network name. A lock file per engine endpoint and project, taken
 * around observe + plan + apply, makes them take turns: whatever order they run in, the project ends up
 * all up or all down, with one network.
 *
 * The lock is a file in a folder of this machine only this user can write (mode 0700), made atomically
 * with its content (written aside, then hard-linked into place: a reader never sees it half-written). It
 * names its holder's pid; a holder that died (SIGKILL, Ctrl-C) leaves a file whose pid is gone, and the
 * next one breaks it. Two machines sharing one remote engine, or two users, do not see each other's
 * locks (docs/design.md).
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProjectLockError } from '../errors.js';

export interface LockKey {
  /** The engine, as the runtime names it ("unix:///var/run/docker.sock"). */
  endpoint: string;
  project: string;
}

export interface LockWorld {
  /** The folder of lock files; made (mode 0700) when missing. */
  dir: string;
  /** This process's pid. */
  pid: number;
  /** Whether a process with this pid runs on this machine. */
  isAlive(pid: number): boolean;
  /** Told once for each holder it waits for: "waiting for another berth working on project p (pid N)". */
  onWait(message: string): void;
  /** Pause between looks at a held lock (default 100 ms). */
  pollMs?: number;
  /** The uid the folder must belong to (default: this process's, where the platform has uids). */
  uid?: number | undefined;
}

interface Holder {
  pid: number;
  /** Tells two holdings by the same pid apart (a reused pid, a second lock in one process). */
  nonce: string;
}

/**
 * `$XDG_RUNTIME_DIR/berth` when that folder exists, else `<temp>/berth-<uid>`: private to the user, on
 * this machine.
 */
export function lockDir(
  env: Readonly<Record<string, string | undefined>>,
  tmp: string,
  uid: number | undefined,
  isDir: (path: string) => boolean,
): string {
  const runtimeDir = env['XDG_RUNTIME_DIR']?.trim();
  if (runtimeDir && isDir(runtimeDir)) return join(runtimeDir, 'berth');
  return join(tmp, uid === undefined ? 'berth' : `berth-${uid}`);
}

/**
 * `<project>-<12 hex of the endpoint>.lock`. Project names from a stack are file-name safe ([a-z0-9_-]);
 * anything else (a raw `-p`) is made so, which at worst makes two projects take turns.
 */
export function lockFileName(key: LockKey): string {
  return `${key.project.replace(/[^a-z0-9_-]/gi, '_')}-${createHash('sha256').update(key.endpoint).digest('hex').slice(0, 12)}.lock`;
}

/** Whether a pid runs on this machine: signal 0 checks without sending anything. */
export function pidIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs `fn` holding the project's lock; waits for another holder first, breaking the lock of a dead one. */
export async function withProjectLock<T>(key: LockKey, world: LockWorld, fn: () => Promise<T>): Promise<T> {
  const release = await acquire(key, world);
  try {
    return await fn();
  } finally {
    release();
  }
}

/** Takes the lock (waiting as long as its holder lives) and returns the function that gives it back. */
export async function acquire(key: LockKey, world: LockWorld): Promise<() => void> {
  const dir = privateDir(world.dir, world.uid ?? process.getuid?.());
  const path = join(dir, lockFileName(key));
  const me: Holder = { pid: world.pid, nonce: randomBytes(8).toString('hex') };
  const aside = `${path}.${me.pid}.${me.nonce}`;
  try {
    writeFileSync(aside, `${JSON.stringify({ ...me, project: key.project, endpoint: key.endpoint })}\n`, {
      mode: 0o600,
    });
  } catch (err) {
    throw lockError(aside, err);
  }
  let announced: string | undefined;
  try {
    for (;;) {
      try {
        linkSync(aside, path);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw lockError(path, err);
      }
      const holder = readHolder(path);
      if (holder === undefined) continue; // released in between
      if (holder.pid === me.pid) throw new ProjectLockError(`the project lock ${path} is already held by this process`);
      if (holder.pid <= 0 || !world.isAlive(holder.pid)) {
        if (breakStale(path, holder)) continue;
      } else if (announced !== holder.nonce) {
        announced = holder.nonce;
        world.onWait(`waiting for another berth working on project ${key.project} (pid ${holder.pid})`);
      }
      await sleep(world.pollMs ?? 100);
    }
  } finally {
    unlinkQuietly(aside);
  }
  const release = (): void => {
    process.removeListener('exit', release);
    if (readHolder(path)?.nonce === me.nonce) unlinkQuietly(path);
  };
  // An exit without unwinding (process.exit) still gives the lock back; a signal leaves it to be broken.
  process.on('exit', release);
  return release;
}

/** The folder, made when missing; refused when another user could write to it or swap it. */
function privateDir(dir: string, uid: number | undefined): string {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    if (!st.isDirectory())
      throw new ProjectLockError(`the project lock folder ${dir} is not a folder`, {
        hint: 'remove it, or set XDG_RUNTIME_DIR to a private folder',
      });
    if ((uid !== undefined && st.uid !== uid) || (st.mode & 0o022) !== 0) {
      throw new ProjectLockError(`the project lock folder ${dir} is not private to this user`, {
        hint: `remove it (berth makes it again with mode 0700), or set XDG_RUNTIME_DIR to a private folder`,
      });
    }
    return dir;
  } catch (err) {
    if (err instanceof ProjectLockError) throw err;
    throw lockError(dir, err);
  }
}

/** The holder a lock file names; `undefined` when there is no lock file (any more). */
function readHolder(path: string): Holder | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw lockError(path, err);
  }
  try {
    const parsed = JSON.parse(text) as Partial<Holder>;
    if (typeof parsed.pid === 'number' && typeof parsed.nonce === 'string')
      return { pid: parsed.pid, nonce: parsed.nonce };
  } catch {
    // not berth's: treated as held by nobody alive
  }
  return { pid: 0, nonce: `unreadable:${text}` };
}

/**
 * Removes the lock of a dead holder. Breakers take turns through a second file, made exclusively, so
 * that one of them cannot remove the lock another has just taken after breaking the same stale one; a
 * breaker that died in those few microseconds leaves a file that is old after 10 s. Returns whether this
 * call had its turn (false: another breaker is at it; look again later).
 */
function breakStale(path: string, stale: Holder): boolean {
  const guard = `${path}.break`;
  let fd: number;
  try {
    fd = openSync(guard, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw lockError(guard, err);
    try {
      if (Date.now() - statSync(guard).mtimeMs > 10_000) unlinkQuietly(guard);
    } catch {
      // gone meanwhile
    }
    return false;
  }
  try {
    if (readHolder(path)?.nonce === stale.nonce) unlinkQuietly(path);
    return true;
  } finally {
    closeSync(fd);
    unlinkQuietly(guard);
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function lockError(path: string, err: unknown): ProjectLockError {
  const reason = err instanceof Error ? err.message : String(err);
  return new ProjectLockError(`cannot use the project lock ${path}: ${reason}`, {
    cause: err,
    hint: 'set XDG_RUNTIME_DIR to a folder of your own',
  });
}
