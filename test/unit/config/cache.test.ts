/**
 * The project cache (config/cache.ts): a hit gives exactly what a fresh load gives, and anything a load
 * depends on (a file's bytes, a file appearing or disappearing, a variable the stack uses, the options,
 * the build) makes it load afresh. Errors are never cached. No value a stack uses is ever in an entry's
 * bytes.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cacheKey, loadProjectCached, type ProjectCache } from '../../../src/config/cache.js';
import { loadProject, type LoadOptions } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/errors.js';
import { corpusCases, writeStack } from './helpers.js';

let cache: ProjectCache;
beforeEach(() => {
  cache = { dir: join(mkdtempSync(join(tmpdir(), 'berth-cache-')), 'projects'), build: 'test-build' };
});
afterEach(() => rmSync(resolve(cache.dir, '..'), { recursive: true, force: true }));

const entries = (): string[] => (existsSync(cache.dir) ? readdirSync(cache.dir) : []);
const entryFile = (opts: LoadOptions, build = cache.build): string => join(cache.dir, `${cacheKey(opts, build)}.json`);

/** Loads twice through the cache; says whether the second load was a hit (its entry left as it was). */
async function twice(opts: LoadOptions): Promise<{ first: unknown; second: unknown; hit: boolean }> {
  const first = await loadProjectCached(opts, cache);
  const file = entryFile(opts);
  // Mark the entry: a hit leaves it alone, a miss writes it anew.
  const entry = JSON.parse(readFileSync(file, 'utf8')) as { marked?: boolean };
  writeFileSync(file, JSON.stringify({ ...entry, marked: true }));
  const second = await loadProjectCached(opts, cache);
  const hit = (JSON.parse(readFileSync(file, 'utf8')) as { marked?: boolean }).marked === true;
  return { first, second, hit };
}

describe('project cache', () => {
  it('gives back exactly what a fresh load gives, for every stack of the corpus that loads', async () => {
    let loaded = 0;
    for (const { name, opts } of corpusCases()) {
      let fresh;
      try {
        fresh = await loadProject(opts);
      } catch (e) {
        if (e instanceof ConfigError) continue;
        throw e;
      }
      const { first, second, hit } = await twice(opts);
      expect(hit, name).toBe(true);
      // toStrictEqual: a property that is there but undefined must still be there after the round trip.
      expect(first, name).toStrictEqual(fresh);
      expect(second, name).toStrictEqual(fresh);
      loaded++;
    }
    expect(loaded).toBeGreaterThanOrEqual(20);
  });

  it('loads afresh when a file read changes, and when a file it looked for appears or disappears', async () => {
    const dir = writeStack({
      'compose.yaml': 'services:\n  web:\n    image: busybox\n    environment:\n      - GREETING=${GREETING}\n',
      '.env': 'GREETING=hello\n',
    });
    const opts: LoadOptions = { cwd: dir, env: {} };
    expect((await twice(opts)).hit).toBe(true);

    writeFileSync(join(dir, '.env'), 'GREETING=howdy\n');
    let r = await loadProjectCached(opts, cache);
    expect(r.project.services.web!.environment.GREETING).toBe('howdy');

    // An override file the first load looked for and did not find.
    writeFileSync(join(dir, 'compose.override.yaml'), 'services:\n  web:\n    image: busybox:1.36\n');
    r = await loadProjectCached(opts, cache);
    expect(r.project.services.web!.image).toBe('busybox:1.36');

    unlinkSync(join(dir, '.env'));
    r = await loadProjectCached(opts, cache);
    expect(r.project.services.web!.environment.GREETING).toBe('');
    const unset = `${join(dir, 'compose.yaml')}:5:9: services.web.environment[0]: The "GREETING" variable is not set. Defaulting to a blank string.`;
    expect(r.warnings).toContain(unset);
    // The warning is said again on a hit.
    expect((await loadProjectCached(opts, cache)).warnings).toContain(unset);
  });

  it('keys entries by the options and the build, and checks the variables the stack uses', async () => {
    const dir = writeStack({
      'compose.yaml':
        'services:\n  web:\n    image: busybox:${TAG:-latest}\n    profiles: [extra]\n  db:\n    image: busybox\n    environment: [PASSED]\n',
    });
    const base: LoadOptions = { cwd: dir, env: { TAG: '1', PASSED: 'a' } };
    expect((await loadProjectCached(base, cache)).project.services.web).toBeUndefined();
    const extra = { ...base, profiles: ['extra'] };
    expect(
      (await loadProjectCached({ ...extra, env: { TAG: '2', PASSED: 'a' } }, cache)).project.services.web!.image,
    ).toBe('busybox:2');
    expect((await loadProjectCached(extra, cache)).project.services.web!.image).toBe('busybox:1');
    // A variable passed through to the container, unset or changed, is seen too.
    expect((await loadProjectCached({ ...extra, env: { TAG: '1' } }, cache)).project.services.db!.environment).toEqual({
      PASSED: null,
    });
    expect(
      (await loadProjectCached({ ...extra, env: { TAG: '1', PASSED: 'b' } }, cache)).project.services.db!.environment,
    ).toEqual({ PASSED: 'b' });
    // A variable the stack never uses does not spoil the entry; `environment` is still the whole shell's.
    const { hit } = await twice({ ...extra, env: { TAG: '1', PASSED: 'b', RANDOM_OTHER: 'x' } });
    expect(hit).toBe(true);
    expect(
      (await loadProjectCached({ ...extra, env: { TAG: '1', PASSED: 'b', RANDOM_OTHER: 'y' } }, cache)).environment
        .RANDOM_OTHER,
    ).toBe('y');
    expect(cacheKey(base, 'a')).not.toBe(cacheKey(base, 'b'));
    expect(cacheKey(base, 'a')).toBe(cacheKey({ ...base, env: {} }, 'a'));
    expect(entries()).toHaveLength(2);
  });

  it('never stores a failed load: a stack broken again fails again', async () => {
    const dir = writeStack({ 'compose.yaml': 'services:\n  web:\n    image: busybox\n' });
    const opts: LoadOptions = { cwd: dir, env: {} };
    await loadProjectCached(opts, cache);
    writeFileSync(join(dir, 'compose.yaml'), 'services:\n  web:\n    imagee: busybox\n');
    await expect(loadProjectCached(opts, cache)).rejects.toBeInstanceOf(ConfigError);
    await expect(loadProjectCached(opts, cache)).rejects.toBeInstanceOf(ConfigError);
    writeFileSync(join(dir, 'compose.yaml'), 'services:\n  web:\n    image: busybox\n');
    expect((await loadProjectCached(opts, cache)).project.services.web!.image).toBe('busybox');
  });

  it('writes entries readable by their owner only, and reads a stack from stdin afresh every time', async () => {
    const dir = writeStack({});
    const opts: LoadOptions = {
      cwd: dir,
      env: {},
      files: ['-'],
      readStdin: () => Promise.resolve('services:\n  a:\n    image: busybox\n'),
    };
    expect(Object.keys((await loadProjectCached(opts, cache)).project.services)).toEqual(['a']);
    expect(entries()).toEqual([]);

    const stack = writeStack({ 'compose.yaml': 'services:\n  web:\n    image: busybox\n' });
    await loadProjectCached({ cwd: stack, env: {} }, cache);
    const [name] = entries();
    expect(readdirSync(cache.dir)).toHaveLength(1);
    const { statSync } = await import('node:fs');
    expect(statSync(join(cache.dir, name!)).mode & 0o777).toBe(0o600);
    expect(statSync(cache.dir).mode & 0o777).toBe(0o700);
  });

  describe('keeps no value on disk', () => {
    const canary = (): string => `canary-${randomUUID()}`;
    /** Every way a value could sit in a file: as is, in base64 (a deflated label was), in hex. */
    const forms = (value: string): string[] => [
      value,
      Buffer.from(value).toString('base64').slice(0, 20),
      Buffer.from(value).toString('hex'),
    ];
    const cacheBytes = (): string =>
      entries()
        .map((n) => readFileSync(join(cache.dir, n), 'latin1'))
        .join('\n');

    it('of .env, env_file or the shell, while a hit still gives every value back', async () => {
      const [fromDotenv, fromEnvFile, fromShell] = [canary(), canary(), canary()];
      const dir = writeStack({
        'compose.yaml':
          'services:\n  web:\n    image: busybox\n    command: ["echo", "${SHELL_TOKEN}"]\n    env_file: [app.env]\n    environment:\n      DOTENV_TOKEN: ${DOTENV_TOKEN}\n      PASSED:\n    labels:\n      token: ${DOTENV_TOKEN}\n',
        '.env': `DOTENV_TOKEN=${fromDotenv}\n`,
        'app.env': `FILE_TOKEN=${fromEnvFile}\n`,
      });
      const opts: LoadOptions = { cwd: dir, env: { SHELL_TOKEN: fromShell, PASSED: fromShell } };
      const { first, second, hit } = await twice(opts);
      expect(hit).toBe(true);
      expect(second).toStrictEqual(first);
      const web = (second as Awaited<ReturnType<typeof loadProjectCached>>).project.services.web!;
      expect(web.environment).toMatchObject({ DOTENV_TOKEN: fromDotenv, FILE_TOKEN: fromEnvFile, PASSED: fromShell });
      expect(web.command).toEqual(['echo', fromShell]);
      expect((second as Awaited<ReturnType<typeof loadProjectCached>>).environment.DOTENV_TOKEN).toBe(fromDotenv);

      const bytes = cacheBytes();
      expect(bytes.length).toBeGreaterThan(0);
      for (const value of [fromDotenv, fromEnvFile, fromShell])
        for (const form of forms(value)) expect(bytes).not.toContain(form);
      // Nor an unsalted digest of a file that holds one, which anyone could compare with a guess.
      for (const name of ['.env', 'app.env']) {
        const data = readFileSync(join(dir, name));
        for (const algo of ['sha1', 'sha256'])
          for (const enc of ['base64', 'hex'] as const)
            expect(bytes).not.toContain(createHash(algo).update(data).digest(enc).slice(0, 16));
      }
    });

    it('and what it cannot open it does not use: another value, another salt, a tampered payload', async () => {
      const secret = canary();
      const dir = writeStack({
        'compose.yaml': 'services:\n  web:\n    image: busybox\n    environment:\n      TOKEN: ${TOKEN}\n',
      });
      const opts: LoadOptions = { cwd: dir, env: { TOKEN: secret } };
      await loadProjectCached(opts, cache);
      const file = entryFile(opts);
      const entry = JSON.parse(readFileSync(file, 'utf8')) as {
        salt: string;
        payload: string;
        checks: { question: string; answer: string }[];
      };
      expect(entry.checks.map((c) => c.question)).toContain('v:TOKEN');

      const tampered = Buffer.from(entry.payload, 'base64');
      tampered[0]! ^= 1;
      for (const bad of [
        { ...entry, payload: tampered.toString('base64') },
        { ...entry, salt: Buffer.alloc(16).toString('base64') },
        { ...entry, checks: [] },
      ]) {
        writeFileSync(file, JSON.stringify({ ...bad, marked: true }));
        expect((await loadProjectCached(opts, cache)).project.services.web!.environment.TOKEN).toBe(secret);
        // Loaded afresh: the entry was written again.
        expect((JSON.parse(readFileSync(file, 'utf8')) as { marked?: boolean }).marked).toBeUndefined();
      }
      const other = canary();
      expect(
        (await loadProjectCached({ ...opts, env: { TOKEN: other } }, cache)).project.services.web!.environment.TOKEN,
      ).toBe(other);
      expect(cacheBytes()).not.toContain(other);
    });

    it('and an entry an earlier build wrote in the clear is removed by the next write', async () => {
      const secret = canary();
      const stale = join(cache.dir, 'f'.repeat(32) + '.json');
      const dir = writeStack({ 'compose.yaml': 'services:\n  web:\n    image: busybox\n' });
      await loadProjectCached({ cwd: dir, env: {} }, cache);
      writeFileSync(
        stale,
        JSON.stringify({
          format: 1,
          journal: [{ variable: 'TOKEN', value: secret }],
          result: {},
          dotenv: { TOKEN: secret },
        }),
      );
      writeFileSync(join(dir, 'compose.yaml'), 'services:\n  web:\n    image: busybox:1.36\n');
      await loadProjectCached({ cwd: dir, env: {} }, cache);
      expect(existsSync(stale)).toBe(false);
      expect(cacheBytes()).not.toContain(secret);
    });
  });
});
