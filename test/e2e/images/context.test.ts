/**
 * What a build sends: `.dockerignore`d files stay out of the image, a symlink pointing outside the
 * context never brings the outside file in, a Dockerfile outside the context or inline works, and a
 * service built FROM another service's image is built after it.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { berth, docker } from '../../helpers/cli.js';

const id = process.pid;
const root = mkdtempSync(join(tmpdir(), 'berth-context-'));
const images: string[] = [];
afterAll(async () => {
  for (const i of images) await docker(['rmi', '-f', i]);
  rmSync(root, { recursive: true, force: true });
});

function write(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

/** Lists the files under /ctx in the image, and prints what each one holds. */
async function filesIn(image: string): Promise<string> {
  const r = await docker([
    'run',
    '--rm',
    image,
    'sh',
    '-c',
    'cd /ctx && find . | sort && for f in $(find . -type f -o -type l | sort); do echo "== $f"; cat "$f" 2>&1; done',
  ]);
  return r.stdout;
}

describe('build context', () => {
  it('leaves out .dockerignored files (with ! exceptions) and never follows a symlink out of the context', async () => {
    const dir = join(root, 'ignore');
    const outside = join(root, 'outside-secret.txt');
    write(outside, 'TOP-SECRET-OUTSIDE\n');
    write(join(dir, 'app/Dockerfile'), 'FROM berth-local/busybox:latest\nCOPY . /ctx\n');
    write(join(dir, 'app/keep.txt'), 'kept\n');
    write(join(dir, 'app/local.env'), 'PASSWORD=ignored\n');
    write(join(dir, 'app/important.env'), 'brought back\n');
    write(join(dir, 'app/docs/guide.md'), 'ignored folder\n');
    write(join(dir, 'app/docs/keep.md'), 'exception inside an ignored folder\n');
    write(join(dir, 'app/.dockerignore'), '# comments are fine\n*.env\n!important.env\ndocs\n!docs/keep.md\n');
    symlinkSync(outside, join(dir, 'app/abs-link'));
    symlinkSync('../../outside-secret.txt', join(dir, 'app/rel-link'));
    const image = `e2e-ctx-ignore-${id}`;
    images.push(image);
    write(join(dir, 'compose.yaml'), `services:\n  app:\n    image: ${image}\n    build: ./app\n`);

    const r = await berth(['-p', `e2e-ctx-${id}`, 'build'], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
    const files = await filesIn(image);
    expect(files).toContain('./keep.txt');
    expect(files).toContain('./important.env');
    expect(files).toContain('./docs/keep.md');
    expect(files).not.toContain('local.env');
    expect(files).not.toContain('guide.md');
    expect(files).not.toContain('PASSWORD');
    // The links exist as links; what they point at outside the context is not in the image.
    expect(files).toContain('./abs-link');
    expect(files).toContain('./rel-link');
    expect(files).not.toContain('TOP-SECRET-OUTSIDE');
  });

  it('uses a Dockerfile outside the context with its own <Dockerfile>.dockerignore, and dockerfile_inline', async () => {
    const dir = join(root, 'outside');
    write(join(dir, 'src/a.txt'), 'a\n');
    write(join(dir, 'src/b.txt'), 'b\n');
    write(join(dir, 'src/.dockerignore'), 'a.txt\n');
    write(
      join(dir, 'docker/app.Dockerfile'),
      'FROM berth-local/busybox:latest\nARG GREETING=unset\nRUN mkdir /ctx && echo "$GREETING" > /greeting\nCOPY . /ctx\n',
    );
    write(join(dir, 'docker/app.Dockerfile.dockerignore'), 'b.txt\n');
    const outsideImage = `e2e-ctx-outside-${id}`;
    const inlineImage = `e2e-ctx-inline-${id}`;
    images.push(outsideImage, inlineImage);
    write(
      join(dir, 'compose.yaml'),
      [
        'services:',
        '  outside:',
        `    image: ${outsideImage}`,
        '    build:',
        '      context: ./src',
        '      dockerfile: ../docker/app.Dockerfile',
        '      args:',
        '        GREETING: hello-from-args',
        '  inline:',
        `    image: ${inlineImage}`,
        '    build:',
        '      context: ./src',
        '      dockerfile_inline: |',
        '        FROM berth-local/busybox:latest',
        '        COPY . /ctx',
        '',
      ].join('\n'),
    );
    const r = await berth(['-p', `e2e-ctx2-${id}`, 'build'], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
    const outside = await filesIn(outsideImage);
    // app.Dockerfile.dockerignore replaces src/.dockerignore: b.txt is out, a.txt is in.
    expect(outside).toContain('./a.txt');
    expect(outside).not.toContain('./b.txt');
    expect((await docker(['run', '--rm', outsideImage, 'cat', '/greeting'])).stdout).toBe('hello-from-args');
    images.push((await docker(['image', 'inspect', '-f', '{{.Id}}', outsideImage])).stdout);
    // build -q prints only the id; --build-arg overrides the stack's args.
    const quiet = await berth(['-p', `e2e-ctx2-${id}`, 'build', '-q', '--build-arg', 'GREETING=from-cli', 'outside'], {
      cwd: dir,
    });
    expect(quiet.exitCode, quiet.stderr).toBe(0);
    expect(quiet.stdout).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await docker(['run', '--rm', outsideImage, 'cat', '/greeting'])).stdout).toBe('from-cli');
    const inline = await filesIn(inlineImage);
    expect(inline).toContain('./b.txt');
    expect(inline).not.toContain('./a.txt');
  });

  it("builds a service whose Dockerfile starts FROM another service's image after that one", async () => {
    const dir = join(root, 'order');
    const base = `e2e-ctx-base-${id}`;
    const app = `e2e-ctx-app-${id}`;
    images.push(app, base);
    write(join(dir, 'base/Dockerfile'), 'FROM berth-local/busybox:latest\nRUN echo from-base > /base.txt\n');
    write(join(dir, 'app/Dockerfile'), `ARG BASE=${base}\nFROM \${BASE} AS runtime\nRUN cat /base.txt > /app.txt\n`);
    // "app" comes first in the file; without ordering its FROM would look for an image not built yet.
    write(
      join(dir, 'compose.yaml'),
      `services:\n  app:\n    image: ${app}\n    build: ./app\n  base:\n    image: ${base}\n    build: ./base\n`,
    );
    const r = await berth(['-p', `e2e-ctx3-${id}`, '--parallel', '4', 'build'], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
    expect((await docker(['run', '--rm', app, 'cat', '/app.txt'])).stdout).toBe('from-base');
  });
});
