/**
 * Which `develop.watch` rule a changed file falls under, and where it goes in the container: the pure
 * part of watching, as Docker Compose decides it (`pkg/compose/watch.go` `watchRule.Matches`). A change
 * counts for a rule when it is under the rule's `path`, matches its `include` patterns (when it has
 * some), and is not ignored: by the build context's `.dockerignore`, by the rule's `ignore` patterns
 * (relative to its `path`), by the editors' temporary files Compose leaves out, or by being inside a
 * `.git` folder (Compose ignores only a `.git` at the filesystem root, by an accident of its path
 * handling; a repository's own `.git` changing on every commit is never what a rule means).
 */
import dockerignore from '@balena/dockerignore';
import { isAbsolute, posix, relative, sep } from 'node:path';
import type { ServiceConfig, WatchAction, WatchTrigger } from '../config/model.js';

// The package is CommonJS (`module.exports = factory`) while its types declare a default export.
const ignoreFactory = dockerignore as unknown as typeof dockerignore.default;

/** Paths matched by .dockerignore-style patterns, relative to a root folder. */
export interface PathMatcher {
  /** Whether the absolute path (or a folder it is in) matches. */
  matches(absPath: string): boolean;
  /** Whether every path under this folder matches too: no `!` exception could bring one back. */
  matchesWholeDir(absDir: string): boolean;
}

/** The path from `root` to `absPath` with `/` separators; undefined when it is not under `root`. */
export function relativeInside(root: string, absPath: string): string | undefined {
  const rel = relative(root, absPath);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return sep === '/' ? rel : rel.split(sep).join('/');
}

/** A matcher over .dockerignore patterns, rooted at `root` (as the docker CLI's: a folder matched matches what is in it). */
export function patternMatcher(root: string, patterns: readonly string[]): PathMatcher {
  const cleaned = patterns.map((p) => p.trim()).filter((p) => p !== '' && !p.startsWith('#'));
  if (cleaned.length === 0) return NOTHING;
  const ig = ignoreFactory().add(cleaned);
  const exceptions = cleaned.some((p) => p.startsWith('!'));
  const matches = (absPath: string): boolean => {
    const rel = relativeInside(root, absPath);
    return rel !== undefined && ig.ignores(rel);
  };
  return { matches, matchesWholeDir: (dir) => !exceptions && matches(dir) };
}

const NOTHING: PathMatcher = { matches: () => false, matchesWholeDir: () => false };

/** A path matched by any of the matchers. */
export function anyOf(...matchers: PathMatcher[]): PathMatcher {
  return {
    matches: (p) => matchers.some((m) => m.matches(p)),
    matchesWholeDir: (d) => matchers.some((m) => m.matchesWholeDir(d)),
  };
}

/**
 * The temporary files of editors, which Compose never syncs (`pkg/watch/ephemeral.go`): GoLand's
 * `___jb_old___`/`___jb_tmp___` and `.idea`, Emacs' `.#x` and `#x#`, Vim's `4913`, `x~` and swap files.
 */
const EPHEMERAL = [
  /___jb_(old|tmp)___$/,
  /(^|\/)\.idea(\/|$)/,
  /(^|\/)\.#[^/]*$/,
  /(^|\/)#[^/]*#$/,
  /(^|\/)4913$/,
  /~$/,
  /(^|\/)\.[^/]*\.sw[pxon]$/,
];

/** Editor temporaries and anything inside a `.git` folder. */
export const EPHEMERAL_OR_GIT: PathMatcher = {
  matches: (p) => {
    const slashed = sep === '/' ? p : p.split(sep).join('/');
    return /(^|\/)\.git(\/|$)/.test(slashed) || EPHEMERAL.some((re) => re.test(slashed));
  },
  matchesWholeDir: (d) => /(^|[\\/])(\.git|\.idea)$/.test(d),
};

/** One `develop.watch` rule, ready to match changes against. */
export interface WatchRule {
  service: string;
  /** Its index in the service's `develop.watch`. */
  index: number;
  action: WatchAction;
  /** Absolute host path the rule watches (a folder or a file). */
  path: string;
  target?: string;
  trigger: WatchTrigger;
  ignore: PathMatcher;
  /** Absent: every path under `path` is included. */
  include?: PathMatcher;
}

/** A changed host path and where it goes in the container (sync actions; absent without a target). */
export interface PathMapping {
  hostPath: string;
  containerPath?: string;
}

/**
 * The service's rules. `dockerignore`: the patterns of its build context's ignore file (none when the
 * service is not built), matched relative to the context, as Compose matches them.
 */
export function compileRules(service: ServiceConfig, dockerignore: readonly string[] = []): WatchRule[] {
  const context = service.build?.context;
  const contextIgnore = context !== undefined && isAbsolute(context) ? patternMatcher(context, dockerignore) : NOTHING;
  return (service.develop?.watch ?? []).map((trigger, index) => ({
    service: service.name,
    index,
    action: trigger.action,
    path: trigger.path,
    ...(trigger.target !== undefined && trigger.target !== '' && { target: trigger.target }),
    trigger,
    ignore: anyOf(contextIgnore, EPHEMERAL_OR_GIT, patternMatcher(trigger.path, trigger.ignore ?? [])),
    ...(trigger.include !== undefined &&
      trigger.include.length > 0 && { include: patternMatcher(trigger.path, trigger.include) }),
  }));
}

/** Whether `child` is `parent` or inside it. */
export function isInside(parent: string, child: string): boolean {
  return child === parent || child.startsWith(parent.endsWith(sep) ? parent : `${parent}${sep}`);
}

/**
 * Where the file at `hostPath`, under the rule's path, goes in the container: the target joined with
 * the path relative to the rule's (always `/`-separated). A rule on a single file maps it to the target.
 */
export function containerPathFor(rule: Pick<WatchRule, 'path' | 'target'>, hostPath: string): string | undefined {
  if (rule.target === undefined) return undefined;
  const rel = relativeInside(rule.path, hostPath);
  return rel === undefined ? posix.normalize(rule.target) : posix.join(rule.target, rel);
}

/** The rule's mapping for a changed path, or undefined when the change does not count for the rule. */
export function matchRule(rule: WatchRule, hostPath: string): PathMapping | undefined {
  if (!isInside(rule.path, hostPath)) return undefined;
  if (rule.include && !rule.include.matches(hostPath)) return undefined;
  if (rule.ignore.matches(hostPath)) return undefined;
  const containerPath = containerPathFor(rule, hostPath);
  return containerPath === undefined ? { hostPath } : { hostPath, containerPath };
}

/**
 * Whether a folder can be left unwatched: every rule that covers it ignores all of it (its
 * `.dockerignore` or `ignore` patterns without exceptions, `.git`), so no change under it could count.
 * Keeps a large `node_modules` from costing a watch per folder.
 */
export function skipsDir(rules: readonly WatchRule[], dir: string): boolean {
  const covering = rules.filter((r) => isInside(r.path, dir) && r.path !== dir);
  return covering.length > 0 && covering.every((r) => r.ignore.matchesWholeDir(dir));
}
