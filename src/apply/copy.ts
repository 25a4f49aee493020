/**
 * `cp` between the host and a container, through the engine's archive endpoints, with the docker CLI's
 * rules for where things land: into an existing directory under the source's own name, otherwise at the
 * destination path itself. Tars are streamed with tar-stream; nothing is staged in temp files.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, readlink, stat, symlink } from 'node:fs/promises';
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

/** Host -> container: a tar of `src` extracted into the container. */
export async function copyIn(rt: Runtime, containerId: string, src: string, dest: string): Promise<void> {
  const s = await lstat(src).catch(() => undefined);
  if (!s) throw new UsageError(`no such file or directory: ${src}`);
  const d = await rt.statContainerPath(containerId, dest);
  if (d && !d.isDirectory && s.isDirectory()) throw new UsageError(`cannot copy a directory onto the file ${dest}`);
  const { dir, name } = copyTarget(dest, d?.isDirectory, basename(resolve(src)), posix);
  const parent = await rt.statContainerPath(containerId, dir);
  if (!parent?.isDirectory) throw new NoContainerError(`destination directory ${dir} does not exist in the container`);
  const pack = tar.pack();
  const packing = packPath(pack, resolve(src), name).then(
    () => pack.finalize(),
    (err: unknown) => pack.destroy(err instanceof Error ? err : new Error(String(err))),
  );
  // tar-stream's pack is a streamx stream: the request body wants a Node stream.
  await Promise.all([
    rt.putArchive(containerId, dir, Readable.from(pack as AsyncIterable<Buffer>, { objectMode: false })),
    packing,
  ]);
}

async function packPath(pack: tar.Pack, path: string, name: string): Promise<void> {
  const s = await lstat(path);
  const common = { name, mode: s.mode & 0o7777, mtime: s.mtime, uid: 0, gid: 0 };
  if (s.isSymbolicLink()) {
    await entry(pack, { ...common, type: 'symlink', linkname: await readlink(path) });
  } else if (s.isDirectory()) {
    await entry(pack, { ...common, type: 'directory' });
    for (const child of (await readdir(path)).sort()) await packPath(pack, join(path, child), `${name}/${child}`);
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
export async function copyOut(rt: Runtime, containerId: string, src: string, dest: string): Promise<void> {
  const d = await stat(dest).catch(() => undefined);
  const { stat: source, tar: stream } = await rt.getArchive(containerId, src);
  if (d && !d.isDirectory() && source.isDirectory)
    throw new UsageError(`cannot copy a directory onto the file ${dest}`);
  const { dir, name } = copyTarget(dest, d?.isDirectory(), source.name, { dirname, basename });
  if (!(await stat(dir).catch(() => undefined))?.isDirectory())
    throw new UsageError(`destination directory ${dir} does not exist`);
  const root = resolve(dir, name);
  const extract = tar.extract();
  const feeding = (async () => {
    for await (const chunk of stream) {
      if (!extract.write(chunk))
        await new Promise<void>((r) => {
          extract.once('drain', () => r());
        });
    }
    extract.end(undefined);
  })().catch((err: unknown) => extract.destroy(err instanceof Error ? err : new Error(String(err))));
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
