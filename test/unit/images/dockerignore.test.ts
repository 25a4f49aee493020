/** `.dockerignore` as the engine's client reads it, and which file's rules apply. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ignoreFileCandidates,
  ignoreMatcher,
  loadIgnorePatterns,
  parseIgnoreFile,
} from '../../../src/runtime/docker/dockerignore.js';

describe('parseIgnoreFile', () => {
  it('drops comments and blank lines and trims each pattern', () => {
    expect(parseIgnoreFile('# a comment\n\n  node_modules  \r\n*.log\n!keep.log\n')).toEqual([
      'node_modules',
      '*.log',
      '!keep.log',
    ]);
  });
});

describe('ignoreMatcher', () => {
  const m = ignoreMatcher(['*.env', '!important.env', 'docs', '!docs/keep.md', '**/*.tmp', '/build'], ['Dockerfile']);

  it('matches at the context root only unless ** says otherwise', () => {
    expect(m.ignores('local.env')).toBe(true);
    expect(m.ignores('sub/local.env')).toBe(false);
    expect(m.ignores('a/b/c.tmp')).toBe(true);
    expect(m.ignores('build')).toBe(true);
  });

  it('lets the last matching pattern win, so ! brings a path back, even inside an ignored folder', () => {
    expect(m.ignores('important.env')).toBe(false);
    expect(m.ignores('docs')).toBe(true);
    expect(m.ignores('docs/guide.md')).toBe(true);
    expect(m.ignores('docs/keep.md')).toBe(false);
    expect(m.hasExceptions).toBe(true);
  });

  it('always keeps the paths it is told to keep (the Dockerfile)', () => {
    expect(ignoreMatcher(['*'], ['Dockerfile']).ignores('Dockerfile')).toBe(false);
    expect(ignoreMatcher(['*']).ignores('Dockerfile')).toBe(true);
  });
});

describe('which ignore file', () => {
  it("prefers <Dockerfile>.dockerignore beside the Dockerfile, then the context's .dockerignore", async () => {
    expect(ignoreFileCandidates('/ctx', '/elsewhere/app.Dockerfile')).toEqual([
      '/elsewhere/app.Dockerfile.dockerignore',
      '/ctx/.dockerignore',
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'berth-ignore-'));
    writeFileSync(join(dir, '.dockerignore'), 'from-context\n');
    expect((await loadIgnorePatterns(dir, join(dir, 'Dockerfile'))).patterns).toEqual(['from-context']);
    writeFileSync(join(dir, 'Dockerfile.dockerignore'), 'from-dockerfile\n');
    expect(await loadIgnorePatterns(dir, join(dir, 'Dockerfile'))).toEqual({
      file: join(dir, 'Dockerfile.dockerignore'),
      patterns: ['from-dockerfile'],
    });
    expect(await loadIgnorePatterns(join(dir, 'missing'), undefined)).toEqual({ patterns: [] });
  });
});
