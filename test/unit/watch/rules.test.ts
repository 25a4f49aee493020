/**
 * Which changes a develop.watch rule counts, and where a synced file lands: include and ignore patterns
 * relative to the rule's path, the build context's .dockerignore relative to the context, editors'
 * temporary files and `.git` left out, as Compose's `watchRule.Matches` decides.
 */
import { describe, expect, it } from 'vitest';
import type { WatchTrigger } from '../../../src/config/model.js';
import { compileRules, containerPathFor, matchRule, patternMatcher, skipsDir } from '../../../src/watch/rules.js';
import { project } from '../../helpers/project.js';

function rulesOf(triggers: WatchTrigger[], dockerignore: string[] = [], build = true) {
  const p = project('w', {
    web: { ...(build && { build: { context: '/app/web' } }), develop: { watch: triggers } },
  });
  return compileRules(p.services.web!, dockerignore);
}

const sync = (extra: Partial<WatchTrigger> = {}): WatchTrigger => ({
  path: '/app/web/src',
  action: 'sync',
  target: '/srv/src',
  ...extra,
});

describe('matching a changed path against a rule', () => {
  it('maps a file under the path to the same place under the target', () => {
    const [rule] = rulesOf([sync()]);
    expect(matchRule(rule!, '/app/web/src/lib/a.js')).toEqual({
      hostPath: '/app/web/src/lib/a.js',
      containerPath: '/srv/src/lib/a.js',
    });
  });

  it('does not count a path outside the rule, nor one that only shares its prefix', () => {
    const [rule] = rulesOf([sync()]);
    expect(matchRule(rule!, '/app/web/Dockerfile')).toBeUndefined();
    expect(matchRule(rule!, '/app/web/src2/a.js')).toBeUndefined();
  });

  it('ignores what the ignore patterns match, relative to the rule path, folders included', () => {
    const [rule] = rulesOf([sync({ ignore: ['node_modules/', '*.test.js'] })]);
    expect(matchRule(rule!, '/app/web/src/node_modules/x/index.js')).toBeUndefined();
    expect(matchRule(rule!, '/app/web/src/a.test.js')).toBeUndefined();
    expect(matchRule(rule!, '/app/web/src/a.js')).toBeDefined();
  });

  it('with include patterns, counts only what they match', () => {
    const [rule] = rulesOf([sync({ include: ['*.html', 'css/**'] })]);
    expect(matchRule(rule!, '/app/web/src/index.html')).toBeDefined();
    expect(matchRule(rule!, '/app/web/src/css/site.css')).toBeDefined();
    expect(matchRule(rule!, '/app/web/src/app.js')).toBeUndefined();
  });

  it("applies the build context's .dockerignore relative to the context, with its exceptions", () => {
    const [rule] = rulesOf([sync()], ['src/*.md', '!src/README.md', '**/*.tmp']);
    expect(matchRule(rule!, '/app/web/src/notes.md')).toBeUndefined();
    expect(matchRule(rule!, '/app/web/src/README.md')).toBeDefined();
    expect(matchRule(rule!, '/app/web/src/deep/x.tmp')).toBeUndefined();
  });

  it('has no .dockerignore to apply for a service that is not built', () => {
    const [rule] = rulesOf([sync()], ['src'], false);
    expect(matchRule(rule!, '/app/web/src/a.js')).toBeDefined();
  });

  it("leaves out editors' temporary files and anything in .git", () => {
    const [rule] = rulesOf([sync()]);
    for (const p of ['a.js~', '.a.js.swp', '4913', '.#a.js', '#a.js#', 'a.js___jb_tmp___', '.idea/x', '.git/HEAD'])
      expect(matchRule(rule!, `/app/web/src/${p}`), p).toBeUndefined();
  });

  it('gives a rebuild rule the path without a container path', () => {
    const [rule] = rulesOf([{ path: '/app/web/Dockerfile', action: 'rebuild' }]);
    expect(matchRule(rule!, '/app/web/Dockerfile')).toEqual({ hostPath: '/app/web/Dockerfile' });
  });
});

describe('target path mapping', () => {
  it('joins the relative path to the target with slashes', () => {
    expect(containerPathFor({ path: '/h/src', target: '/app' }, '/h/src/a/b.txt')).toBe('/app/a/b.txt');
    expect(containerPathFor({ path: '/h/src', target: '/app/' }, '/h/src/b.txt')).toBe('/app/b.txt');
  });

  it('maps a rule on one file, or the rule path itself, to the target', () => {
    expect(containerPathFor({ path: '/h/worker.sh', target: '/usr/local/bin/worker' }, '/h/worker.sh')).toBe(
      '/usr/local/bin/worker',
    );
    expect(containerPathFor({ path: '/h/src', target: '/app' }, '/h/src')).toBe('/app');
  });

  it('has none without a target', () => {
    expect(containerPathFor({ path: '/h/src' }, '/h/src/a')).toBeUndefined();
  });
});

describe('folders left unwatched', () => {
  it('skips a folder every covering rule ignores whole, and .git', () => {
    const rules = rulesOf([sync({ ignore: ['node_modules'] })]);
    expect(skipsDir(rules, '/app/web/src/node_modules')).toBe(true);
    expect(skipsDir(rules, '/app/web/src/.git')).toBe(true);
    expect(skipsDir(rules, '/app/web/src/lib')).toBe(false);
  });

  it('keeps a folder an exception could bring a file back from, or another rule counts', () => {
    expect(skipsDir(rulesOf([sync({ ignore: ['gen', '!gen/keep.js'] })]), '/app/web/src/gen')).toBe(false);
    const two = rulesOf([sync({ ignore: ['gen'] }), { path: '/app/web/src', action: 'restart' }]);
    expect(skipsDir(two, '/app/web/src/gen')).toBe(false);
  });
});

describe('patternMatcher', () => {
  it('matches what is in a matched folder, and nothing outside its root', () => {
    const m = patternMatcher('/r', ['build']);
    expect(m.matches('/r/build/x/y')).toBe(true);
    expect(m.matches('/other/build')).toBe(false);
    expect(m.matches('/r')).toBe(false);
  });
});
