/**
 * The scheduler every plan runs through: steps with ids and `after` edges, each started once all it
 * follows have settled, at most `limit` at once, the earliest listed first among those ready. When a
 * step it follows did not end done (it failed, or was skipped), the caller's `gate` says whether the
 * step is skipped (and why) or runs anyway (a dependency the step can do without). Nothing else stops
 * the walk: a failure holds back only what follows it, and independent branches go on.
 *
 * A step may be conditional (`when`): a rollback runs only when a step it names failed; the steps of
 * a change that is decided at run time run only when the step that checks reported a change. A step
 * whose condition does not hold ends `idle`, silently, and counts as done for what follows it.
 */

export interface StepNode {
  id: string;
  /** The ids of the steps this one follows. */
  after: readonly string[];
  /** Runs only if this holds; the steps it names must be among `after`. */
  when?: StepCondition;
}

/**
 * `failed`: one of these steps failed (the first step of an undo). `ran`: that step was not idle (the
 * rest of an undo). `changed`: that step ran and reported a change.
 */
export type StepCondition = { failed: readonly string[] } | { ran: string } | { changed: string };

/** The steps a condition names. */
export function conditionSteps(when: StepCondition | undefined): readonly string[] {
  if (when === undefined) return [];
  return 'failed' in when ? when.failed : 'ran' in when ? [when.ran] : [when.changed];
}

/** What a step's run may report: whether it found something to change (for `when: { changed }`). */
export interface StepResult {
  changed: boolean;
}

export type StepOutcome =
  | { state: 'done'; changed?: boolean }
  | { state: 'failed'; error: Error }
  | { state: 'skipped'; why: string }
  | { state: 'idle' };

/** A step this one follows that did not end done, with how it ended. */
export interface Blocker<S> {
  step: S;
  outcome: Exclude<StepOutcome, { state: 'done' }>;
}

export interface StepHooks<S> {
  /** Runs one step; a rejection fails it. */
  run(step: S): Promise<void | StepResult>;
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
  for (const s of steps) {
    for (const a of s.after) if (!byId.has(a)) throw new Error(`internal error: step ${s.id} follows ${a}, unknown`);
    for (const n of conditionSteps(s.when))
      if (!s.after.includes(n))
        throw new Error(`internal error: step ${s.id} is conditional on ${n}, not among its after`);
  }
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
          if (s.when !== undefined && !holds(s.when, outcomes)) {
            started.add(s.id);
            outcomes.set(s.id, { state: 'idle' });
            progressed = true;
            continue;
          }
          const triggers = s.when !== undefined && 'failed' in s.when ? s.when.failed : [];
          const blockers = s.after.flatMap((a) => {
            const outcome = outcomes.get(a)!;
            if (outcome.state === 'done' || outcome.state === 'idle' || triggers.includes(a)) return [];
            return [{ step: byId.get(a)!, outcome }];
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
            (result) => settle(s, result ? { state: 'done', changed: result.changed } : { state: 'done' }),
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

/**
 * Whether a step's condition holds, once every step it names has settled. A check that did not end
 * done does not make its steps idle: they are then gated (skipped) like any step after a failure.
 */
function holds(when: StepCondition, outcomes: ReadonlyMap<string, StepOutcome>): boolean {
  if ('failed' in when) return when.failed.some((id) => outcomes.get(id)?.state === 'failed');
  if ('ran' in when) return outcomes.get(when.ran)?.state !== 'idle';
  const checked = outcomes.get(when.changed);
  return checked?.state !== 'done' || checked.changed === true;
}
