/** The build context: what is walked, what is left out, how links and Dockerfiles are sent. */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { BuildContextError } from '../../../src/errors.js';
import { contextEntries, packContext, prepareContext } from '../../../src/runtime/docker/context.js';
import { ignoreMatcher } from '../../../src/runtime/docker/dockerignore.js';

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-ctx-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

async function list(dir: string, patterns: string[] = []): Promise<string[]> {
  const out: string[] = [];
  for await (const e of contextEntries(dir, ignoreMatcher(patterns)))
    out.push(`${e.kind[0]} ${e.rel}${e.linkname ? ` -> ${e.linkname}` : ''}`);
  return out;
}

/** The tar as entry name -> type and content (or link target). */
async function untar(stream: NodeJS.ReadableStream): Promise<Record<string, string>> {
  const extract = tar.extract();
  const out: Record<string, string> = {};
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, body, next) => {
      const chunks: Buffer[] = [];
      body.on('data', (c: unknown) => chunks.push(c as Buffer));
      body.on('end', () => {
        out[header.name] =
          header.type === 'symlink'
            ? `link:${header.linkname ?? ''}`
            : header.type === 'directory'
              ? 'dir'
              : Buffer.concat(chunks).toString();
        next();
      });
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  stream.pipe(extract as unknown as NodeJS.WritableStream);
  await done;
  return out;
}

describe('contextEntries', () => {
  it('walks parents before children in name order and leaves ignored paths out', async () => {
    const dir = tree({ 'b.txt': 'b', 'a/one.txt': '1', 'a/skip.log': 'x', 'z.log': 'z' });
    expect(await list(dir, ['**/*.log'])).toEqual(['d a', 'f a/one.txt', 'f b.txt']);
  });

  it('does not enter an ignored folder unless an exception may bring something back', async () => {
    const dir = tree({ 'docs/a.md': 'a', 'docs/keep.md': 'k' });
    expect(await list(dir, ['docs'])).toEqual([]);
    expect(await list(dir, ['docs', '!docs/keep.md'])).toEqual(['f docs/keep.md']);
  });

  it('sends symlinks as links, never reading what they point at, files or folders', async () => {
    const outside = tree({ 'secret.txt': 'TOP SECRET', 'dir/inner.txt': 'inner' });
    const dir = tree({ 'in.txt': 'in' });
    symlinkSync(join(outside, 'secret.txt'), join(dir, 'file-link'));
    symlinkSync(join(outside, 'dir'), join(dir, 'dir-link'));
    expect(await list(dir)).toEqual([
      `s dir-link -> ${join(outside, 'dir')}`,
      `s file-link -> ${join(outside, 'secret.txt')}`,
      'f in.txt',
    ]);
  });
});

describe('prepareContext and packContext', () => {
  it('sends a Dockerfile inside the context by its path', async () => {
    const dir = tree({ 'docker/Dockerfile.dev': 'FROM scratch\n', 'app.txt': 'app' });
    const p = await prepareContext({ context: dir, dockerfile: 'docker/Dockerfile.dev' });
    expect(p.dockerfile).toBe('docker/Dockerfile.dev');
    expect(p.extraDockerfile).toBeUndefined();
  });

  it('adds a Dockerfile from outside the context, or inline, under a name of its own', async () => {
    const outside = tree({ 'app.Dockerfile': 'FROM outside\n' });
    const dir = tree({ 'app.txt': 'app', '.dockerignore': '*\n!app.txt\n' });
    const p = await prepareContext({ context: dir, dockerfile: join(outside, 'app.Dockerfile'), random: () => 'r1' });
    expect(p.dockerfile).toBe('.dockerfile.r1');
    const sent = await untar(packContext(dir, p));
    expect(sent).toEqual({ '.dockerignore': '*\n!app.txt\n', 'app.txt': 'app', '.dockerfile.r1': 'FROM outside\n' });

    const inline = await prepareContext({ context: dir, dockerfileInline: 'FROM inline\n', random: () => 'r2' });
    expect((await untar(packContext(dir, inline)))['.dockerfile.r2']).toBe('FROM inline\n');
  });

  it('always sends the Dockerfile and .dockerignore, even when the patterns exclude them', async () => {
    const dir = tree({ Dockerfile: 'FROM scratch\n', '.dockerignore': 'Dockerfile\n.dockerignore\n', 'x.txt': 'x' });
    const sent = await untar(packContext(dir, await prepareContext({ context: dir })));
    expect(Object.keys(sent).sort()).toEqual(['.dockerignore', 'Dockerfile', 'x.txt']);
  });

  it('keeps links as links in the tar', async () => {
    const dir = tree({ Dockerfile: 'FROM scratch\n' });
    symlinkSync('../../etc/passwd', join(dir, 'escape'));
    const sent = await untar(packContext(dir, await prepareContext({ context: dir })));
    expect(sent.escape).toBe('link:../../etc/passwd');
  });

  it('names a missing context or Dockerfile', async () => {
    await expect(prepareContext({ context: '/nonexistent/berth-ctx' })).rejects.toThrow(BuildContextError);
    const dir = tree({ 'x.txt': 'x' });
    await expect(prepareContext({ context: dir })).rejects.toThrow(/Dockerfile .*Dockerfile does not exist/);
  });
});
