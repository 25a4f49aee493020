/**
 * One walker for all graph work: runs `visit` on every node, each only after the nodes it must wait for
 * (its dependencies when going `up`, its dependents when going `down`), with at most `concurrency` visits
 * at once. On the first failure it schedules nothing new, lets running visits finish, and reports every
 * failure seen. A node the caller can do without (`tolerate`) is the exception: its failure is reported
 * apart and the walk goes on, its waiting nodes visited as if it were done (their visit decides).
 */
import type { Graph } from './graph.js';

export interface WalkOptions {
  direction: 'up' | 'down';
  /** Maximum visits running at once; Infinity for no limit. */
  concurrency: number;
  /** Only these nodes are visited; the others are treated as already done. Default: all. */
  only?: ReadonlySet<string>;
  /** Nodes whose failure does not stop the walk. Default: none. */
  tolerate?: (node: string) => boolean;
}

export interface WalkFailure {
  node: string;
  error: Error;
}

export interface WalkResult {
  done: string[];
  failed: WalkFailure[];
  /** Failures of tolerated nodes: the walk went on. */
  tolerated: WalkFailure[];
  /** Nodes never started because of a failure. */
  skipped: string[];
}

export async function walk(
  graph: Graph,
  options: WalkOptions,
  visit: (node: string) => Promise<void>,
): Promise<WalkResult> {
  const nodes = graph.nodes.filter((n) => !options.only || options.only.has(n));
  const waitsFor = (n: string): readonly string[] =>
    (options.direction === 'up' ? graph.deps.get(n) : graph.dependents.get(n)) ?? [];
  const inScope = new Set(nodes);
  const pending = new Map<string, number>();
  for (const n of nodes) pending.set(n, waitsFor(n).filter((w) => inScope.has(w)).length);
  const unblocks = new Map<string, string[]>(nodes.map((n) => [n, []]));
  for (const n of nodes) for (const w of waitsFor(n)) if (inScope.has(w)) unblocks.get(w)!.push(n);

  const ready = nodes.filter((n) => pending.get(n) === 0);
  const done: string[] = [];
  const failed: WalkFailure[] = [];
  const tolerated: WalkFailure[] = [];
  const started = new Set<string>();
  let running = 0;
  const limit = Math.max(1, options.concurrency);

  const unblock = (n: string): void => {
    for (const m of unblocks.get(n)!) {
      const left = pending.get(m)! - 1;
      pending.set(m, left);
      if (left === 0) ready.push(m);
    }
  };

  await new Promise<void>((resolve) => {
    const pump = (): void => {
      while (failed.length === 0 && running < limit && ready.length > 0) {
        const n = ready.shift()!;
        started.add(n);
        running++;
        visit(n).then(
          () => {
            running--;
            done.push(n);
            unblock(n);
            pump();
          },
          (err: unknown) => {
            running--;
            const failure = { node: n, error: err instanceof Error ? err : new Error(String(err)) };
            if (options.tolerate?.(n)) {
              tolerated.push(failure);
              unblock(n);
            } else {
              failed.push(failure);
            }
            pump();
          },
        );
      }
      if (running === 0 && (failed.length > 0 || ready.length === 0)) resolve();
    };
    pump();
  });
  return { done, failed, tolerated, skipped: nodes.filter((n) => !started.has(n)) };
}
