/**
 * The files a container spec asks to be written into the container (secrets and configs from
 * `environment` or `content`), as one tar for the archive endpoint, extracted at `/`: Compose copies
 * them the same way after the create and before the start (pkg/compose/secrets.go). Each entry carries
 * its own owner and mode; the engine keeps a tar's owner when the copy does not ask for the
 * container user's (`copyUIDGID`), so `uid` and `gid` hold whatever `user:` the service runs as.
 */
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import type { InjectedFile } from '../runtime.js';

/** One tar of the files, each named by its absolute target without the leading slash. */
export function injectedFilesTar(files: readonly InjectedFile[], now: Date = new Date()): Readable {
  const pack = tar.pack();
  for (const f of files) {
    pack.entry(
      { name: f.target.replace(/^\/+/, ''), type: 'file', mode: f.mode, uid: f.uid, gid: f.gid, mtime: now },
      Buffer.from(f.content, 'utf8'),
    );
  }
  pack.finalize();
  // tar-stream's pack is a streamx stream: the request body wants a Node stream.
  return Readable.from(pack as AsyncIterable<Buffer>, { objectMode: false });
}
