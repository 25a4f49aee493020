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
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  const lookup: Lookup = (name) => (name in out ? out[name] : opts.lookup?.(name));
  const src = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  let i = 0;
  let line = 1;
  const lineStart = (): number => src.lastIndexOf('\n', i - 1) + 1;
  const fail = (msg: string): never => {
    throw new DotenvError(msg, line, i - lineStart() + 1);
  };

  while (i < src.length) {
    // Skip blank space and comment lines.
    const ch = src[i]!;
    if (ch === '\n') {
      line++;
      i++;
      continue;
    }
    if (ch === ' ' || ch === '\t') {
      i++;
      continue;
    }
    if (ch === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    let rest = src.slice(i, src.indexOf('\n', i) < 0 ? src.length : src.indexOf('\n', i));
    if (/^export[ \t]+/.test(rest)) {
      const skip = /^export[ \t]+/.exec(rest)![0].length;
      i += skip;
      rest = rest.slice(skip);
    }
    const km = KEY.exec(rest);
    if (!km) fail(`unexpected character "${rest[0]}" in variable name`);
    const key = km![0];
    i += key.length;
    while (src[i] === ' ' || src[i] === '\t') i++;
    const sep = src[i];
    if (sep === undefined || sep === '\n' || sep === '#') {
      // KEY alone: inherit from the environment when set there.
      const v = opts.lookup?.(key);
      if (v !== undefined) out[key] = v;
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (sep !== '=' && sep !== ':') fail(`unexpected character "${sep}" after variable name "${key}"; expected "="`);
    i++;
    while (src[i] === ' ' || src[i] === '\t') i++;
    const q = src[i];
    const at = { line, column: i - lineStart() + 1 };
    const expand = (raw: string): string => {
      try {
        const r = substitute(raw, lookup);
        for (const variable of r.unset) opts.onUnset?.({ key, variable, ...at });
        return r.value;
      } catch (e) {
        if (e instanceof TemplateError) return fail(e.message);
        throw e;
      }
    };
    let value: string;
    if (opts.format === 'raw') {
      const end = src.indexOf('\n', i);
      value = src.slice(i, end < 0 ? src.length : end).trimEnd();
      i = end < 0 ? src.length : end;
    } else if (q === "'" || q === '"') {
      const startLine = line;
      let j = i + 1;
      let raw = '';
      for (;;) {
        if (j >= src.length) {
          line = startLine;
          fail(`unterminated quoted value for "${key}"`);
        }
        const c = src[j]!;
        if (c === '\\' && q === '"' && j + 1 < src.length) {
          raw += c + src[j + 1]!;
          j += 2;
          continue;
        }
        if (c === q) break;
        if (c === '\n') line++;
        raw += c;
        j++;
      }
      i = j + 1;
      value = q === "'" ? raw : expand(unescape(raw));
      // Anything after the closing quote must be a comment.
      while (src[i] === ' ' || src[i] === '\t') i++;
      if (i < src.length && src[i] !== '\n' && src[i] !== '#')
        fail(`unexpected text after the closing quote of "${key}"`);
      while (i < src.length && src[i] !== '\n') i++;
    } else {
      const end = src.indexOf('\n', i);
      let raw = src.slice(i, end < 0 ? src.length : end);
      const hash = /[ \t]#/.exec(raw);
      if (hash) raw = raw.slice(0, hash.index);
      value = expand(raw.trim());
      i = end < 0 ? src.length : end;
    }
    out[key] = value;
  }
  // Return a normal object in file order.
  return { ...out };
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
