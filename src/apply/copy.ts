/**
 * `cp` between the host and a container, through the engine's archive endpoints, with the docker CLI's
 * rules for where things land: into an existing directory under the source's own name, otherwise at the
 * destination path itself; `-` reads the tar from stdin or writes it to stdout, as `docker cp -` does.
 * Tars are streamed with tar-stream; nothing is staged in temp files.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, readlink, realpath, stat, symlink } from 'node:fs/promises';
import { basename, dirname, join, posix, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { NoContainerError, UsageError } from '../errors.js';
import type { Runtime } from '../runtime/runtime.js';

/** `SERVICE:PATH` or a host path. A leading `./` or `/` always means the host (a file named `a:b`). */
export function parseCopyArg(arg: string): { service?: string; path: string } {
  if (arg.startsWith('/') || arg.startsWith('.')) return { path: arg };
  const colon = arg.indexOf(':');
  if (colon <= 0) return { path: arg };
  return { service: arg.slice(0, colon), path: arg.slice(colon + 1) };
}

/**
 * Where the source lands, as `{dir, name}`: with a destination that is an existing directory, inside it
 * under the source's base name; otherwise at the destination path (its parent must exist).
 */
export function copyTarget(
  dest: string,
  destIsDir: boolean | undefined,
  sourceName: string,
  paths: { dirname(p: string): string; basename(p: string): string },
): { dir: string; name: string } {
  if (destIsDir) return { dir: dest, name: sourceName };
  if (dest.endsWith('/')) throw new UsageError(`destination directory ${dest} does not exist`);
  return { dir: paths.dirname(dest), name: paths.basename(dest) };
}

/** `cp -a` (keep the files' owners) and `cp -L` (copy what a symlink source points to, under the link's name). */
export interface CopyOptions {
  archive?: boolean;
  followLink?: boolean;
}

/** Host -> container: a tar of `src` extracted into the container. */
export async function copyIn(
  rt: Runtime,
  containerId: string,
  src: string,
  dest: string,
  options: CopyOptions = {},
): Promise<void> {
  const s = await (options.followLink ? stat : lstat)(src).catch(() => undefined);
  if (!s) throw new UsageError(`no such file or directory: ${src}`);
  const d = await rt.statContainerPath(containerId, dest);
  if (d && !d.isDirectory && s.isDirectory()) throw new UsageError(`cannot copy a directory onto the file ${dest}`);
  const { dir, name } = copyTarget(dest, d?.isDirectory, basename(resolve(src)), posix);
  const parent = await rt.statContainerPath(containerId, dir);
  if (!parent?.isDirectory) throw new NoContainerError(`destination directory ${dir} does not exist in the container`);
  const pack = tar.pack();
  const from = options.followLink ? await realpath(src) : resolve(src);
  const packing = packPath(pack, from, name, options.archive === true).then(
    () => pack.finalize(),
    (err: unknown) => pack.destroy(err instanceof Error ? err : new Error(String(err))),
  );
  // tar-stream's pack is a streamx stream: the request body wants a Node stream.
  await Promise.all([
    rt.putArchive(containerId, dir, Readable.from(pack as AsyncIterable<Buffer>, { objectMode: false }), {
      copyUIDGID: options.archive === true,
    }),
    packing,
  ]);
}

/** `cp - SERVICE:DIR`: a tar read from stdin, extracted into a directory of the container, as `docker cp -` does. */
export async function copyTarIn(
  rt: Runtime,
  containerId: string,
  tarStream: NodeJS.ReadableStream,
  dest: string,
  options: CopyOptions = {},
): Promise<void> {
  const d = await rt.statContainerPath(containerId, dest);
  if (!d?.isDirectory) throw new UsageError(`destination "${dest}" must be a directory in the container`);
  await rt.putArchive(containerId, dest, tarStream, { copyUIDGID: options.archive === true });
}

/** `cp SERVICE:PATH -`: the container's tar of the path, written as it is to `out` (stdout). */
export async function copyTarOut(
  rt: Runtime,
  containerId: string,
  src: string,
  out: NodeJS.WritableStream,
  options: CopyOptions = {},
): Promise<void> {
  const { path, rename } = await followedSource(rt, containerId, src, options);
  const { tar: stream } = await rt.getArchive(containerId, path);
  await pipeline(rename === undefined ? stream : renamed(stream, rename), out, { end: false });
}

/**
 * The path to ask the engine for: with `-L` and a symlink source, what it points to (relative to the
 * link's folder), and the link's own name to give the copy.
 */
async function followedSource(
  rt: Runtime,
  containerId: string,
  src: string,
  options: CopyOptions,
): Promise<{ path: string; rename?: string }> {
  if (!options.followLink) return { path: src };
  const s = await rt.statContainerPath(containerId, src);
  if (!s || (s.mode & SYMLINK_MODE) === 0 || s.linkTarget === '') return { path: src };
  const target = posix.isAbsolute(s.linkTarget) ? s.linkTarget : posix.join(posix.dirname(src), s.linkTarget);
  return { path: target, rename: posix.basename(src) };
}

/** Go's os.ModeSymlink, as the engine's path stat reports it. */
const SYMLINK_MODE = 1 << 27;

/** The tar with the first component of each entry's name replaced by `name` (docker's RebaseArchiveEntries). */
function renamed(stream: NodeJS.ReadableStream, name: string): NodeJS.ReadableStream {
  const extract = tar.extract();
  const pack = tar.pack();
  const feeding = feed(stream, extract);
  void (async () => {
    for await (const e of extract) {
      const [, ...rest] = e.header.name.split('/');
      const header = { ...e.header, name: [name, ...rest].join('/') };
      if (header.type === 'file' || header.type === 'contiguous-file')
        await pipeline(Readable.from(e as AsyncIterable<Buffer>, { objectMode: false }), pack.entry(header));
      else {
        e.resume();
        await entry(pack, header);
      }
    }
    await feeding;
    pack.finalize();
  })().catch((err: unknown) => pack.destroy(err instanceof Error ? err : new Error(String(err))));
  return Readable.from(pack as AsyncIterable<Buffer>, { objectMode: false });
}

/** Writes a Node stream into a tar-stream extractor, waiting when it asks to; ends it at the end. */
function feed(stream: NodeJS.ReadableStream, extract: tar.Extract): Promise<void> {
  return (async () => {
    for await (const chunk of stream) {
      if (!extract.write(chunk))
        await new Promise<void>((r) => {
          extract.once('drain', () => r());
        });
    }
    extract.end(undefined);
  })().catch((err: unknown) => {
    extract.destroy(err instanceof Error ? err : new Error(String(err)));
  });
}

async function packPath(pack: tar.Pack, path: string, name: string, owners: boolean): Promise<void> {
  const s = await lstat(path);
  const common = { name, mode: s.mode & 0o7777, mtime: s.mtime, uid: owners ? s.uid : 0, gid: owners ? s.gid : 0 };
  if (s.isSymbolicLink()) {
    await entry(pack, { ...common, type: 'symlink', linkname: await readlink(path) });
  } else if (s.isDirectory()) {
    await entry(pack, { ...common, type: 'directory' });
    for (const child of (await readdir(path)).sort())
      await packPath(pack, join(path, child), `${name}/${child}`, owners);
  } else if (s.isFile()) {
    await pipeline(createReadStream(path), pack.entry({ ...common, type: 'file', size: s.size }));
  }
}

function entry(pack: tar.Pack, header: Parameters<tar.Pack['entry']>[0]): Promise<void> {
  return new Promise((res, rej) => {
    pack.entry(header, (err) => (err ? rej(err) : res()));
  });
}

/** Container -> host: the container's tar of `src`, written at `dest` (or inside it when it is a directory). */
export async function copyOut(
  rt: Runtime,
  containerId: string,
  src: string,
  dest: string,
  options: CopyOptions = {},
): Promise<void> {
  const d = await stat(dest).catch(() => undefined);
  const { path, rename } = await followedSource(rt, containerId, src, options);
  const { stat: source, tar: stream } = await rt.getArchive(containerId, path);
  if (d && !d.isDirectory() && source.isDirectory)
    throw new UsageError(`cannot copy a directory onto the file ${dest}`);
  const { dir, name } = copyTarget(dest, d?.isDirectory(), rename ?? source.name, { dirname, basename });
  if (!(await stat(dir).catch(() => undefined))?.isDirectory())
    throw new UsageError(`destination directory ${dir} does not exist`);
  const root = resolve(dir, name);
  const extract = tar.extract();
  const feeding = feed(stream, extract);
  for await (const entry of extract) await place(entry.header, entry, root);
  await feeding;
}

/** Writes one entry under `root`, its first path component replaced by `root`; never outside it. */
async function place(
  header: tar.Header,
  body: AsyncIterable<unknown> & { resume(): unknown },
  root: string,
): Promise<void> {
  const parts = header.name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..'))
    throw new UsageError(`refusing to write ${header.name}: it points outside the destination`);
  const target = parts.length <= 1 ? root : join(root, ...parts.slice(1));
  if (target !== root && !target.startsWith(root + sep))
    throw new UsageError(`refusing to write ${header.name}: it points outside the destination`);
  const mode = (header.mode ?? 0o644) & 0o7777;
  switch (header.type) {
    case 'directory':
      await mkdir(target, { recursive: true, mode: mode | 0o700 });
      body.resume();
      return;
    case 'symlink':
      await mkdir(dirname(target), { recursive: true });
      await symlink(header.linkname ?? '', target);
      body.resume();
      return;
    case 'file':
    case 'contiguous-file':
      await mkdir(dirname(target), { recursive: true });
      await pipeline(
        Readable.from(body as AsyncIterable<Buffer>, { objectMode: false }),
        createWriteStream(target, { mode }),
      );
      return;
    default:
      body.resume();
  }
}
