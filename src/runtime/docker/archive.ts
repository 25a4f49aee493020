/**
 * Files in and out of a container through the archive endpoints: `HEAD` for a path's stat (the
 * `X-Docker-Container-Path-Stat` header, base64 JSON), `GET` for a tar of it, `PUT` to extract a tar.
 */
import type http from 'node:http';
import { NotFoundError } from '../../errors.js';
import type { PathStat, PutArchiveOptions } from '../runtime.js';
import { openStream } from './stream.js';
import { pathSegment, type Transport } from './transport.js';

const DIR_BIT = 2 ** 31;

/** The stat header as berth's PathStat; `undefined` when absent or unreadable. */
export function parsePathStat(header: string | string[] | undefined): PathStat | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  try {
    const o = JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as {
      name?: string;
      size?: number;
      mode?: number;
      mtime?: string;
      linkTarget?: string;
    };
    const mode = o.mode ?? 0;
    return {
      name: o.name ?? '',
      size: o.size ?? 0,
      mode,
      mtime: o.mtime ?? '',
      linkTarget: o.linkTarget ?? '',
      // Go's ModeDir is the top bit of a uint32: test it without JavaScript's signed bit operators.
      isDirectory: Math.floor(mode / DIR_BIT) % 2 === 1,
    };
  } catch {
    return undefined;
  }
}

export async function statContainerPath(transport: Transport, id: string, path: string): Promise<PathStat | undefined> {
  try {
    const res = await transport.request({
      method: 'HEAD',
      path: `/containers/${pathSegment(id)}/archive`,
      query: { path },
      operation: `stat ${path} in container ${id.slice(0, 12)}`,
    });
    return parsePathStat(res.headers['x-docker-container-path-stat']);
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

export async function getArchive(
  transport: Transport,
  id: string,
  path: string,
): Promise<{ stat: PathStat; tar: http.IncomingMessage }> {
  const res = await openStream(transport, {
    method: 'GET',
    path: `/containers/${pathSegment(id)}/archive`,
    query: { path },
    operation: `copy ${path} from container ${id.slice(0, 12)}`,
  });
  const stat = parsePathStat(res.headers['x-docker-container-path-stat']) ?? {
    name: path.split('/').pop() ?? '',
    size: 0,
    mode: 0,
    mtime: '',
    linkTarget: '',
    isDirectory: false,
  };
  return { stat, tar: res };
}

export async function putArchive(
  transport: Transport,
  id: string,
  dir: string,
  tar: NodeJS.ReadableStream,
  options: PutArchiveOptions = {},
): Promise<void> {
  const res = await openStream(transport, {
    method: 'PUT',
    path: `/containers/${pathSegment(id)}/archive`,
    query: { path: dir, noOverwriteDirNonDir: true, ...(options.copyUIDGID && { copyUIDGID: true }) },
    operation: `copy into ${dir} in container ${id.slice(0, 12)}`,
    body: { stream: tar, contentType: 'application/x-tar' },
  });
  res.resume();
  await new Promise<void>((resolve, reject) => {
    res.on('end', resolve);
    res.on('error', reject);
  });
}
