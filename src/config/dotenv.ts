/**
 * `.env` and `env_file` parsing as Compose reads them: `KEY=VALUE` lines, `export ` prefix,
 * `#` comments, single quotes (verbatim), double quotes (escapes, variables, several lines),
 * unquoted values (trailing ` # comment` dropped, variables expanded), `KEY` alone (taken from
 * the environment when set there).
 */
import { substitute, TemplateError, type Lookup } from './template.js';

export class DotenvError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

/** A value that refers to a variable set neither earlier in the file nor in the lookup. */
export interface DotenvUnset {
  key: string;
  variable: string;
  /** Where the value starts, 1-based. */
  line: number;
  column: number;
}

export interface DotenvOptions {
  /** Variables not defined earlier in the file are looked up here (the shell environment). */
  lookup?: Lookup;
  /** `raw`: values are taken verbatim, no quotes, escapes or variables. */
  format?: 'raw';
  /** Told of each unset variable a value refers to (it expands to ""), as Compose's dotenv does silently. */
  onUnset?: (u: DotenvUnset) => void;
}

/**
 * The warning for an unset variable in a dotenv value, at its line. The value itself is not repeated:
 * it may be a secret.
 */
export function unsetWarning(file: string, u: DotenvUnset): string {
  return `${file}:${u.line}:${u.column}: ${u.key}: variable ${u.variable} is not set, so "$${u.variable}" becomes an empty string in the value; write $$ for a literal $, or single-quote the value`;
}

const KEY = /^[A-Za-z_.][A-Za-z0-9_.\-[\]]*/;

/** Parse dotenv text into an ordered record. Throws DotenvError with a 1-based line/column. */
export function parseDotenv(text: string, opts: DotenvOptions = {}): Record<string, string> {
  return new DotenvParser(text, opts).parse();
}

/** Where a value starts, 1-based: unset variables are reported there. */
interface ValueStart {
  line: number;
  column: number;
}

/** A cursor over the text (offset and line), reading one `KEY=VALUE` entry at a time. */
class DotenvParser {
  private readonly out: Record<string, string> = Object.create(null) as Record<string, string>;
  private readonly src: string;
  private readonly lookup: Lookup;
  private i = 0;
  private line = 1;

  constructor(
    text: string,
    private readonly opts: DotenvOptions,
  ) {
    this.src = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
    this.lookup = (name) => (name in this.out ? this.out[name] : opts.lookup?.(name));
  }

  parse(): Record<string, string> {
    while (this.i < this.src.length) {
      if (!this.skipBlankOrComment()) this.entry();
    }
    // Return a normal object in file order.
    return { ...this.out };
  }

  private lineStart(): number {
    return this.src.lastIndexOf('\n', this.i - 1) + 1;
  }

  private fail(msg: string): never {
    throw new DotenvError(msg, this.line, this.i - this.lineStart() + 1);
  }

  private skipSpaces(): void {
    while (this.src[this.i] === ' ' || this.src[this.i] === '\t') this.i++;
  }

  private skipToLineEnd(): void {
    while (this.i < this.src.length && this.src[this.i] !== '\n') this.i++;
  }

  /** Skip one character of blank space, or a whole comment line; false when an entry starts here. */
  private skipBlankOrComment(): boolean {
    const ch = this.src[this.i]!;
    if (ch === '\n') {
      this.line++;
      this.i++;
    } else if (ch === ' ' || ch === '\t') {
      this.i++;
    } else if (ch === '#') {
      this.skipToLineEnd();
    } else {
      return false;
    }
    return true;
  }

  private entry(): void {
    const key = this.key();
    this.skipSpaces();
    const sep = this.src[this.i];
    if (sep === undefined || sep === '\n' || sep === '#') {
      // KEY alone: inherit from the environment when set there.
      const v = this.opts.lookup?.(key);
      if (v !== undefined) this.out[key] = v;
      this.skipToLineEnd();
      return;
    }
    if (sep !== '=' && sep !== ':')
      this.fail(`unexpected character "${sep}" after variable name "${key}"; expected "="`);
    this.i++;
    this.skipSpaces();
    this.out[key] = this.value(key);
  }

  /** The variable name, after an optional `export ` prefix. */
  private key(): string {
    const { src } = this;
    let rest = src.slice(this.i, src.indexOf('\n', this.i) < 0 ? src.length : src.indexOf('\n', this.i));
    if (/^export[ \t]+/.test(rest)) {
      const skip = /^export[ \t]+/.exec(rest)![0].length;
      this.i += skip;
      rest = rest.slice(skip);
    }
    const km = KEY.exec(rest);
    if (!km) return this.fail(`unexpected character "${rest[0]}" in variable name`);
    const key = km[0];
    this.i += key.length;
    return key;
  }

  private value(key: string): string {
    const q = this.src[this.i];
    const at: ValueStart = { line: this.line, column: this.i - this.lineStart() + 1 };
    if (this.opts.format === 'raw') return this.rawValue();
    if (q === "'" || q === '"') return this.quotedValue(key, q, at);
    return this.unquotedValue(key, at);
  }

  private rawValue(): string {
    const end = this.src.indexOf('\n', this.i);
    const value = this.src.slice(this.i, end < 0 ? this.src.length : end).trimEnd();
    this.i = end < 0 ? this.src.length : end;
    return value;
  }

  /** Single quotes: verbatim; double quotes: escapes and variables, over several lines if need be. */
  private quotedValue(key: string, q: "'" | '"', at: ValueStart): string {
    const raw = this.quotedText(key, q);
    const value = q === "'" ? raw : this.expand(unescape(raw), key, at);
    // Anything after the closing quote must be a comment.
    this.skipSpaces();
    if (this.i < this.src.length && this.src[this.i] !== '\n' && this.src[this.i] !== '#')
      this.fail(`unexpected text after the closing quote of "${key}"`);
    this.skipToLineEnd();
    return value;
  }

  /** The text between the quotes (escapes kept as written); leaves the cursor after the closing quote. */
  private quotedText(key: string, q: "'" | '"'): string {
    const { src } = this;
    const startLine = this.line;
    let j = this.i + 1;
    let raw = '';
    for (;;) {
      if (j >= src.length) {
        this.line = startLine;
        this.fail(`unterminated quoted value for "${key}"`);
      }
      const c = src[j]!;
      if (c === '\\' && q === '"' && j + 1 < src.length) {
        raw += c + src[j + 1]!;
        j += 2;
        continue;
      }
      if (c === q) break;
      if (c === '\n') this.line++;
      raw += c;
      j++;
    }
    this.i = j + 1;
    return raw;
  }

  /** Unquoted: a trailing ` # comment` dropped, surrounding blanks trimmed, variables expanded. */
  private unquotedValue(key: string, at: ValueStart): string {
    const end = this.src.indexOf('\n', this.i);
    let raw = this.src.slice(this.i, end < 0 ? this.src.length : end);
    const hash = /[ \t]#/.exec(raw);
    if (hash) raw = raw.slice(0, hash.index);
    const value = this.expand(raw.trim(), key, at);
    this.i = end < 0 ? this.src.length : end;
    return value;
  }

  private expand(raw: string, key: string, at: ValueStart): string {
    try {
      const r = substitute(raw, this.lookup);
      for (const variable of r.unset) this.opts.onUnset?.({ key, variable, ...at });
      return r.value;
    } catch (e) {
      if (e instanceof TemplateError) return this.fail(e.message);
      throw e;
    }
  }
}

function unescape(s: string): string {
  return s.replace(/\\(.)/gs, (_m, c: string) => {
    switch (c) {
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case '$':
        return '$$';
      default:
        return c;
    }
  });
}
