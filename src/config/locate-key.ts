/**
 * Where a key of the loaded model is written, found again after the load: the loader's positions live
 * only while it runs (the project cache keeps none), and a refusal made later (a build berth cannot do)
 * must still name file:line:column. Reads the stack files, last first (an override's value wins), and
 * looks for the key by its path; a key brought in through `include`, `extends` or a merge key is not
 * found, and the caller names it without a place.
 */
import { readFileSync } from 'node:fs';
import { isMap, isScalar, LineCounter, parseAllDocuments, type Node } from 'yaml';
import type { Pos } from './positions.js';

/** The position of the key at `path` (`['services', 'web', 'build', 'secrets']`) in the stack files. */
export function locateKey(files: readonly string[], path: readonly string[]): Pos | undefined {
  for (const file of [...files].reverse()) {
    if (file === '-') continue;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const lc = new LineCounter();
    const docs = parseAllDocuments(text, { lineCounter: lc, uniqueKeys: false, merge: false });
    if ('empty' in docs) continue;
    for (const doc of [...docs].reverse()) {
      const offset = keyOffset(doc.contents, path);
      if (offset === undefined) continue;
      const p = lc.linePos(offset);
      return { file, line: p.line, column: p.col };
    }
  }
  return undefined;
}

function keyOffset(root: Node | null, path: readonly string[]): number | undefined {
  let node: unknown = root;
  let offset: number | undefined;
  for (const seg of path) {
    if (!isMap(node)) return undefined;
    const pair = node.items.find((p) => isScalar(p.key) && p.key.value === seg);
    if (!pair || !isScalar(pair.key)) return undefined;
    offset = pair.key.range?.[0];
    node = pair.value;
  }
  return offset;
}
