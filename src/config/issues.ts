/**
 * Collecting config problems: every step adds issues here instead of throwing, so the user sees
 * all of them at once. Each issue carries file:line:column, the document path, a hint and a frame.
 */
import type { ConfigIssue } from '../errors.js';
import { formatPath, type PathSeg, type Pos } from './positions.js';

export class Issues {
  readonly list: ConfigIssue[] = [];
  private readonly seen = new Set<string>();
  /** Values variables gave to the stack, longest first, each with how a message names it instead. */
  private readonly concealed: { value: string; as: string }[] = [];

  constructor(
    /** File path -> source text, for code frames. */
    private readonly sources: Map<string, string>,
    private readonly frameWidth: number,
  ) {}

  /**
   * A variable's value never appears in a message: an invalid port or policy that came from `${PORT}`
   * is named as `the value of ${PORT}` (the value may be a secret; the user knows where to look). Values shorter
   * than three characters are left alone: they hide nothing and would mangle the message.
   */
  conceal(value: string, variable: string): void {
    if (value.length < 3 || this.concealed.some((c) => c.value === value)) return;
    this.concealed.push({ value, as: `\${${variable}}` });
    this.concealed.sort((a, b) => b.value.length - a.value.length);
  }

  private withoutValues(text: string): string {
    let out = text;
    for (const c of this.concealed)
      out = out.split(`"${c.value}"`).join(`the value of ${c.as}`).split(c.value).join(c.as);
    return out;
  }

  add(
    pos: Pos | undefined,
    path: readonly PathSeg[] | string,
    rawMessage: string,
    rawHint?: string,
    fallbackFile?: string,
  ): void {
    const message = this.withoutValues(rawMessage);
    const hint = rawHint === undefined ? undefined : this.withoutValues(rawHint);
    const p = typeof path === 'string' ? path : formatPath(path);
    const file = pos?.file ?? fallbackFile ?? '';
    const key = `${file}:${pos?.line ?? 0}:${pos?.column ?? 0}:${p}:${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const issue: ConfigIssue = { file, line: pos?.line ?? 0, column: pos?.column ?? 0, path: p, message };
    if (hint) issue.hint = hint;
    const src = pos ? this.sources.get(pos.file) : undefined;
    if (pos && src !== undefined && pos.line > 0) issue.frame = codeFrame(src, pos.line, pos.column, this.frameWidth);
    this.list.push(issue);
  }

  get count(): number {
    return this.list.length;
  }
}

/** A warning's text at its place: `file:line:col: services.web.image: message`. */
export function located(pos: Pos | undefined, path: readonly PathSeg[] | string, message: string): string {
  const p = typeof path === 'string' ? path : formatPath(path);
  const where = pos ? `${pos.file}:${pos.line}:${pos.column}: ` : '';
  return `${where}${p ? `${p}: ` : ''}${message}`;
}

/**
 * A few lines of `source` around `line` with a caret under `column`, each line cut to `width`
 * characters (the caller passes the terminal width; nothing here reads the terminal).
 */
export function codeFrame(source: string, line: number, column: number, width = 80, context = 2): string {
  const lines = source.split(/\r?\n/);
  const first = Math.max(1, line - context);
  const last = Math.min(lines.length, line + 1);
  const numWidth = String(last).length;
  const room = Math.max(20, width - numWidth - 5);
  // Scroll horizontally so that the caret stays visible on long lines.
  const offset = column > room - 10 ? column - Math.floor(room / 2) : 0;
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    const raw = (lines[n - 1] ?? '').replace(/\t/g, ' ');
    let text = raw.slice(offset, offset + room);
    if (offset > 0) text = `…${text.slice(1)}`;
    if (raw.length > offset + room) text = `${text.slice(0, -1)}…`;
    const mark = n === line ? '>' : ' ';
    out.push(`${mark} ${String(n).padStart(numWidth)} | ${text}`.trimEnd());
    if (n === line) {
      const caretCol = Math.max(1, column - offset);
      out.push(`  ${' '.repeat(numWidth)} | ${' '.repeat(caretCol - 1)}^`);
    }
  }
  return out.join('\n');
}

/** Edit distance (Levenshtein, with a swap of two neighbours counting as one edit), for hints. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row = new Array<number>(b.length + 1).fill(0);
    row[0] = i;
    rows.push(row);
  }
  for (let j = 0; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}

/** The closest candidate to `word`, when it is close enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const lw = word.toLowerCase();
  for (const c of candidates) {
    const d = editDistance(lw, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  const limit = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  if (bestD <= limit) return best;
  // "healthy" for "service_healthy": a unique candidate that contains the word.
  if (lw.length >= 4) {
    const containing = [...candidates].filter((c) => c.toLowerCase().includes(lw));
    if (containing.length === 1) return containing[0];
  }
  return undefined;
}

export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const c = closest(word, candidates);
  return c === undefined ? undefined : `did you mean "${c}"?`;
}
