/**
 * The scheduler every plan runs through: steps with ids and `after` edges, each started once all it
 * follows have settled, at most `limit` at once, the earliest listed first among those ready. When a
 * step it follows did not end done (it failed, or was skipped), the caller's `gate` says whether the
 * step is skipped (and why) or runs anyway (a dependency the step can do without). Nothing else stops
 * the walk: a failure holds back only what follows it, and independent branches go on.
 */

export interface StepNode {
  id: string;
  /** The ids of the steps this one follows. */
  after: readonly string[];
}

export type StepOutcome = { state: 'done' } | { state: 'failed'; error: Error } | { state: 'skipped'; why: string };

/** A step this one follows that did not end done, with how it ended. */
export interface Blocker<S> {
  step: S;
  outcome: Exclude<StepOutcome, { state: 'done' }>;
}

export interface StepHooks<S> {
  /** Runs one step; a rejection fails it. */
  run(step: S): Promise<void>;
  /** Given what it follows that did not end done, why the step is skipped; undefined: it runs anyway. */
  gate(step: S, blockers: Blocker<S>[]): string | undefined;
  /** Told of every skip as it is decided. */
  skipped?(step: S, why: string): void;
}

/** Runs every step, returning how each ended, by id. Throws only when the steps' edges are broken. */
export async function walkSteps<S extends StepNode>(
  steps: readonly S[],
  limit: number,
  hooks: StepHooks<S>,
): Promise<Map<string, StepOutcome>> {
  const byId = new Map(steps.map((s) => [s.id, s]));
  for (const s of steps)
    for (const a of s.after) if (!byId.has(a)) throw new Error(`internal error: step ${s.id} follows ${a}, unknown`);
  const outcomes = new Map<string, StepOutcome>();
  const started = new Set<string>();
  const max = Math.max(1, limit);
  let running = 0;
  await new Promise<void>((resolve) => {
    const settle = (s: S, outcome: StepOutcome): void => {
      outcomes.set(s.id, outcome);
      running--;
      pump();
    };
    const pump = (): void => {
      for (let progressed = true; progressed;) {
        progressed = false;
        for (const s of steps) {
          if (started.has(s.id) || !s.after.every((a) => outcomes.has(a))) continue;
          const blockers = s.after.flatMap((a) => {
            const outcome = outcomes.get(a)!;
            return outcome.state === 'done' ? [] : [{ step: byId.get(a)!, outcome }];
          });
          const why = blockers.length > 0 ? hooks.gate(s, blockers) : undefined;
          if (why !== undefined) {
            started.add(s.id);
            outcomes.set(s.id, { state: 'skipped', why });
            hooks.skipped?.(s, why);
            progressed = true;
            continue;
          }
          if (running >= max) continue;
          started.add(s.id);
          running++;
          hooks.run(s).then(
            () => settle(s, { state: 'done' }),
            (err: unknown) =>
              settle(s, { state: 'failed', error: err instanceof Error ? err : new Error(String(err)) }),
          );
        }
      }
      if (running === 0) {
        const stuck = steps.filter((s) => !outcomes.has(s.id));
        if (stuck.length > 0)
          for (const s of stuck)
            outcomes.set(s.id, { state: 'skipped', why: 'its steps wait for each other in a cycle' });
        resolve();
      }
    };
    pump();
  });
  return outcomes;
}
