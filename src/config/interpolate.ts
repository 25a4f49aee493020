/**
 * Interpolation over a parsed tree: every string value (never a key) goes through `substitute`.
 * Errors are located at the value; unset variables are reported once each as warnings.
 */
import type { Issues } from './issues.js';
import type { PathSeg, Pos, Positions } from './positions.js';
import { substitute, TemplateError, type Lookup } from './template.js';

/** A variable used without a default that is not set: its first use in the file. */
export interface UnsetReference {
  name: string;
  /** Where the value that refers to it is written. */
  pos: Pos | undefined;
  path: PathSeg[];
}

export interface InterpolationResult {
  /** Unset variables used without a default, each once, in first-use order. */
  unset: UnsetReference[];
}

export function interpolateTree(
  root: Record<string, unknown>,
  lookup: Lookup,
  positions: Positions,
  issues: Issues,
  file: string,
): InterpolationResult {
  const unset = new Map<string, UnsetReference>();
  // Whatever a variable gives the stack is kept out of the messages about it.
  const seen: Lookup = (name) => {
    const value = lookup(name);
    if (value !== undefined) issues.conceal(value, name);
    return value;
  };
  const walk = (node: object, path: PathSeg[]): void => {
    const keys: (string | number)[] = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    for (const k of keys) {
      const v = (node as Record<string | number, unknown>)[k];
      if (typeof v === 'string') {
        if (!v.includes('$')) continue;
        try {
          const r = substitute(v, seen);
          for (const name of r.unset)
            if (!unset.has(name)) unset.set(name, { name, pos: positions.valueAt(node, k), path: [...path, k] });
          (node as Record<string | number, unknown>)[k] = r.value;
        } catch (e) {
          if (!(e instanceof TemplateError)) throw e;
          const hint = e.variable
            ? `set ${e.variable} in the environment or in the .env file`
            : 'to write a literal "$", double it: "$$"';
          issues.add(positions.valueAt(node, k), [...path, k], e.message, hint, file);
        }
      } else if (v !== null && typeof v === 'object') {
        walk(v, [...path, k]);
      }
    }
  };
  walk(root, []);
  return { unset: [...unset.values()] };
}
