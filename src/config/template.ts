/**
 * Variable substitution in strings, as Compose does it: `$VAR`, `${VAR}`, `${VAR:-default}`,
 * `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`, `${VAR:+alt}`, `${VAR+alt}`, nesting inside
 * the default/alternative, and `$$` for a literal `$`. The environment is passed in as a lookup.
 */

export type Lookup = (name: string) => string | undefined;

export class TemplateError extends Error {
  constructor(
    message: string,
    /** For a missing required variable: its name. */
    readonly variable?: string,
  ) {
    super(message);
  }
}

export interface Substituted {
  value: string;
  /** Variables referenced without a default that are not set (each once, in order). */
  unset: string[];
}

const NAME_START = /[A-Za-z_]/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** Substitute variables in `s`; throws TemplateError on bad syntax or a missing required variable. */
export function substitute(s: string, lookup: Lookup): Substituted {
  const unset: string[] = [];
  const value = run(s, lookup, unset);
  return { value, unset: [...new Set(unset)] };
}

function run(s: string, lookup: Lookup, unset: string[]): string {
  if (!s.includes('$')) return s;
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = s[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next !== undefined && NAME_START.test(next)) {
      const name = NAME.exec(s.slice(i + 1))![0];
      const v = lookup(name);
      if (v === undefined) unset.push(name);
      out += v ?? '';
      i += 1 + name.length;
      continue;
    }
    if (next === '{') {
      const end = closingBrace(s, i + 2);
      if (end < 0) throw invalid(s.slice(i), 'the "${" is not closed with "}"');
      out += braced(s.slice(i + 2, end), s.slice(i, end + 1), lookup, unset);
      i = end + 1;
      continue;
    }
    // Not a name, a brace or a second "$": kept as written, as compose-go does (`$2a$14$…`, `^.+$`).
    out += '$';
    i++;
  }
  return out;
}

function closingBrace(s: string, from: number): number {
  let depth = 1;
  for (let j = from; j < s.length; j++) {
    if (s[j] === '$' && s[j + 1] === '$') {
      j++;
    } else if (s[j] === '$' && s[j + 1] === '{') {
      depth++;
      j++;
    } else if (s[j] === '}') {
      depth--;
      if (depth === 0) return j;
    }
  }
  return -1;
}

function braced(inner: string, whole: string, lookup: Lookup, unset: string[]): string {
  const m = NAME.exec(inner);
  if (!m) throw invalid(whole, undefined);
  const name = m[0];
  const rest = inner.slice(name.length);
  const v = lookup(name);
  if (rest === '') {
    if (v === undefined) unset.push(name);
    return v ?? '';
  }
  let op: string;
  if (/^:[-?+]/.test(rest)) op = rest.slice(0, 2);
  else if (/^[-?+]/.test(rest)) op = rest.slice(0, 1);
  else throw invalid(whole, undefined);
  const arg = rest.slice(op.length);
  const emptyCounts = op.startsWith(':');
  const missing = v === undefined || (emptyCounts && v === '');
  switch (op) {
    case ':-':
    case '-':
      return missing ? run(arg, lookup, unset) : v;
    case ':?':
    case '?': {
      if (!missing) return v;
      const why = run(arg, lookup, unset);
      throw new TemplateError(`required variable ${name} is missing a value${why ? `: ${why}` : ''}`, name);
    }
    default: // ':+' and '+'
      return missing ? '' : run(arg, lookup, unset);
  }
}

function invalid(fragment: string, why: string | undefined): TemplateError {
  return new TemplateError(`invalid interpolation format "${fragment}"${why ? `: ${why}` : ''}`);
}
