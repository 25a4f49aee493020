/**
 * The variables a stack refers to, for `config --variables`: each with its default (`${X:-d}`), its
 * alternate value (`${X:+a}`) and whether it is required (`${X:?msg}`), as compose-go's
 * `ExtractVariables` reports them, operands' own variables included. Pure: it reads an uninterpolated tree.
 */
import { stringify } from 'yaml';

export interface StackVariable {
  name: string;
  defaultValue: string;
  presenceValue: string;
  required: boolean;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** Every variable referred to anywhere in `tree` (strings, nested in mappings and lists), by name. */
export function extractVariables(tree: unknown): Map<string, StackVariable> {
  const found = new Map<string, StackVariable>();
  const walk = (value: unknown): void => {
    if (typeof value === 'string') for (const v of variablesIn(value)) combine(found, v);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(tree);
  return found;
}

/**
 * A variable used several times is required when one use requires it, and keeps the first default and
 * alternate value given, as compose-go combines them.
 */
function combine(found: Map<string, StackVariable>, v: StackVariable): void {
  const known = found.get(v.name);
  if (!known) {
    found.set(v.name, v);
    return;
  }
  known.required ||= v.required;
  if (known.defaultValue === '') known.defaultValue = v.defaultValue;
  if (known.presenceValue === '') known.presenceValue = v.presenceValue;
}

/** The variables of one string, in order: `$NAME`, `${NAME...}` (and those inside its operand); `$$` is no variable. */
export function variablesIn(text: string): StackVariable[] {
  const out: StackVariable[] = [];
  let i = 0;
  while (i < text.length) {
    const at = text.indexOf('$', i);
    if (at < 0) break;
    const next = text[at + 1];
    if (next === '$') {
      i = at + 2;
    } else if (next === '{') {
      const end = closingBrace(text, at + 2);
      if (end < 0) break;
      out.push(...braced(text.slice(at + 2, end)));
      i = end + 1;
    } else {
      const name = NAME.exec(text.slice(at + 1))?.[0];
      if (name) out.push(plain(name));
      i = at + 1 + (name?.length ?? 0);
    }
  }
  return out;
}

const plain = (name: string): StackVariable => ({ name, defaultValue: '', presenceValue: '', required: false });

/** `NAME`, `NAME:-default`, `NAME-default`, `NAME:?msg`, `NAME?msg`, `NAME:+alt`, `NAME+alt`. */
function braced(inner: string): StackVariable[] {
  const name = /^[A-Za-z0-9_]*/.exec(inner)![0];
  const rest = inner.slice(name.length);
  const v = plain(name);
  const op = /^(:\?|\?|:-|-|:\+|\+)/.exec(rest)?.[0];
  const operand = op === undefined ? '' : rest.slice(op.length);
  if (op === ':?' || op === '?') v.required = true;
  else if (op === ':-' || op === '-') v.defaultValue = operand;
  else if (op === ':+' || op === '+') v.presenceValue = operand;
  const nested = operand === '' ? [] : variablesIn(operand);
  return name === '' ? nested : [v, ...nested];
}

function closingBrace(text: string, from: number): number {
  let depth = 1;
  for (let j = from; j < text.length; j++) {
    if (text[j] === '$' && text[j + 1] === '{') {
      depth++;
      j++;
    } else if (text[j] === '}' && --depth === 0) {
      return j;
    }
  }
  return -1;
}

/** `config --variables` as a table (NAME, REQUIRED, DEFAULT VALUE, ALTERNATE VALUE), sorted by name. */
export function variableRows(vars: Map<string, StackVariable>): string[][] {
  return [...vars.values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((v) => [v.name, String(v.required), v.defaultValue, v.presenceValue]);
}

/** `config --variables --format json`: Compose's field names, keyed by name. */
export function variablesJson(vars: Map<string, StackVariable>): string {
  const sorted = [...vars.values()].sort((a, b) => a.name.localeCompare(b.name));
  const out = Object.fromEntries(
    sorted.map((v) => [
      v.name,
      { Name: v.name, DefaultValue: v.defaultValue, PresenceValue: v.presenceValue, Required: v.required },
    ]),
  );
  return `${JSON.stringify(out)}\n`;
}

/** `config --variables --format yaml`: as Go's yaml.v3 writes the map (lower-cased fields, four-space indent). */
export function variablesYaml(vars: Map<string, StackVariable>): string {
  const sorted = [...vars.values()].sort((a, b) => a.name.localeCompare(b.name));
  const doc = Object.fromEntries(
    sorted.map((v) => [
      v.name,
      { name: v.name, defaultvalue: v.defaultValue, presencevalue: v.presenceValue, required: v.required },
    ]),
  );
  return sorted.length === 0 ? '{}\n' : stringify(doc, { indent: 4 });
}
