/**
 * YAML text -> plain data with a position for every node. We walk yaml's AST ourselves instead of
 * calling toJS(): that keeps positions, lets us check duplicate keys in linear time, resolve `<<`
 * merge keys and aliases under a node budget (alias bombs), read `0440` as octal like Compose
 * does, and record the `!reset` / `!override` tags. Any other tag is an error: Compose ignores it, which
 * hides a typo (`!rest`) or a tag meant for another tool.
 */
import {
  Alias,
  isAlias,
  isMap,
  isNode,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  visit,
  type Document,
  type Node,
  type Pair,
  type Scalar,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
import type { Issues } from './issues.js';
import { put, text, type PathSeg, type Pos, type Positions } from './positions.js';

export const MAX_FILE_BYTES = 10 * 1024 * 1024;
const MAX_NODES = 500_000;
const MAX_DEPTH = 200;

export interface ParsedFile {
  file: string;
  /** The first document's top-level mapping ({} for an empty file); undefined when unreadable. */
  root: Record<string, unknown> | undefined;
  /** Every non-empty document's top-level mapping, in order (at least one); undefined when unreadable. */
  documents: Record<string, unknown>[] | undefined;
}

/** Decode file bytes as UTF-8 text, rejecting binary data and oversized files. */
export function decodeText(bytes: Uint8Array, file: string, issues: Issues): string | undefined {
  if (bytes.length > MAX_FILE_BYTES) {
    issues.add(
      undefined,
      '',
      `file is too large (${bytes.length} bytes; the limit is ${MAX_FILE_BYTES})`,
      undefined,
      file,
    );
    return undefined;
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    issues.add(
      undefined,
      '',
      `file is not text: it contains a NUL byte at offset ${nul}`,
      'is this really a compose file?',
      file,
    );
    return undefined;
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    issues.add(undefined, '', 'file is not valid UTF-8 text', 'is this really a compose file?', file);
    return undefined;
  }
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

/**
 * Parse a stack file. A file may hold several YAML documents (`---`): as Docker Compose v2 does,
 * each is a layer of its own, merged in order by the loader; empty documents are skipped.
 * Problems go to `issues`; the documents are returned when there were none.
 */
export function parseYaml(text: string, file: string, positions: Positions, issues: Issues): ParsedFile {
  const lc = new LineCounter();
  const pos = (offset: number | undefined): Pos => {
    const p = lc.linePos(offset ?? 0);
    return { file, line: p.line, column: p.col };
  };
  const parsed = parseAllDocuments(text, {
    lineCounter: lc,
    uniqueKeys: false,
    merge: false,
    prettyErrors: false,
    keepSourceTokens: false,
    version: '1.2',
    schema: 'core',
  });
  const docs = 'empty' in parsed ? [] : parsed;
  const before = issues.count;
  const streamErrors = 'empty' in parsed ? parsed.errors : [];
  for (const err of [...streamErrors, ...docs.flatMap((d) => d.errors)])
    issues.add(pos(err.pos[0]), '', `YAML syntax error: ${firstLine(err.message)}`);
  if (issues.count > before) return { file, root: undefined, documents: undefined };

  const documents: Record<string, unknown>[] = [];
  for (const doc of docs) {
    const conv = new Converter(doc, pos, positions, issues);
    const contents = doc.contents;
    if (contents === null || (isScalar(contents) && contents.value === null)) continue;
    const value = conv.node(contents, [], 0);
    if (issues.count > before) continue;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      issues.add(
        pos(contents.range?.[0]),
        '',
        'the top level of a stack file must be a mapping',
        'start with "services:"',
      );
      continue;
    }
    positions.setSelf(value, pos(contents.range?.[0]));
    documents.push(value as Record<string, unknown>);
  }
  if (issues.count > before) return { file, root: undefined, documents: undefined };
  if (documents.length === 0) documents.push({});
  return { file, root: documents[0], documents };
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

const OCTAL = /^[-+]?0[0-7]+$/;

/** The tags Compose gives a meaning to; YAML's own (`!!str`, `!!int`, ...) are resolved by the parser. */
const COMPOSE_TAGS = new Set(['!reset', '!override']);
const YAML_TAG = 'tag:yaml.org,2002:';
const TAG_HINT =
  'stack files know only !reset and !override (on a value in a mapping); remove the tag, or quote the value if the "!" is part of it';

/**
 * Alias -> anchored node, in one pass (yaml's Alias.resolve() walks the whole document for each
 * alias, which is quadratic on files with many `<<: *base`). An alias refers to the latest anchor
 * of that name written before it.
 */
function aliasTargets(doc: Document): Map<Alias, Node> {
  const anchors = new Map<string, Node>();
  const targets = new Map<Alias, Node>();
  visit(doc, (_key, node) => {
    if (isAlias(node)) {
      const t = anchors.get(node.source);
      if (t) targets.set(node, t);
    } else if (isNode(node) && node.anchor) {
      anchors.set(node.anchor, node);
    }
  });
  return targets;
}

class Converter {
  private nodes = 0;
  private budgetReported = false;
  private readonly targets: Map<Alias, Node>;

  constructor(
    doc: Document,
    private readonly pos: (offset: number | undefined) => Pos,
    private readonly positions: Positions,
    private readonly issues: Issues,
  ) {
    this.targets = aliasTargets(doc);
  }

  private tooBig(path: readonly PathSeg[], at: Pos): boolean {
    if (++this.nodes <= MAX_NODES) return false;
    if (!this.budgetReported) {
      this.budgetReported = true;
      this.issues.add(
        at,
        path,
        `the document expands to more than ${MAX_NODES} values (aliases nested too deeply?)`,
        'avoid aliases of aliases that multiply the document',
      );
    }
    return true;
  }

  node(n: Node | null, path: PathSeg[], depth: number, aliasing: Set<Node> = new Set()): unknown {
    if (n === null) return null;
    const at = this.pos(n.range?.[0]);
    if (this.tooBig(path, at)) return null;
    if (depth > MAX_DEPTH) {
      this.issues.add(at, path, `the document is nested more than ${MAX_DEPTH} levels deep`);
      return null;
    }
    if (isAlias(n)) return this.alias(n, path, depth, aliasing);
    this.checkTag(n.tag, at, path);
    if (isScalar(n)) return scalarValue(n);
    if (isSeq(n)) return this.seq(n, at, path, depth, aliasing);
    if (isMap(n)) return this.map(n, at, path, depth, aliasing);
    this.issues.add(at, path, 'unsupported YAML node');
    return null;
  }

  private seq(n: YAMLSeq, at: Pos, path: PathSeg[], depth: number, aliasing: Set<Node>): unknown[] {
    const out: unknown[] = [];
    this.positions.setSelf(out, at);
    n.items.forEach((item, i) => {
      const it = item as Node | null;
      const p = it && 'range' in it && it.range ? this.pos(it.range[0]) : at;
      const tag = it && !isAlias(it) ? it.tag : undefined;
      if (tag !== undefined && COMPOSE_TAGS.has(tag))
        this.issues.add(
          p,
          [...path, i],
          `the ${tag} tag applies to a value in a mapping, not to an item of a list`,
          `put it on the list itself ("key: ${tag} [...]")`,
        );
      out.push(this.node(it, [...path, i], depth + 1, aliasing));
      this.positions.setEntry(out, i, { value: p });
    });
    return out;
  }

  private map(n: YAMLMap, at: Pos, path: PathSeg[], depth: number, aliasing: Set<Node>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.positions.setSelf(out, at);
    const explicit = new Set<string>();
    const merges: Pair[] = [];
    for (const pair of n.items) {
      const keyNode = pair.key as Node | null;
      if (isScalar(keyNode) && keyNode.type === 'PLAIN' && keyNode.source === '<<') merges.push(pair);
      else this.mapPair(out, explicit, pair, n, path, depth, aliasing);
    }
    for (const pair of merges) this.mergeKey(out, explicit, pair, path, depth, aliasing);
    return out;
  }

  /** One `key: value` of a mapping, written explicitly (not through `<<`). */
  private mapPair(
    out: Record<string, unknown>,
    explicit: Set<string>,
    pair: Pair,
    n: YAMLMap,
    path: PathSeg[],
    depth: number,
    aliasing: Set<Node>,
  ): void {
    const keyNode = pair.key as Node | null;
    const keyPos = this.pos(keyNode?.range?.[0] ?? n.range?.[0]);
    if (keyNode !== null && !isScalar(keyNode)) {
      this.issues.add(keyPos, path, 'mapping keys must be plain values, not lists or mappings');
      return;
    }
    const key = keyNode === null ? '' : keyText(keyNode.source, keyNode.value);
    this.checkTag(keyNode?.tag, keyPos, [...path, key]);
    if (explicit.has(key)) {
      this.issues.add(
        keyPos,
        [...path, key],
        `duplicate key "${key}"`,
        'a key may appear only once in a mapping; remove one of them',
      );
      return;
    }
    explicit.add(key);
    const valNode = pair.value as Node | null;
    const valPos = valNode?.range ? this.pos(valNode.range[0]) : keyPos;
    const tag = valNode && !isAlias(valNode) ? valNode.tag : undefined;
    if (tag === '!reset') {
      this.positions.markReset(out, key);
      return;
    }
    put(out, key, this.node(valNode, [...path, key], depth + 1, aliasing));
    this.positions.setEntry(out, key, { key: keyPos, value: valPos });
    if (tag === '!override') this.positions.markOverride(out, key);
  }

  /** YAML's own tags (`!!str`: `tag:yaml.org,2002:str`) and Compose's; anything else is a mistake. */
  private checkTag(tag: string | undefined, at: Pos, path: PathSeg[]): void {
    if (tag === undefined || COMPOSE_TAGS.has(tag) || tag.startsWith(YAML_TAG)) return;
    this.issues.add(at, path, `unknown YAML tag "${tag}"`, TAG_HINT);
  }

  private alias(a: Alias, path: PathSeg[], depth: number, aliasing: Set<Node>): unknown {
    const target = this.targets.get(a);
    const at = this.pos(a.range?.[0]);
    if (!target) {
      this.issues.add(at, path, `unknown anchor "*${a.source}"`, 'define it with "&name" before using it');
      return null;
    }
    if (aliasing.has(target)) {
      this.issues.add(at, path, `alias "*${a.source}" refers to a node that contains it`);
      return null;
    }
    aliasing.add(target);
    try {
      return this.node(target, path, depth + 1, aliasing);
    } finally {
      aliasing.delete(target);
    }
  }

  /** `<<: *a` or `<<: [*a, *b]`: keys written explicitly win, then earlier merged mappings win. */
  private mergeKey(
    out: Record<string, unknown>,
    explicit: Set<string>,
    pair: Pair,
    path: PathSeg[],
    depth: number,
    aliasing: Set<Node>,
  ): void {
    const valNode = pair.value as Node | null;
    const at = this.pos(valNode?.range?.[0] ?? (pair.key as Node | null)?.range?.[0]);
    const sources: (Node | null)[] = isSeq(valNode) ? (valNode.items as (Node | null)[]) : [valNode];
    for (const src of sources) {
      const v = this.node(src, path, depth + 1, aliasing);
      if (v === null || typeof v !== 'object' || Array.isArray(v)) {
        this.issues.add(at, [...path, '<<'], 'a merge key "<<" must refer to a mapping or a list of mappings');
        continue;
      }
      for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
        if (explicit.has(k) || Object.prototype.hasOwnProperty.call(out, k)) continue;
        put(out, k, val);
        this.positions.copyEntry(v, k, out, k);
      }
    }
  }
}

function keyText(source: string | undefined, value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return source ?? '';
  return source ?? text(value);
}

/** A scalar's value: `0440` (plain) read as octal like Compose does, big integers as numbers. */
function scalarValue(n: Scalar): unknown {
  if (n.type === 'PLAIN' && typeof n.source === 'string' && OCTAL.test(n.source)) return parseInt(n.source, 8);
  const v: unknown = n.value;
  if (v === undefined) return n.source ?? null;
  // An integer beyond 2^53 keeps every digit, as text (`9223372036854775807` in an environment map).
  if ((typeof v === 'number' || typeof v === 'bigint') && UNSAFE_INT.test(String(n.source ?? ''))) {
    const digits = String(n.source).replace(/^\+/, '');
    if (!Number.isSafeInteger(Number(digits))) return digits;
  }
  if (typeof v === 'bigint') return Number(v);
  return v;
}

const UNSAFE_INT = /^[-+]?\d{16,}$/;
