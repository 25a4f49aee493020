/**
 * Replacing a container, one atomic part per step (plan/graph.ts `ReplacePart` lists them and their
 * edges): the previous container steps aside and stops while the new one is created under the real
 * name; the new one starts; only then is the previous one removed, never with its volumes. A failed
 * stop, create or start is undone by three conditional steps: the new container goes, the previous one
 * gets its name back and runs again. Every part tolerates an answer lost after the engine did the work,
 * by looking; a run cut short anywhere leaves a shape the planner settles (`settleNumber` in plan/).
 * After the walk, `replacementFailures` folds each replacement's failures into one error that says what
 * was given back.
 */
import { EngineError, NotFoundError, PortTakenError, RecreateError } from '../errors.js';
import type { StepOutcome } from '../graph/steps.js';
import {
  Label,
  previousOf,
  UNDO_PARTS,
  UNDONE_PARTS,
  type Action,
  type PlanStep,
  type ReplacePart,
} from '../plan/index.js';
import type { ContainerSpec, Runtime } from '../runtime/runtime.js';
import type { ExecContext } from './operations.js';

export type Replacing = Extract<Action, { kind: 'recreate-container' | 'check-container' }>;

/** What the parts of one apply share: the new container each replacement made, by its action. */
export type MadeContainers = Map<Action, string>;

type PartExecutor = (a: Replacing, cx: ExecContext, made: MadeContainers) => Promise<void>;

export async function runPart(part: ReplacePart, a: Replacing, cx: ExecContext, made: MadeContainers): Promise<void> {
  await parts[part](a, cx, made);
}

const parts: Record<ReplacePart, PartExecutor> = {
  'set-aside': async (a, { rt, say }) => {
    // A check has said why already (the image changed).
    if (a.kind === 'recreate-container') say('working', 'Recreating', a.reason);
    await rt.renameContainer(previousOf(a), `${previousOf(a).slice(0, 12)}_${a.spec.name}`);
  },
  'stop-previous': async (a, { rt, options }) => {
    const previous = previousOf(a);
    // A lost answer is settled by looking: the previous one no longer runs.
    await rt.stopContainer(previous, options.stopTimeoutSec).catch(async (err: unknown) => {
      if ((await rt.inspectContainer(previous).catch(() => undefined))?.state !== 'exited') throw err;
    });
  },
  create: async (a, cx, made) => {
    const spec = await cx.resolve(a.spec);
    const id = await cx.rt.createContainer(spec).catch(async (err: unknown) => {
      const found = await madeFor(cx.rt, spec, previousOf(a));
      if (found === undefined) throw err;
      return found;
    });
    made.set(a, id);
    if (!a.start) cx.serviceIds.set(a.service, id);
  },
  start: async (a, { rt, say, serviceIds }, made) => {
    const id = made.get(a)!;
    say('working', 'Starting');
    await rt.startContainer(id).catch(async (err: unknown) => {
      if ((await rt.inspectContainer(id).catch(() => undefined))?.state !== 'running') throw err;
    });
    serviceIds.set(a.service, id);
  },
  'remove-previous': async (a, { rt, say }) => {
    const previous = previousOf(a);
    say('working', 'Removing', 'the previous container');
    await rt.removeContainer(previous, { force: true }).catch(async (err: unknown) => {
      // A dropped connection after the engine removed it: gone is what was asked.
      if (
        await rt.inspectContainer(previous).then(
          () => false,
          (e: unknown) => e instanceof NotFoundError,
        )
      )
        return;
      throw new RecreateError(
        `recreated, but the previous container ${previous.slice(0, 12)} could not be removed: ${causeOf(err)}`,
        { cause: err, hint: 'the next up removes it' },
      );
    });
    say('done', 'Recreated');
  },
  // The new container goes by id, or by its name when the create was cut off before its answer, only
  // if it is this very container.
  'remove-new': async (a, { rt, say }, made) => {
    say('working', 'Restoring', 'the previous container');
    const id = made.get(a) ?? (await madeFor(rt, a.spec, previousOf(a)));
    if (id === undefined) return;
    await rt.removeContainer(id, { force: true }).catch((err: unknown) => {
      if (!(err instanceof NotFoundError)) throw err;
    });
  },
  'name-back': async (a, { rt }) => {
    await rt.renameContainer(previousOf(a), a.spec.name);
  },
  // Started again when it ran, or when this `up` means the service to run (the previous one of an
  // interrupted recreate is found stopped, though it ran before).
  'start-previous': async (a, { rt }) => {
    await rt.startContainer(previousOf(a));
  },
};

/**
 * The container a create made for `spec` when its answer was lost: the one under the real name, of the
 * same project, service and number and config, and not the one it replaces.
 */
async function madeFor(rt: Runtime, spec: ContainerSpec, replaces: string): Promise<string | undefined> {
  const c = await rt.inspectContainer(spec.name).catch(() => undefined);
  const same =
    c !== undefined &&
    c.id !== replaces &&
    [Label.project, Label.service, Label.number, Label.configHash].every((k) => c.labels[k] === spec.labels[k]);
  return same ? c.id : undefined;
}

/** The failure of one replacement, as the user is told it: the cause, and what was given back. */
export interface ReplacementFailure {
  action: Replacing;
  error: RecreateError;
}

const UNDO_PROBLEM: Partial<Record<ReplacePart, string>> = {
  'remove-new': 'the new container could not be removed',
  'name-back': 'its name could not be given back',
  'start-previous': 'it could not be started again',
};

/**
 * Each replacement that failed, folded into one error: `recreate failed: <cause>; the previous
 * container was kept and restarted` (or what could not be given back). A replacement that failed only
 * at removing the previous container keeps that part's own error.
 */
export function replacementFailures(
  steps: readonly PlanStep[],
  outcomes: ReadonlyMap<string, StepOutcome>,
): ReplacementFailure[] {
  const groups = new Map<Action, Map<ReplacePart, StepOutcome>>();
  for (const s of steps) {
    if (s.part === undefined) continue;
    const group = groups.get(s.action) ?? new Map<ReplacePart, StepOutcome>();
    group.set(s.part, outcomes.get(s.id)!);
    groups.set(s.action, group);
  }
  return [...groups].flatMap(([action, group]) => {
    const error = foldedError(group);
    return error ? [{ action: action as Replacing, error }] : [];
  });
}

function foldedError(group: Map<ReplacePart, StepOutcome>): RecreateError | undefined {
  const failedAt = (p: ReplacePart): Error | undefined => {
    const o = group.get(p);
    return o?.state === 'failed' ? o.error : undefined;
  };
  const order: ReplacePart[] = ['create', 'stop-previous', 'start'];
  const failure = order.map(failedAt).find((e) => e !== undefined);
  const asideFailure = failedAt('set-aside');
  if (failure === undefined && asideFailure === undefined) return undefined;
  const cause = (failure ?? asideFailure)!;
  const problems = UNDO_PARTS.flatMap((p) => {
    const e = failedAt(p);
    return e ? [`${UNDO_PROBLEM[p]} (${e.message})`] : [];
  });
  const outcome =
    failure === undefined
      ? 'the previous container was kept'
      : problems.length > 0
        ? `the previous container is kept, but ${problems.join(' and ')}; the next up settles it`
        : group.get('start-previous')?.state === 'done'
          ? 'the previous container was kept and restarted'
          : 'the previous container was kept';
  return new RecreateError(`recreate failed: ${causeOf(cause)}; ${outcome}`, {
    cause,
    hint:
      cause instanceof PortTakenError
        ? 'free the port (or publish another one) and run up again'
        : 'fix the cause and run up again',
  });
}

/** Whether a part's failure is reported once the replacement settles, folded with the others. */
export function foldedPart(part: ReplacePart | undefined): boolean {
  return part !== undefined && (part === 'set-aside' || UNDONE_PARTS.includes(part) || UNDO_PARTS.includes(part));
}

/** The cause of a failed create or start, in a user's words: the engine's own message, a taken port said plainly. */
export function causeOf(err: unknown): string {
  if (err instanceof PortTakenError) return err.plainly;
  return err instanceof EngineError ? err.engineMessage : err instanceof Error ? err.message : String(err);
}
