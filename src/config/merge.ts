/**
 * Merging stack files (and `extends`) the way Compose does. Mappings merge key by key and scalars
 * are replaced; how each list merges is decided by ONE table keyed by path pattern. `!reset`
 * removes a key, `!override` replaces a value instead of merging it.
 */
import type { PortConfig } from './model.js';
import { portKey } from './ports.js';
import { isMapping, put, text, type PathSeg, type Positions } from './positions.js';

type Strategy =
  /** The later value replaces the earlier one. */
  | { kind: 'replace' }
  /** Lists: append, and an item with the same key as an earlier one replaces it in place. */
  | { kind: 'unique'; key: (item: unknown) => string }
  /** Mappings: replaced when both set different `driver`s, otherwise merged. */
  | { kind: 'logging' };

const json = (v: unknown): string => JSON.stringify(v);
const field =
  (name: string) =>
  (item: unknown): string =>
    isMapping(item) ? text(item[name] ?? json(item)) : json(item);
const mountTarget = (item: unknown): string => (isMapping(item) ? String(item.target ?? item.source) : json(item));

/** Per-path merge behaviour. Paths not listed: mappings merge, lists append without duplicates. */
export const MERGE_RULES: [pattern: string, strategy: Strategy][] = [
  ['services.*.command', { kind: 'replace' }],
  ['services.*.entrypoint', { kind: 'replace' }],
  ['services.*.healthcheck.test', { kind: 'replace' }],
  ['services.*.ulimits.*', { kind: 'replace' }],
  ['services.*.build.ulimits.*', { kind: 'replace' }],
  ['services.*.logging', { kind: 'logging' }],
  ['services.*.ports', { kind: 'unique', key: (p) => portKey(p as PortConfig) }],
  ['services.*.volumes', { kind: 'unique', key: field('target') }],
  ['services.*.secrets', { kind: 'unique', key: mountTarget }],
  ['services.*.configs', { kind: 'unique', key: mountTarget }],
  ['services.*.build.secrets', { kind: 'unique', key: mountTarget }],
  ['services.*.devices', { kind: 'unique', key: field('target') }],
  ['services.*.env_file', { kind: 'unique', key: field('path') }],
  ['services.*.extra_hosts', { kind: 'unique', key: json }],
  ['networks.*.ipam.config', { kind: 'unique', key: field('subnet') }],
];

function matches(pattern: string[], path: readonly PathSeg[]): boolean {
  if (pattern.length !== path.length) return false;
  return pattern.every((p, i) => p === '*' || p === String(path[i]));
}

const COMPILED = MERGE_RULES.map(([p, s]) => [p.split('.'), s] as const);

function strategyFor(path: readonly PathSeg[]): Strategy | undefined {
  for (const [p, s] of COMPILED) if (matches(p, path)) return s;
  return undefined;
}

/**
 * Merge `over` into `base` (mutated and returned). Positions of values taken from `over` come
 * along, so errors found later point into the file that wrote the value.
 */
export function mergeMappings(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
  path: PathSeg[],
  positions: Positions,
): Record<string, unknown> {
  for (const key of positions.resetKeys(over)) delete base[key];
  for (const [key, value] of Object.entries(over)) {
    const here = [...path, key];
    if (!Object.prototype.hasOwnProperty.call(base, key) || positions.isOverride(over, key)) {
      put(base, key, value);
      positions.copyEntry(over, key, base, key);
      continue;
    }
    const merged = mergeValue(base[key], value, here, positions);
    if (merged.fromOver) positions.copyEntry(over, key, base, key);
    put(base, key, merged.value);
  }
  return base;
}

function mergeValue(
  base: unknown,
  over: unknown,
  path: PathSeg[],
  positions: Positions,
): { value: unknown; fromOver: boolean } {
  if (over === null || over === undefined) return { value: base, fromOver: false };
  const strategy = strategyFor(path);
  if (strategy?.kind === 'replace') return { value: over, fromOver: true };
  if (strategy?.kind === 'logging' && isMapping(base) && isMapping(over)) {
    if (base.driver !== undefined && over.driver !== undefined && base.driver !== over.driver)
      return { value: over, fromOver: true };
    return { value: mergeMappings(base, over, path, positions), fromOver: false };
  }
  if (isMapping(base) && isMapping(over)) return { value: mergeMappings(base, over, path, positions), fromOver: false };
  if (Array.isArray(base) && Array.isArray(over)) {
    const key = strategy?.kind === 'unique' ? strategy.key : json;
    return { value: mergeLists(base, over, key, positions), fromOver: false };
  }
  return { value: over, fromOver: true };
}

function mergeLists(base: unknown[], over: unknown[], key: (item: unknown) => string, positions: Positions): unknown[] {
  const out: unknown[] = [];
  positions.setSelf(out, positions.self(base));
  const index = new Map<string, number>();
  const add = (src: unknown[], i: number): void => {
    const item = src[i];
    const k = key(item);
    const at = index.get(k);
    if (at === undefined) {
      index.set(k, out.length);
      positions.copyEntry(src, i, out, out.length);
      out.push(item);
    } else {
      out[at] = item;
      positions.copyEntry(src, i, out, at);
    }
  };
  base.forEach((_, i) => add(base, i));
  over.forEach((_, i) => add(over, i));
  return out;
}

/** Deep copy of a tree, positions and `!reset`/`!override` marks included. */
export function cloneTree<T>(v: T, positions: Positions): T {
  if (Array.isArray(v)) {
    const out = v.map((x) => cloneTree(x as unknown, positions));
    positions.setSelf(out, positions.self(v));
    v.forEach((_, i) => positions.copyEntry(v, i, out, i));
    return out as T;
  }
  if (isMapping(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      put(out, k, cloneTree(x, positions));
      positions.copyEntry(v, k, out, k);
      if (positions.isOverride(v, k)) positions.markOverride(out, k);
    }
    for (const k of positions.resetKeys(v)) positions.markReset(out, k);
    positions.setSelf(out, positions.self(v));
    return out as T;
  }
  return v;
}
