/**
 * Source positions for a parsed stack tree. Values are plain JS data; positions live beside them,
 * keyed by (container object, key or index), so they survive interpolation, merging and the
 * short-to-long rewrites, each of which copies the entries it moves.
 */

export interface Pos {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

export interface EntryPos {
  /** Where the key is written (mappings only). */
  key?: Pos;
  /** Where the value is written. */
  value: Pos;
}

export type Key = string | number;
export type PathSeg = string | number;

interface NodeInfo {
  self?: Pos;
  entries: Map<Key, EntryPos>;
}

export class Positions {
  private readonly nodes = new WeakMap<object, NodeInfo>();
  /** Keys tagged `!reset` in a mapping (the key is absent from the mapping itself). */
  private readonly resets = new WeakMap<object, Set<string>>();
  /** Keys tagged `!override` in a mapping. */
  private readonly overrides = new WeakMap<object, Set<string>>();

  private info(obj: object): NodeInfo {
    let i = this.nodes.get(obj);
    if (!i) {
      i = { entries: new Map() };
      this.nodes.set(obj, i);
    }
    return i;
  }

  setSelf(obj: object, pos: Pos | undefined): void {
    if (pos) this.info(obj).self = pos;
  }

  self(obj: object): Pos | undefined {
    return this.nodes.get(obj)?.self;
  }

  setEntry(obj: object, key: Key, entry: EntryPos | undefined): void {
    if (entry) this.info(obj).entries.set(key, entry);
  }

  entry(obj: object, key: Key): EntryPos | undefined {
    return this.nodes.get(obj)?.entries.get(key);
  }

  /** Position of the value at `obj[key]`, falling back to the container's own position. */
  valueAt(obj: object, key: Key): Pos | undefined {
    return this.entry(obj, key)?.value ?? this.self(obj);
  }

  keyAt(obj: object, key: Key): Pos | undefined {
    const e = this.entry(obj, key);
    return e?.key ?? e?.value ?? this.self(obj);
  }

  copyEntry(from: object, fromKey: Key, to: object, toKey: Key): void {
    const e = this.entry(from, fromKey);
    if (e) this.setEntry(to, toKey, e);
  }

  /**
   * Give `value` (a freshly built object or array) and everything under it the position `pos`,
   * where no position is known yet. Used for long forms built from a short string.
   */
  stamp(value: unknown, pos: Pos | undefined): void {
    if (!pos || value === null || typeof value !== 'object') return;
    const info = this.info(value);
    info.self ??= pos;
    const keys: Key[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
    for (const k of keys) {
      if (!info.entries.has(k)) info.entries.set(k, { value: pos });
      this.stamp((value as Record<Key, unknown>)[k], pos);
    }
  }

  markReset(obj: object, key: string): void {
    let s = this.resets.get(obj);
    if (!s) this.resets.set(obj, (s = new Set()));
    s.add(key);
  }

  resetKeys(obj: object): ReadonlySet<string> {
    return this.resets.get(obj) ?? EMPTY;
  }

  markOverride(obj: object, key: string): void {
    let s = this.overrides.get(obj);
    if (!s) this.overrides.set(obj, (s = new Set()));
    s.add(key);
  }

  isOverride(obj: object, key: string): boolean {
    return this.overrides.get(obj)?.has(key) ?? false;
  }

  /**
   * The position of `path` under `root`: the deepest known one. `which` chooses the key or the
   * value position for the last segment.
   */
  locate(root: unknown, path: readonly PathSeg[], which: 'key' | 'value' = 'value'): Pos | undefined {
    let node: unknown = root;
    let best: Pos | undefined = isObject(root) ? this.self(root) : undefined;
    for (let i = 0; i < path.length; i++) {
      if (!isObject(node)) break;
      const seg = path[i]!;
      const e = this.entry(node, seg);
      if (e) best = which === 'key' && i === path.length - 1 ? (e.key ?? e.value) : e.value;
      node = (node as Record<Key, unknown>)[seg];
    }
    return best;
  }
}

const EMPTY: ReadonlySet<string> = new Set();

export function isObject(v: unknown): v is object {
  return v !== null && typeof v === 'object';
}

export function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** `services.web.ports[0]`; keys that are not plain words are quoted: `labels["com.example"]`. */
export function formatPath(path: readonly PathSeg[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** `obj[key] = value`, safe for keys such as "__proto__" that come from user files. */
export function put(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

/** Text of a scalar from a user file (objects, which the schema keeps out, as JSON). */
export function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return v.toString();
  return JSON.stringify(v) ?? '';
}
