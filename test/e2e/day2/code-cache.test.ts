/**
 * How bin/berth.cjs starts the bundle: from V8's code cache, one per command, and a lean one made by a
 * run that found its stack in the project cache (the usual run) preferred over the one a run that read
 * the stack's files made. Every run answers the same whatever cache it started from; `--debug` runs
 * the unbundled modules, whose stack traces name berth's functions.
 */
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { berth } from '../../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-code-cache-'));
const cacheHome = mkdtempSync(join(tmpdir(), 'berth-code-cache-home-'));
const codeDir = join(cacheHome, 'berth', 'code');
writeFileSync(join(dir, 'compose.yaml'), 'services:\n  web:\n    image: berth-local/busybox\n');

const services = () => berth(['config', '--services'], { cwd: dir, env: { XDG_CACHE_HOME: cacheHome } });
/** The code cache's files for `config`, without the build id. */
const files = (): string[] =>
  readdirSync(codeDir)
    .filter((f) => /-config[.-]/.test(f))
    .map((f) => f.replace(/^[0-9a-f]+-/, ''))
    .sort();

describe('the code cache', () => {
  it('keeps a lean cache apart from the one a run that read the stack made, and prefers it', async () => {
    const first = await services();
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toBe('web');
    expect(files()).toEqual(['config-read.bin']);

    // Served by the project cache: it starts from the only code cache there is, and asks for a lean one.
    expect((await services()).stdout).toBe('web');
    expect(files()).toEqual(['config-read.bin', 'config.want-lean']);

    // Compiled afresh, and the lean cache written.
    expect((await services()).stdout).toBe('web');
    expect(files()).toEqual(['config-read.bin', 'config.bin']);
    const lean = join(
      codeDir,
      readdirSync(codeDir).find((f) => f.endsWith('-config.bin'))!,
    );
    const made = statSync(lean).mtimeMs;
    expect(statSync(lean).size).toBeLessThan(statSync(lean.replace(/\.bin$/, '-read.bin')).size);

    // Used from now on, also by a run that reads the stack again; never rewritten.
    writeFileSync(join(dir, 'compose.yaml'), 'services:\n  api:\n    image: berth-local/busybox\n');
    expect((await services()).stdout).toBe('api');
    expect((await services()).stdout).toBe('api');
    expect(files()).toEqual(['config-read.bin', 'config.bin']);
    expect(statSync(lean).mtimeMs).toBe(made);
  });

  it('--debug runs the modules: the stack trace names the function that failed', async () => {
    const r = await berth(['--debug', '-f', join(dir, 'missing.yaml'), 'config', '-q'], {
      env: { XDG_CACHE_HOME: cacheHome },
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('StackNotFoundError: stack file not found');
    expect(r.stderr).toMatch(/at discoverFiles \(/);
  });
});
