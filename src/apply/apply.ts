/**
 * apply/: runs a Plan's steps through the Runtime: one walker (graph/steps.ts) over the plan's graph,
 * with bounded parallelism, one executor per operation (operations.ts), and one failure rule: a step
 * that fails holds back only what follows it, which is skipped and reported with why; independent
 * branches go on. The one exception is a dependency a service can do without (`required: false`):
 * the service goes on without it, with a warning. Nothing here decides what to do, only how.
 */
import { ApplyError } from '../errors.js';
import { walkSteps, type Blocker, type StepOutcome, type StepResult } from '../graph/steps.js';
import { actionTitle, type Action, type Plan, type PlanStep } from '../plan/index.js';
import type { Emit, EventStatus } from '../progress/events.js';
import type { BuildSpec, Runtime } from '../runtime/runtime.js';
import { execContext, execute } from './operations.js';
import type { Requirements } from './optional.js';
import { foldedPart, replacementFailures, runPart, type MadeContainers, type Replacing } from './replace.js';
export interface ApplyOptions {
  /** Most operations at once (`--parallel`, `COMPOSE_PARALLEL_LIMIT`). */
  parallel: number;
  /** Grace period for stopping containers, in seconds (`-t`). */
  stopTimeoutSec?: number;
  /** Time source for durations; injected for tests. */
  now?: () => number;
  /** What each `build-image` action builds, by image reference (prepared from the project by ops). */
  buildSpecs?: Map<string, BuildSpec>;
  /** `--quiet-pull`: a pull says it starts and ends, without its progress. */
  quietPull?: boolean;
  /** `--quiet-build`: a build says it starts and ends, without the builder's output lines. */
  quietBuild?: boolean;
  /** Which services the run can do without (`depends_on.required: false`); default: it needs them all. */
  requirements?: Requirements;
}

export function actionId(a: Action): string {
  // A replacement left by an interrupted recreate holds the real name, which the number's own action shows too.
  if (a.kind === 'remove-container' && a.leftover === true) return `container:${a.target}@${a.id.slice(0, 12)}`;
  if (a.kind === 'run-hook') return `hook:${a.target}:${a.hook}:${a.index}`;
  const kind = a.kind.split('-').pop()!;
  return a.kind === 'wait' ? `wait:${a.service}:${a.dependency}` : `${kind}:${a.target}`;
}

export async function applyPlan(plan: Plan, runtime: Runtime, emit: Emit, options: ApplyOptions): Promise<void> {
  const st = startRun(plan, runtime, emit, options);
  const outcomes = await walkSteps(plan.steps, options.parallel, {
    run: (step) => runStep(st, step),
    gate: (step, blockers) => gate(st, step, blockers),
    skipped: (step, why) => reportSkip(st, step, why),
  });
  settleReplacements(st, outcomes);
  const fatal = st.failures.filter((f) => !st.optionalFailures.has(f));
  if (fatal.length > 0) throw new ApplyError(fatal, skippedOf(plan.steps, outcomes, st.failures));
}

interface Failure {
  target: string;
  error: Error;
}

/** What the steps of one `applyPlan` share: its inputs, and what has failed so far. */
interface ApplyRun {
  plan: Plan;
  runtime: Runtime;
  emit: Emit;
  options: ApplyOptions;
  now: () => number;
  /** When the run began: events' durations count from it. */
  t0: number;
  failures: Failure[];
  /** Failures of services the run can do without: reported, but they do not fail the run. */
  optionalFailures: Set<Failure>;
  /** Services that failed (or could not be made, or were skipped), with why: what dependents are told. */
  failedServices: Map<string, string>;
  /** `service dependency` pairs already warned of: a service goes on without a dependency once. */
  warned: Set<string>;
  /** The container of each service known so far, for `service:x` references. */
  serviceIds: Map<string, string>;
  /** The new container of each replacement, once created. */
  made: MadeContainers;
  /** Replacements that failed: their parts' failures are reported together once they settle. */
  failedReplacements: Set<Action>;
  /** Replacements already reported as skipped (once for all their parts). */
  skippedReplacements: Set<Action>;
}

function startRun(plan: Plan, runtime: Runtime, emit: Emit, options: ApplyOptions): ApplyRun {
  const now = options.now ?? Date.now;
  const serviceIds = new Map<string, string>();
  for (const a of plan.actions) {
    if (
      (a.kind === 'keep-container' || a.kind === 'start-container' || a.kind === 'check-container') &&
      !serviceIds.has(a.service)
    )
      serviceIds.set(a.service, a.id);
  }
  return {
    plan,
    runtime,
    emit,
    options,
    now,
    t0: now(),
    failures: [],
    optionalFailures: new Set(),
    failedServices: new Map(),
    warned: new Set(),
    serviceIds,
    made: new Map(),
    failedReplacements: new Set(),
    skippedReplacements: new Set(),
  };
}

function required(st: ApplyRun, service: string): boolean {
  return st.options.requirements?.required.has(service) ?? true;
}

function optionalAction(st: ApplyRun, a: Action): boolean {
  return 'service' in a
    ? !required(st, a.service)
    : 'services' in a && a.services.length > 0 && a.services.every((s) => !required(st, s));
}

/** The service a step acts for: a container's, a wait's waiting one; none for networks, volumes, images. */
function serviceOf(step: PlanStep): string | undefined {
  return 'service' in step.action && step.action.service !== '' ? step.action.service : undefined;
}

/** The service whose failure a step stands for: a wait's dependency; a container step's own service. */
function ownerOf(step: PlanStep): string | undefined {
  return step.action.kind === 'wait' ? step.action.dependency : serviceOf(step);
}

const IMAGE_OPS: ReadonlySet<string> = new Set(['pull-image', 'build-image']);

/** Runs one step with its progress events; a failure is reported and recorded, then thrown to the walker. */
async function runStep(st: ApplyRun, step: PlanStep): Promise<void | StepResult> {
  const a = step.action;
  const say = sayFor(st, a);
  const cx = execContext(st.runtime, st.options, say, st.serviceIds, st.plan.project);
  try {
    if (step.part !== undefined) return await runPart(step.part, a as Replacing, cx, st.made);
    if (step.op === 'stop-container' && a.kind === 'restart-container') {
      say('working', 'Stopping', step.reason);
      return await st.runtime.stopContainer(a.id, st.options.stopTimeoutSec);
    }
    return await execute(a, cx);
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    if (foldedPart(step.part)) {
      // Told once the replacement settles (its undo may still run): `settleReplacements`.
      st.failedReplacements.add(a);
      if ('service' in a && !st.failedServices.has(a.service)) st.failedServices.set(a.service, error.message);
    } else {
      say('failed', 'Error', error.message);
      recordFailure(st, a, error);
    }
    throw error;
  }
}

/** Each failed replacement, reported and recorded once, with what was given back. */
function settleReplacements(st: ApplyRun, outcomes: Map<string, StepOutcome>): void {
  for (const { action, error } of replacementFailures(st.plan.steps, outcomes)) {
    sayFor(st, action)('failed', 'Error', error.message);
    recordFailure(st, action, error);
    st.failedServices.set(action.service, error.message);
  }
}

function sayFor(st: ApplyRun, a: Action): (status: EventStatus, text: string, detail?: string) => void {
  const id = actionId(a);
  const title = actionTitle(a);
  return (status, text, detail) =>
    st.emit({
      id,
      title,
      status,
      text,
      ...(detail !== undefined && { detail }),
      ...((status === 'done' || status === 'failed') && { durationMs: st.now() - st.t0 }),
    });
}

function recordFailure(st: ApplyRun, a: Action, error: Error): void {
  const failure = { target: actionTitle(a), error };
  st.failures.push(failure);
  if (optionalAction(st, a)) st.optionalFailures.add(failure);
  const services = IMAGE_OPS.has(a.kind) && 'services' in a ? a.services : 'service' in a ? [a.service] : [];
  const why = IMAGE_OPS.has(a.kind) ? `image ${a.target}: ${error.message}` : error.message;
  for (const s of services) if (!st.failedServices.has(s)) st.failedServices.set(s, why);
}

/**
 * Whether a step runs though something it follows did not end done. It runs when every such step
 * stands for a dependency its service can do without (once warned of); a wait for a dependency that
 * failed is skipped (a wait follows every dependency's steps, but only its own dependency's failure
 * skips it); anything else is skipped, saying why.
 */
function gate(st: ApplyRun, step: PlanStep, blockers: Blocker<PlanStep>[]): string | undefined {
  const service = serviceOf(step);
  const waitsFor = step.action.kind === 'wait' ? step.action.dependency : undefined;
  if (waitsFor !== undefined && blockers.some((b) => ownerOf(b.step) === waitsFor)) return `${waitsFor} failed`;
  const hard = blockers.filter((b) => {
    const owner = ownerOf(b.step);
    return !(
      service !== undefined &&
      owner !== undefined &&
      owner !== service &&
      st.options.requirements?.optionalDeps.get(service)?.has(owner)
    );
  });
  if (hard.length === 0) {
    for (const b of blockers) goOnWithout(st, service!, ownerOf(b.step)!);
    return undefined;
  }
  return skipReason(step, hard[0]!.step);
}

function goOnWithout(st: ApplyRun, service: string, dependency: string): void {
  const key = `${service} ${dependency}`;
  if (st.warned.has(key)) return;
  st.warned.add(key);
  st.emit({
    id: `wait:${service}:${dependency}`,
    title: service,
    status: 'warning',
    text: 'Warning',
    detail: `going on without ${dependency} (not required): ${st.failedServices.get(dependency) ?? 'it failed'}`,
  });
}

/** Why a step is skipped, from the first step it follows that did not end done. */
function skipReason(step: PlanStep, blocker: PlanStep): string {
  const b = blocker.action;
  if (IMAGE_OPS.has(b.kind))
    return step.action.kind === 'build-image'
      ? 'not built: the image it starts FROM could not be made'
      : 'its image could not be made';
  if (b.kind === 'create-network' || b.kind === 'create-volume' || b.kind === 'recreate-volume')
    return `${b.kind === 'create-network' ? 'network' : 'volume'} ${b.target} could not be made`;
  const owner = ownerOf(blocker);
  const service = serviceOf(step);
  if (owner !== undefined && service !== undefined && owner !== service && step.action.kind !== 'remove-container')
    return `not started: it needs ${owner}, which failed`;
  return `${actionTitle(b)} did not finish`;
}

function reportSkip(st: ApplyRun, step: PlanStep, why: string): void {
  const a = step.action;
  // The rest of a replacement that failed is not news: its failure says what happened.
  if (step.part !== undefined && st.failedReplacements.has(a)) return;
  if (step.part !== undefined && st.skippedReplacements.has(a)) return;
  if (step.part !== undefined) st.skippedReplacements.add(a);
  st.emit({
    id: actionId(a),
    title: actionTitle(a),
    status: 'skipped',
    text: a.kind === 'wait' ? 'Skipped wait' : 'Skipped',
    detail: why,
  });
  const service = a.kind === 'wait' ? undefined : serviceOf(step);
  if (service !== undefined && !st.failedServices.has(service)) st.failedServices.set(service, why);
}

/**
 * The steps skipped, with why, for the error's detail (a restart's two halves, a replacement's parts
 * count once; a target that failed is not also listed as skipped).
 */
function skippedOf(
  steps: readonly PlanStep[],
  outcomes: Map<string, StepOutcome>,
  failures: readonly Failure[],
): Failure[] {
  const seen = new Set<string>(failures.map((f) => f.target));
  return steps.flatMap((s) => {
    const o = outcomes.get(s.id);
    const title = actionTitle(s.action);
    if (o?.state !== 'skipped' || s.action.kind === 'wait' || seen.has(title)) return [];
    seen.add(title);
    return [{ target: title, error: new Error(o.why) }];
  });
}

/** Run `fn` over items with at most `limit` at once. */
export async function limitAll<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
}
