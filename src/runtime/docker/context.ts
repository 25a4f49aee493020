/**
 * A build context as a tar stream, made while it is sent: no temporary file. The folder is walked in a
 * stable order; `.dockerignore` rules leave paths out; symlinks are sent as links (their targets are
 * never read, so a link pointing outside the context cannot bring the outside in); only regular files,
 * folders and symlinks are sent. A Dockerfile outside the context, or given inline, is added under a
 * name of its own, as the docker CLI does.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile, readlink, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { BuildContextError } from '../../errors.js';
import { ignoreMatcher, loadIgnorePatterns, type IgnoreMatcher } from './dockerignore.js';

export interface ContextEntry {
  /** Relative to the context root, `/` separators. */
  rel: string;
  kind: 'file' | 'directory' | 'symlink';
  /** Absolute path on disk. */
  path: string;
  mode: number;
  size: number;
  mtime: Date;
  /** symlink only: the link text, as written. */
  linkname?: string;
}

export interface ContextSource {
  context: string;
  dockerfile?: string;
  dockerfileInline?: string;
  /** Random suffix for a Dockerfile sent under its own name; injected in tests. */
  random?: () => string;
}

export interface PreparedContext {
  /** The `dockerfile` query parameter: a path inside the tar. */
  dockerfile: string;
  matcher: IgnoreMatcher;
  /** Text of a Dockerfile added under its own name (outside the context, or inline). */
  extraDockerfile?: { name: string; text: string };
  /** Absolute path of the Dockerfile on disk, when it is a file. */
  dockerfilePath?: string;
}

const toPosix = (p: string): string => p.split(sep).join('/');

/** Resolves the Dockerfile and the ignore rules; throws BuildContextError when the context or the Dockerfile is missing. */
export async function prepareContext(src: ContextSource): Promise<PreparedContext> {
  const context = resolve(src.context);
  let st;
  try {
    st = await stat(context);
  } catch {
    throw new BuildContextError(`build context ${context} does not exist`, {
      hint: 'check build.context in the stack file',
    });
  }
  if (!st.isDirectory()) throw new BuildContextError(`build context ${context} is not a folder`);
  const random = src.random ?? (() => randomBytes(8).toString('hex'));

  if (src.dockerfileInline !== undefined) {
    const name = `.dockerfile.${random()}`;
    const { patterns } = await loadIgnorePatterns(context, undefined);
    return {
      dockerfile: name,
      matcher: ignoreMatcher(patterns, ['.dockerignore', name]),
      extraDockerfile: { name, text: src.dockerfileInline },
    };
  }
  const dockerfilePath = isAbsolute(src.dockerfile ?? '')
    ? src.dockerfile!
    : join(context, src.dockerfile ?? 'Dockerfile');
  let text: string;
  try {
    text = await readFile(dockerfilePath, 'utf8');
  } catch {
    throw new BuildContextError(`Dockerfile ${dockerfilePath} does not exist or cannot be read`, {
      hint: 'check build.dockerfile in the stack file',
    });
  }
  const { patterns } = await loadIgnorePatterns(context, dockerfilePath);
  const rel = toPosix(relative(context, dockerfilePath));
  const inside = rel !== '' && !rel.startsWith('../') && rel !== '..' && !isAbsolute(rel);
  if (inside && !(await isSymlink(dockerfilePath))) {
    return { dockerfile: rel, dockerfilePath, matcher: ignoreMatcher(patterns, ['.dockerignore', rel]) };
  }
  const name = `.dockerfile.${random()}`;
  return {
    dockerfile: name,
    dockerfilePath,
    matcher: ignoreMatcher(patterns, ['.dockerignore', name]),
    extraDockerfile: { name, text },
  };
}

async function isSymlink(p: string): Promise<boolean> {
  try {
    return (await lstat(p)).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * The entries to send, parents before children, names sorted. An ignored folder is not entered unless
 * some `!` pattern may bring back something inside it.
 */
export async function* contextEntries(context: string, matcher: IgnoreMatcher): AsyncGenerator<ContextEntry> {
  const root = resolve(context);
  async function* walkDir(dir: string, relDir: string): AsyncGenerator<ContextEntry> {
    let names: string[];
    try {
      names = (await readdir(dir)).sort();
    } catch (err) {
      throw new BuildContextError(`cannot read ${dir} in the build context: ${(err as Error).message}`, { cause: err });
    }
    for (const name of names) {
      const path = join(dir, name);
      const rel = relDir === '' ? name : `${relDir}/${name}`;
      const st = await lstat(path);
      const ignored = matcher.ignores(rel);
      if (st.isDirectory()) {
        if (!ignored) yield { rel, kind: 'directory', path, mode: st.mode & 0o7777, size: 0, mtime: st.mtime };
        if (!ignored || matcher.hasExceptions) yield* walkDir(path, rel);
        continue;
      }
      if (ignored) continue;
      if (st.isSymbolicLink()) {
        yield {
          rel,
          kind: 'symlink',
          path,
          mode: st.mode & 0o7777,
          size: 0,
          mtime: st.mtime,
          linkname: await readlink(path),
        };
      } else if (st.isFile()) {
        yield { rel, kind: 'file', path, mode: st.mode & 0o7777, size: st.size, mtime: st.mtime };
      }
      // sockets, fifos and devices are not sent, as the docker CLI leaves them out
    }
  }
  yield* walkDir(root, '');
}

/** The tar stream of a prepared context; errors while walking end the stream with that error. */
export function packContext(context: string, prepared: PreparedContext): NodeJS.ReadableStream {
  const pack = tar.pack();
  const fill = async (): Promise<void> => {
    for await (const e of contextEntries(context, prepared.matcher)) {
      const header = { name: e.rel, mode: e.mode, mtime: e.mtime, uid: 0, gid: 0 };
      if (e.kind === 'directory') {
        await addEntry(pack, { ...header, type: 'directory' });
      } else if (e.kind === 'symlink') {
        await addEntry(pack, { ...header, type: 'symlink', linkname: e.linkname ?? '' });
      } else {
        const entry = pack.entry({ ...header, type: 'file', size: e.size });
        await pipeline(createReadStream(e.path), entry);
      }
    }
    if (prepared.extraDockerfile) {
      await addEntry(
        pack,
        { name: prepared.extraDockerfile.name, mode: 0o644, mtime: new Date(0), uid: 0, gid: 0, type: 'file' },
        Buffer.from(prepared.extraDockerfile.text),
      );
    }
    pack.finalize();
  };
  fill().catch((err: unknown) => pack.destroy(err instanceof Error ? err : new Error(String(err))));
  // tar-stream's pack is a streamx stream: hand a Node stream to the HTTP request.
  return Readable.from(pack as AsyncIterable<Buffer>, { objectMode: false });
}

function addEntry(pack: tar.Pack, header: Parameters<tar.Pack['entry']>[0], body?: Buffer): Promise<void> {
  return new Promise((res, rej) => {
    pack.entry(header, body ?? '', (err) => (err ? rej(err) : res()));
  });
}
