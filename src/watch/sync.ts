/**
 * Copying changed files into a service's containers, as Compose's tar syncer does, but through the
 * engine's archive endpoint (`PUT /containers/{id}/archive`, one tar made with tar-stream and extracted
 * at `/`) rather than a `tar` run inside the container: the image needs no shell and no `tar` for
 * copies. The tar is made once per batch and sent to every running container of the service. Files
 * belong to the container's user (`copyUIDGID`, as Compose asks).
 *
 * Deletions: the archive endpoint only adds, so a path deleted on the host is removed as Compose
 * removes it, by running `rm -rf -- <paths>` in the container (an exec with an argument list, no
 * shell): that part needs an `rm` program in the image. When there is none, the sync says so and
 * the copies still happen.
 */
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import tar from 'tar-stream';
import type { Runtime } from '../runtime/runtime.js';
import type { PathMapping } from './rules.js';

/** One entry of the tar: a file with its contents, a folder, or a symlink. */
export interface SyncEntry {
  /** Path in the container, absolute. */
  name: string;
  type: 'file' | 'directory' | 'symlink';
  mode: number;
  mtime: Date;
  data?: Buffer;
  linkname?: string;
}

/** What a batch syncs: entries to copy and container paths to delete. */
export interface SyncSet {
  entries: SyncEntry[];
  deletions: string[];
}

export interface SyncResult {
  /** Files (not folders) copied. */
  files: number;
  deleted: number;
  containers: number;
  /** Deletions that could not be made, with why (no `rm` in the image). */
  problems: string[];
}

/** The entries for one host path: the file, or everything under the folder (`keep` decides on what is inside). */
async function entriesFor(
  hostPath: string,
  containerPath: string,
  keep: (hostPath: string) => boolean,
  out: SyncEntry[],
): Promise<boolean> {
  const s = await lstat(hostPath).catch(() => undefined);
  if (!s) return false;
  const common = { name: containerPath, mode: s.mode & 0o7777, mtime: s.mtime };
  if (s.isSymbolicLink()) {
    out.push({ ...common, type: 'symlink', linkname: await readlink(hostPath) });
  } else if (s.isDirectory()) {
    out.push({ ...common, type: 'directory' });
    for (const child of (await readdir(hostPath)).sort()) {
      const childHost = join(hostPath, child);
      if (keep(childHost)) await entriesFor(childHost, `${containerPath.replace(/\/$/, '')}/${child}`, keep, out);
    }
  } else if (s.isFile()) {
    // Read now: a file that changes again while the tar is made cannot break the entry's size.
    const data = await readFile(hostPath).catch(() => undefined);
    if (data) out.push({ ...common, type: 'file', data });
  }
  return true;
}

/**
 * Reads the batch from disk: a mapping whose host path exists is copied (a folder with what is in
 * it), one that is gone is deleted in the container. The last entry for a container path wins.
 */
export async function collectSync(
  mappings: readonly PathMapping[],
  keep: (hostPath: string) => boolean = () => true,
): Promise<SyncSet> {
  const entries: SyncEntry[] = [];
  const deletions: string[] = [];
  for (const m of mappings) {
    if (m.containerPath === undefined) continue;
    if (!(await entriesFor(m.hostPath, m.containerPath, keep, entries))) deletions.push(m.containerPath);
  }
  const last = new Map<string, SyncEntry>();
  for (const e of entries) last.set(e.name, e);
  return { entries: [...last.values()], deletions: [...new Set(deletions)] };
}

/** The tar of the entries, names relative to `/` (where it is extracted). */
export async function packEntries(entries: readonly SyncEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collected = new Promise<void>((resolve, reject) => {
    pack.on('data', (c: unknown) => void chunks.push(c as Buffer));
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const e of entries) {
    const header = { name: e.name.replace(/^\/+/, ''), mode: e.mode, mtime: e.mtime, uid: 0, gid: 0 };
    const data = e.data ?? Buffer.alloc(0);
    if (e.type === 'file') pack.entry({ ...header, type: 'file', size: data.length }, data);
    else if (e.type === 'symlink') pack.entry({ ...header, type: 'symlink', linkname: e.linkname! });
    else pack.entry({ ...header, type: 'directory' });
  }
  pack.finalize();
  await collected;
  return Buffer.concat(chunks);
}

/** Output of an exec, kept for the message when it fails. */
class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    if (this.text.length < 2000) this.text += chunk.toString('utf8');
    done();
  }
}

/** Deletes the paths in one container with `rm -rf --`; a problem (no `rm`, a failure) as text. */
async function deleteIn(rt: Runtime, id: string, name: string, paths: string[]): Promise<string | undefined> {
  const out = new Collect();
  try {
    const code = await rt.exec(
      id,
      { command: ['rm', '-rf', '--', ...paths], tty: false },
      { stdout: out, stderr: out },
    );
    if (code === 0) return undefined;
    const why =
      code === 126 || code === 127 ? ': the image has no rm program' : `: ${out.text.trim() || `exit ${code}`}`;
    return `${name}: could not delete ${paths.length} path${paths.length === 1 ? '' : 's'}${why}`;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const why = /executable file not found|no such file/i.test(msg) ? 'the image has no rm program' : msg;
    return `${name}: could not delete ${paths.length} path${paths.length === 1 ? '' : 's'}: ${why}`;
  }
}

/** Sends the batch to each container: deletions first, then one tar extracted at `/`. */
export async function syncInto(
  rt: Runtime,
  containers: readonly { id: string; name: string }[],
  set: SyncSet,
): Promise<SyncResult> {
  const tarball = set.entries.length > 0 ? await packEntries(set.entries) : undefined;
  const problems: string[] = [];
  await Promise.all(
    containers.map(async (c) => {
      if (set.deletions.length > 0) {
        const problem = await deleteIn(rt, c.id, c.name, set.deletions);
        if (problem) problems.push(problem);
      }
      if (tarball) await rt.putArchive(c.id, '/', Readable.from([tarball]), { copyUIDGID: true });
    }),
  );
  return {
    files: set.entries.filter((e) => e.type !== 'directory').length,
    deleted: set.deletions.length,
    containers: containers.length,
    problems,
  };
}
