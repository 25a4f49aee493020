/**
 * apply/: executes a Plan through the Runtime and the graph walker, emitting progress events. Each
 * action is dispatched to the runtime calls it names; nothing here decides what to do, only how.
 */
import { ApplyError } from '../errors.js';
import type { Graph } from '../graph/index.js';
import { walk } from '../graph/index.js';
import { actionTitle, type Action, type Plan } from '../plan/index.js';
import type { Emit, EventStatus } from '../progress/events.js';
import type { BuildSpec, Runtime } from '../runtime/runtime.js';
import { runBuilds, type BuildAction } from './images.js';
import { execute } from './operations.js';
import type { Requirements } from './optional.js';

export interface ApplyOptions {
  /** Most operations at once (`--parallel`, `COMPOSE_PARALLEL_LIMIT`). */
  parallel: number;
  /** Grace period for stopping containers, in seconds (`-t`). */
  stopTimeoutSec?: number;
  /** Time source for durations; injected for tests. */
  now?: () => number;
  /** What each `build-image` action builds, by image reference (prepared from the project by ops). */
  buildSpecs?: Map<string, BuildSpec>;
  /** Which services the run can do without (`depends_on.required: false`); default: it needs them all. */
  requirements?: Requirements;
}

export function actionId(a: Action): string {
  // A replacement left by an interrupted recreate holds the real name, which the number's own action shows too.
  if (a.kind === 'remove-container' && a.leftover === true) return `container:${a.target}@${a.id.slice(0, 12)}`;
  const kind = a.kind.split('-').pop()!;
  return a.kind === 'wait' ? `wait:${a.service}:${a.dependency}` : `${kind}:${a.target}`;
}

export async function applyPlan(
  plan: Plan,
  graph: Graph,
  runtime: Runtime,
  emit: Emit,
  options: ApplyOptions,
): Promise<void> {
  const st = startRun(plan, graph, runtime, emit, options);
  const inGraph = (a: Action): a is Extract<Action, { service: string }> =>
    'service' in a && graph.nodes.includes(a.service);
  const serviceActions = plan.actions.filter(inGraph);
  const byService = new Map<string, Action[]>();
  for (const a of serviceActions) byService.set(a.service, [...(byService.get(a.service) ?? []), a]);
  const up = serviceActions.some((a) => a.kind !== 'remove-container' && a.kind !== 'stop-container');

  // 1. Containers of services the stack no longer has (orphans), then networks, volumes and images.
  await parallel(
    st,
    plan.actions.filter((a) => a.kind === 'remove-container' && !inGraph(a)),
  );
  if (st.failures.length === 0) {
    await parallel(
      st,
      plan.actions.filter(
        (a) => a.kind === 'create-network' || a.kind === 'create-volume' || a.kind === 'recreate-volume',
      ),
    );
  }
  const imageFailures = new Set<string>();
  if (st.failures.length === 0) await makeImages(st, imageFailures);
  const blocked = needing(graph, imageFailures, options.requirements);
  // Dependents restarted around a dependency's recreate are stopped before anything is recreated.
  if (otherFailures(st) === 0) await stopRestarted(st, blocked);
  // 2. Services in dependency order (reverse order when tearing down).
  if (otherFailures(st) === 0 && byService.size > 0) await walkServices(st, byService, blocked, up);
  // 3. Networks and volumes being removed, after the containers using them.
  if (fatalFailures(st) === 0)
    await parallel(
      st,
      plan.actions.filter((a) => a.kind === 'remove-network' || a.kind === 'remove-volume'),
    );
  if (fatalFailures(st) > 0) throw new ApplyError(st.failures.filter((f) => !st.optionalFailures.has(f)));
}

interface Failure {
  target: string;
  error: Error;
}

/** What the phases of one `applyPlan` share: its inputs, and what has failed so far. */
interface ApplyRun {
  plan: Plan;
  graph: Graph;
  runtime: Runtime;
  emit: Emit;
  options: ApplyOptions;
  now: () => number;
  /** When the run began: events' durations count from it. */
  t0: number;
  failures: Failure[];
  /** Failures of services the run can do without: reported, but they do not fail the run. */
  optionalFailures: Set<Failure>;
  /** Services that failed (or could not be made), with why: what their dependents are told. */
  failedServices: Map<string, string>;
  /** The container of each service known so far, for `service:x` references. */
  serviceIds: Map<string, string>;
}

function startRun(plan: Plan, graph: Graph, runtime: Runtime, emit: Emit, options: ApplyOptions): ApplyRun {
  const now = options.now ?? Date.now;
  const t0 = now();
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
    graph,
    runtime,
    emit,
    options,
    now,
    t0,
    failures: [],
    optionalFailures: new Set(),
    failedServices: new Map(),
    serviceIds,
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

function fail(st: ApplyRun, a: Action, error: Error): void {
  const failure = { target: actionTitle(a), error };
  st.failures.push(failure);
  if (optionalAction(st, a)) st.optionalFailures.add(failure);
}

function fatalFailures(st: ApplyRun): number {
  return st.failures.filter((f) => !st.optionalFailures.has(f)).length;
}

function otherFailures(st: ApplyRun): number {
  return st.failures.filter((f) => !f.target.startsWith('image ')).length;
}

/** Runs one action with its progress events; a failure is reported, recorded and thrown. */
async function run(st: ApplyRun, a: Action): Promise<void> {
  const id = actionId(a);
  const title = actionTitle(a);
  const say = (status: EventStatus, text: string, detail?: string): void =>
    st.emit({
      id,
      title,
      status,
      text,
      ...(detail !== undefined && { detail }),
      ...((status === 'done' || status === 'failed') && { durationMs: st.now() - st.t0 }),
    });
  try {
    await execute(a, st.runtime, st.options, say, st.serviceIds, st.plan.project);
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    say('failed', 'Error', error.message);
    fail(st, a, error);
    throw error;
  }
}

async function parallel(st: ApplyRun, actions: Action[]): Promise<void> {
  await limitAll(actions, st.options.parallel, async (a) => {
    try {
      await run(st, a);
    } catch {
      // recorded in failures
    }
  });
}

function skip(st: ApplyRun, actions: Action[], detail: string): void {
  for (const a of actions)
    st.emit({ id: actionId(a), title: actionTitle(a), status: 'skipped', text: 'Skipped', detail });
}

/**
 * Images: pulls, then builds (a build may start FROM a pulled image, or FROM another build's image).
 * A failed image stops only the services that use it and their dependents, added to `imageFailures`.
 */
async function makeImages(st: ApplyRun, imageFailures: Set<string>): Promise<void> {
  const imageFailed = (a: { target: string; services: string[] }, why: string): void => {
    for (const s of a.services) {
      imageFailures.add(s);
      st.failedServices.set(s, `image ${a.target}: ${why}`);
    }
  };
  const before = st.failures.length;
  const pulls = st.plan.actions.filter((a): a is Extract<Action, { kind: 'pull-image' }> => a.kind === 'pull-image');
  await parallel(st, pulls);
  const failedPulls = new Map(st.failures.slice(before).map((f) => [f.target, f.error.message]));
  for (const p of pulls) {
    const why = failedPulls.get(actionTitle(p));
    if (why !== undefined) imageFailed(p, why);
  }
  const builds = st.plan.actions.filter((a): a is BuildAction => a.kind === 'build-image');
  if (builds.length === 0) return;
  const result = await runBuilds(
    builds,
    st.options.buildSpecs ?? new Map<string, BuildSpec>(),
    st.options.parallel,
    (a) => run(st, a),
  );
  for (const { action, error } of result.failed) imageFailed(action, error.message);
  for (const a of result.skipped) {
    const error = new Error('not built: the image it starts FROM failed to build');
    imageFailed(a, error.message);
    st.emit({ id: actionId(a), title: actionTitle(a), status: 'failed', text: 'Skipped', detail: error.message });
    fail(st, a, error);
  }
}

/** Stops the dependents that are restarted around a dependency's recreate (not those blocked). */
async function stopRestarted(st: ApplyRun, blocked: Set<string>): Promise<void> {
  const restarts = st.plan.actions.filter(
    (a): a is Extract<Action, { kind: 'restart-container' }> =>
      a.kind === 'restart-container' && !blocked.has(a.service),
  );
  await limitAll(restarts, st.options.parallel, async (a) => {
    st.emit({ id: actionId(a), title: actionTitle(a), status: 'working', text: 'Stopping', detail: a.reason });
    await st.runtime.stopContainer(a.id, st.options.stopTimeoutSec).catch((err: unknown) => {
      st.failures.push({ target: actionTitle(a), error: err instanceof Error ? err : new Error(String(err)) });
    });
  });
}

/** The services' own actions, in dependency order; those blocked by a failed image are skipped. */
async function walkServices(
  st: ApplyRun,
  byService: Map<string, Action[]>,
  blocked: Set<string>,
  up: boolean,
): Promise<void> {
  for (const s of blocked) {
    if (!st.failedServices.has(s)) st.failedServices.set(s, 'it needs a service whose image could not be made');
    skip(st, byService.get(s) ?? [], 'its image could not be made');
  }
  const only = new Set([...byService.keys()].filter((s) => !blocked.has(s)));
  const result = await walk(
    st.graph,
    { direction: up ? 'up' : 'down', concurrency: st.options.parallel, only, tolerate: (s) => !required(st, s) },
    async (service) => {
      try {
        await walkService(st, service, byService.get(service)!, up);
      } catch (err) {
        st.failedServices.set(service, err instanceof Error ? err.message : String(err));
        throw err;
      }
    },
  );
  for (const s of result.skipped) skip(st, byService.get(s) ?? [], 'an earlier step failed');
}

async function walkService(st: ApplyRun, service: string, actions: Action[], up: boolean): Promise<void> {
  // A dependency that failed: a service that needs it is skipped; one that can do without it (required:
  // false) is told why and goes on without it, without waiting for it.
  const failedDeps = up ? (st.graph.deps.get(service) ?? []).filter((d) => st.failedServices.has(d)) : [];
  const optional = st.options.requirements?.optionalDeps.get(service);
  const needed = failedDeps.find((d) => !optional?.has(d));
  if (needed !== undefined) {
    const error = new Error(`not started: it needs ${needed}, which failed`);
    skip(st, actions, error.message);
    const failure = { target: service, error };
    st.failures.push(failure);
    if (!required(st, service)) st.optionalFailures.add(failure);
    throw error;
  }
  for (const d of failedDeps) {
    st.emit({
      id: `wait:${service}:${d}`,
      title: service,
      status: 'warning',
      text: 'Warning',
      detail: `going on without ${d} (not required): ${st.failedServices.get(d)}`,
    });
  }
  for (const w of actions.filter((a) => a.kind === 'wait')) {
    if (failedDeps.includes(w.dependency))
      st.emit({
        id: actionId(w),
        title: actionTitle(w),
        status: 'skipped',
        text: 'Skipped wait',
        detail: `${w.dependency} failed`,
      });
    else await run(st, w);
  }
  await runInPhases(st, actions);
}

/**
 * What an interrupted recreate left is settled first: its replacements go, then the container kept gets
 * its name back; then the rest. After a failure, the later phases are skipped.
 */
async function runInPhases(st: ApplyRun, actions: Action[]): Promise<void> {
  const isLeftover = (a: Action): boolean => a.kind === 'remove-container' && a.leftover === true;
  const phases = [
    actions.filter(isLeftover),
    actions.filter((a) => a.kind === 'rename-container'),
    actions.filter((a) => a.kind !== 'wait' && a.kind !== 'rename-container' && !isLeftover(a)),
  ];
  const errors: unknown[] = [];
  for (const phase of phases) {
    if (errors.length > 0) {
      skip(st, phase, 'an earlier step failed');
      continue;
    }
    await limitAll(phase, st.options.parallel, (a) => run(st, a).catch((e: unknown) => void errors.push(e)));
  }
  if (errors.length > 0) throw errors[0] instanceof Error ? errors[0] : new Error(String(errors[0]));
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

/**
 * The services in `roots` and every service that needs one of them, directly or not; a service that
 * can do without a dependency (`required: false`) does not need it.
 */
export function needing(graph: Graph, roots: ReadonlySet<string>, requirements?: Requirements): Set<string> {
  const out = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (out.has(n)) continue;
    out.add(n);
    for (const d of graph.dependents.get(n) ?? []) if (!requirements?.optionalDeps.get(d)?.has(n)) stack.push(d);
  }
  return out;
}
