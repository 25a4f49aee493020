/**
 * A YAML writer for the plain data `config` prints, in the common case only. The yaml library's
 * stringify builds a document of nodes and tests every scalar against every tag: 6-8 ms for a
 * 10-service stack, the largest part of a `config` whose stack came from the project cache. This
 * writes the same text directly, in well under a millisecond.
 *
 * "The same text" is what yaml's stringify writes with render.ts's options (block style, sequences
 * indented under their key, no line folding, `null` for null). Only what is certain to come out alike
 * is written here: single-line printable ASCII strings, plain or in the one quoting yaml would choose,
 * finite numbers, booleans, null, plain objects and arrays, and file modes. For anything else (a
 * multi-line command, a non-ASCII value, a string that could read as a document marker...) quickYaml
 * returns undefined and the caller uses the library. test/unit/config/quick-yaml.test.ts holds the two
 * to the same output over every sample stack and a corpus of awkward strings.
 */

/** A secret's or config's file mode, written in octal (`mode: 0440`) as Compose writes it. */
export class FileMode {
  constructor(readonly value: number) {}
}

/** Not a case this writer is certain of: the caller falls back to the library. */
class Unusual extends Error {}

/** Printable ASCII, one line: the only strings written here. */
const SIMPLE = /^[\x20-\x7e]*$/;
/** yaml's rule for a string that cannot be plain (stringifyString.js, plainString). */
const NOT_PLAIN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
/** A string that yaml would treat with care near a document marker: left to the library. */
const DOC_MARKER = /^(%|---|\.\.\.)/;
/** What a plain string would read back as, in the YAML 1.2 core schema: null, bool, int or float. */
const OTHER_TYPE = [
  /^(?:~|[Nn]ull|NULL)?$/,
  /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/,
  /^0o[0-7]+$/,
  /^[-+]?[0-9]+$/,
  /^0x[0-9a-fA-F]+$/,
  /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/,
];
/** Longer keys are written as explicit `? key` entries by the library. */
const MAX_KEY = 1000;

/** The YAML text of `doc`, as yaml's stringify writes it; undefined when `doc` holds anything unusual. */
export function quickYaml(doc: unknown): string | undefined {
  try {
    if (isEmptyCollection(doc) || !isCollection(doc)) return `${inline(doc)}\n`;
    const lines: string[] = [];
    block(doc, '', lines);
    return `${lines.join('\n')}\n`;
  } catch (err) {
    if (err instanceof Unusual) return undefined;
    throw err;
  }
}

function string(s: string, key: boolean): string {
  if (!SIMPLE.test(s) || DOC_MARKER.test(s) || (key && s.length > MAX_KEY)) throw new Unusual();
  if (!NOT_PLAIN.test(s) && !OTHER_TYPE.some((re) => re.test(s))) return s;
  // yaml's quotedString: single quotes only for a string with a double quote and no single one.
  const hasDouble = s.includes('"');
  if (hasDouble && !s.includes("'")) return `'${s}'`;
  if (hasDouble || s.includes('\\')) throw new Unusual();
  return `"${s}"`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function isCollection(v: unknown): v is Record<string, unknown> | unknown[] {
  return Array.isArray(v) || isPlainObject(v);
}

/** An empty object or array, which yaml writes in flow style (`{}`, `[]`). */
function isEmptyCollection(v: unknown): boolean {
  if (Array.isArray(v)) return v.length === 0;
  return isPlainObject(v) && entries(v).length === 0;
}

/** The entries yaml writes: those whose value is not undefined. */
function entries(obj: Record<string, unknown>): [string, unknown][] {
  return Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .map((k) => [k, obj[k]]);
}

/** A scalar, or an empty collection, as written after `key: ` or `- `. */
function inline(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || Object.is(v, -0)) throw new Unusual();
    return JSON.stringify(v);
  }
  if (typeof v === 'string') return string(v, false);
  if (v instanceof FileMode && Number.isInteger(v.value) && v.value >= 0) return `0${v.value.toString(8)}`;
  if (Array.isArray(v) && v.length === 0) return '[]';
  if (isPlainObject(v) && entries(v).length === 0) return '{}';
  throw new Unusual();
}

/** A non-empty collection at `indent`, its first line starting where the caller left off. */
function block(v: Record<string, unknown> | unknown[], indent: string, lines: string[], first = ''): void {
  if (Array.isArray(v)) {
    v.forEach((item, i) => {
      const lead = i === 0 ? first : indent;
      if (item === undefined) throw new Unusual();
      if (isCollection(item) && !isEmptyCollection(item)) block(item, `${indent}  `, lines, `${lead}- `);
      else lines.push(`${lead}- ${inline(item)}`);
    });
    return;
  }
  entries(v).forEach(([k, value], i) => {
    const head = `${i === 0 ? first : indent}${string(k, true)}:`;
    if (isCollection(value) && !isEmptyCollection(value)) {
      lines.push(head);
      block(value, `${indent}  `, lines, `${indent}  `);
    } else {
      lines.push(`${head} ${inline(value)}`);
    }
  });
}
