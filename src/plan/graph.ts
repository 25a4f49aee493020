/**
 * The plan as a graph: each action becomes a step with a stable id (`#1`, `#2`, … in the order a walker
 * could run them) and `after`, the ids of the steps it must follow. The edges are decided here, purely,
 * from the same ordering rules apply/ still runs in phases (docs/design.md, "The plan is a graph"), so
 * that `berth plan` shows the order things happen in and an ordering bug shows in a plan test.
 */
import type { Project } from '../config/model.js';
import { BuildContextError } from '../errors.js';
import type { Graph } from '../graph/index.js';
import type { StepCondition } from '../graph/steps.js';
import type { Action, ActionKind } from './plan.js';

/** What a step does: an action's kind, or `stop-container` for the first half of a `restart-container`. */
export type StepOp = ActionKind;

/**
 * The atomic parts of replacing a container (a `recreate-container`, or the change a `check-container`
 * finds): the previous one steps aside under `<id12>_<name>` and stops while the new one is created
 * under the real name; the new one starts; then the previous one is removed. The last three undo a
 * failed stop, create or start: the new container goes, the previous one gets its name back and runs.
 */
export type ReplacePart =
  | 'set-aside'
  | 'stop-previous'
  | 'create'
  | 'start'
  | 'remove-previous'
  | 'remove-new'
  | 'name-back'
  | 'start-previous';

export const PART_OP: Readonly<Record<ReplacePart, StepOp>> = {
  'set-aside': 'rename-container',
  'stop-previous': 'stop-container',
  create: 'create-container',
  start: 'start-container',
  'remove-previous': 'remove-container',
  'remove-new': 'remove-container',
  'name-back': 'rename-container',
  'start-previous': 'start-container',
};

/** The parts whose failure is undone. */
export const UNDONE_PARTS: readonly ReplacePart[] = ['stop-previous', 'create', 'start'];
export const UNDO_PARTS: readonly ReplacePart[] = ['remove-new', 'name-back', 'start-previous'];

export interface PlanStep {
  /** `#<n>`, numbered in the order the steps are listed. */
  id: string;
  op: StepOp;
  /** The action this step runs (a `restart-container` has two steps: its stop, then its start). */
  action: Action;
  target: string;
  reason: string;
  /** The ids of the steps this one must follow; only direct ones (none implied through another) and those `when` names. */
  after: string[];
  /** Which part of replacing a container this step is (its action is the recreate or check). */
  part?: ReplacePart;
  /** Runs only if this holds: an undo, when a part it names failed; a check's parts, when it found a change. */
  when?: StepCondition;
}

/** A step before it has an id: `after` and `when` hold indices into the draft list. */
interface Draft {
  op: StepOp;
  action: Action;
  reason: string;
  after: Set<number>;
  part?: ReplacePart;
  when?: { failed: number[] } | { ran: number } | { changed: number };
}

/** What the edge rules need to know about the stack (absent for a `down` without a stack file). */
export interface LinkContext {
  project: Project | undefined;
  graph: Graph;
  direction: 'up' | 'down';
  /** Service -> the images its Dockerfile starts `FROM`, when the caller read them; absent: unknown. */
  buildBases?: Readonly<Record<string, readonly string[]>>;
}

const CONTAINER_KINDS: ReadonlySet<ActionKind> = new Set([
  'check-container',
  'wait',
  'create-container',
  'recreate-container',
  'rename-container',
  'start-container',
  'restart-container',
  'keep-container',
  'stop-container',
  'remove-container',
  'run-hook',
]);

/** The steps of a plan's actions, with their edges, sorted and numbered. */
export function linkActions(actions: readonly Action[], ctx: LinkContext): PlanStep[] {
  const drafts = draftsOf(actions, ctx);
  if (ctx.direction === 'up') linkUp(drafts, ctx);
  else linkDown(drafts, ctx);
  linkReplacements(drafts);
  linkHooks(drafts);
  return number(drafts);
}

/** One draft per action; a `restart-container` is preceded by its own stop. */
function draftsOf(actions: readonly Action[], ctx: LinkContext): Draft[] {
  const drafts: Draft[] = [];
  for (const action of actions) {
    if (action.kind === 'restart-container') {
      const deps = restartedAround(action.service, actions, ctx);
      drafts.push({
        op: 'stop-container',
        action,
        reason: `before ${deps.join(', ')} ${deps.length === 1 ? 'is' : 'are'} recreated (depends_on restart: true)`,
        after: new Set(),
      });
    }
    if (action.kind === 'recreate-container') {
      drafts.push(...replaceDrafts(action, undefined));
      continue;
    }
    drafts.push({ op: action.kind, action, reason: action.reason, after: new Set() });
    if (action.kind === 'check-container') drafts.push(...replaceDrafts(action, drafts.length - 1));
  }
  return drafts;
}

type Replacing = Extract<Action, { kind: 'recreate-container' | 'check-container' }>;

/** The container a recreate replaces. */
export const previousOf = (a: Replacing): string => (a.kind === 'check-container' ? a.id : a.replaces);

/** The parts of one replacement, in the order they are listed; `check` is the step they are conditional on. */
function replaceDrafts(a: Replacing, check: number | undefined): Draft[] {
  const aside = `${previousOf(a).slice(0, 12)}_${a.spec.name}`;
  const reasons: [ReplacePart, string][] = [
    ['set-aside', `aside as ${aside}, to be replaced (${check === undefined ? a.reason : 'if its image changed'})`],
    ['stop-previous', 'the previous container, while the new one is made'],
    ['create', check === undefined ? a.reason : 'if its image changed'],
    ...(a.start ? [['start', 'the new container'] as [ReplacePart, string]] : []),
    ['remove-previous', 'the previous container, replaced'],
    ['remove-new', 'if the recreate fails: the new container'],
    ['name-back', 'if the recreate fails: the previous container gets its name back'],
    ...(a.running === true || a.start
      ? [['start-previous', 'if the recreate fails: the previous container runs again'] as [ReplacePart, string]]
      : []),
  ];
  return reasons.map(([part, reason]) => ({
    op: PART_OP[part],
    action: a,
    reason,
    after: new Set(check === undefined ? [] : [check]),
    part,
    ...(check !== undefined && !UNDO_PARTS.includes(part) && { when: { changed: check } }),
  }));
}

type Hook = Extract<Action, { kind: 'run-hook' }>;

/**
 * Each hook beside its container's step: a post_start hook after the step that starts it; a pre_stop
 * hook before the step that stops it (in a replacement: after the set-aside, and a failed hook undoes
 * the replacement like a failed stop). Hooks of one container run in their order. A hook beside a
 * conditional step runs only when that step ran.
 */
function linkHooks(drafts: Draft[]): void {
  const last = new Map<string, number>();
  drafts.forEach((d, i) => {
    if (d.action.kind !== 'run-hook') return;
    const hook = d.action;
    const key = `${hook.hook} ${hook.container}`;
    if (last.has(key)) d.after.add(last.get(key)!);
    last.set(key, i);
    if (hook.hook === 'post_start') {
      linkPostStart(drafts, i, hook);
      return;
    }
    const stopper = drafts.findIndex((s) => stopsContainer(s, hook));
    if (stopper < 0) return;
    drafts[stopper]!.after.add(i);
    if (drafts[stopper]!.part !== 'stop-previous') return;
    const group = (p: ReplacePart): number =>
      drafts.findIndex((s) => s.action === drafts[stopper]!.action && s.part === p);
    follow(drafts, i, group('set-aside'));
    const undo = drafts[group('remove-new')]!;
    undo.after.add(i);
    if (undo.when && 'failed' in undo.when) undo.when = { failed: [...undo.when.failed, i] };
  });
}

/**
 * A post_start hook after the step that starts its container. A stopped container whose image is
 * checked at run time is started either by the check (image unchanged) or by its replacement's start:
 * the hook follows both, unconditionally, and runs after whichever ran (an idle step counts as done).
 */
function linkPostStart(drafts: Draft[], i: number, hook: Hook): void {
  const starter = drafts.findIndex((s) => startsContainer(s, hook));
  if (starter < 0) return;
  const action = drafts[starter]!.action;
  if (action.kind === 'check-container' && !action.running) {
    drafts[i]!.after.add(starter);
    drafts[i]!.after.add(drafts.findIndex((d) => d.action === action && d.part === undefined));
    return;
  }
  follow(drafts, i, starter);
}

/** Hook `i` after step `j`, and only if `j` ran when `j` is conditional. */
function follow(drafts: Draft[], i: number, j: number): void {
  drafts[i]!.after.add(j);
  if (drafts[j]!.when !== undefined) drafts[i]!.when = { ran: j };
}

function startsContainer(d: Draft, hook: Hook): boolean {
  if (d.action.target !== hook.target) return false;
  if (d.part !== undefined) return d.part === 'start';
  return d.action.kind === 'create-container' || d.action.kind === 'start-container';
}

function stopsContainer(d: Draft, hook: Hook): boolean {
  if (d.part !== undefined) return d.part === 'stop-previous' && previousOf(d.action as Replacing) === hook.container;
  return d.action.kind === 'remove-container' && d.action.id === hook.container;
}

/** The edges inside each replacement: set aside; stop and create; start; remove the previous; the undo chain. */
function linkReplacements(drafts: Draft[]): void {
  const groups = new Map<Action, Map<ReplacePart, number>>();
  drafts.forEach((d, i) => {
    if (d.part === undefined) return;
    const parts = groups.get(d.action) ?? new Map<ReplacePart, number>();
    parts.set(d.part, i);
    groups.set(d.action, parts);
  });
  for (const parts of groups.values()) {
    const at = (p: ReplacePart): number[] => (parts.has(p) ? [parts.get(p)!] : []);
    const follow = (p: ReplacePart, before: number[]): void => {
      for (const b of before) drafts[parts.get(p)!]!.after.add(b);
    };
    const made = [...at('stop-previous'), ...at('create')];
    follow('stop-previous', at('set-aside'));
    follow('create', at('set-aside'));
    if (parts.has('start')) follow('start', made);
    follow('remove-previous', parts.has('start') ? at('start') : made);
    const undone = UNDONE_PARTS.flatMap(at);
    follow('remove-new', undone);
    drafts[parts.get('remove-new')!]!.when = { failed: undone };
    follow('name-back', at('remove-new'));
    drafts[parts.get('name-back')!]!.when = { ran: parts.get('remove-new')! };
    if (parts.has('start-previous')) {
      follow('start-previous', at('name-back'));
      drafts[parts.get('start-previous')!]!.when = { ran: parts.get('name-back')! };
    }
  }
}

/** The dependencies of `service` with `restart: true` that the plan recreates. */
function restartedAround(service: string, actions: readonly Action[], ctx: LinkContext): string[] {
  const deps = ctx.project?.services[service]?.depends_on ?? {};
  return Object.keys(deps)
    .filter((d) => deps[d]!.restart && actions.some((a) => a.kind === 'recreate-container' && a.service === d))
    .sort();
}

const serviceOf = (a: Action): string | undefined => ('service' in a ? a.service : undefined);

/** A container removal of a service the stack does not have (an orphan): apply runs these first. */
const firstPhase = (d: Draft, graph: Graph): boolean =>
  d.action.kind === 'remove-container' && !graph.nodes.includes(d.action.service);

/** The restart's stop half, which follows its own rules (it precedes the dependency's recreate). */
const isRestartStop = (d: Draft): boolean => d.op === 'stop-container' && d.action.kind === 'restart-container';

function indicesWhere(drafts: Draft[], test: (d: Draft) => boolean): number[] {
  return drafts.flatMap((d, i) => (test(d) ? [i] : []));
}

/** Service -> its container steps (waits included), the orphans' and the restart stops left out. */
function byService(drafts: Draft[], graph: Graph): Map<string, number[]> {
  const out = new Map<string, number[]>();
  drafts.forEach((d, i) => {
    const s = serviceOf(d.action);
    if (s === undefined || !CONTAINER_KINDS.has(d.action.kind) || firstPhase(d, graph) || isRestartStop(d)) return;
    out.set(s, [...(out.get(s) ?? []), i]);
  });
  return out;
}

/**
 * `up`: orphan removals first; a service's networks, volumes and image before its containers; builds
 * after the pulls or builds of the images they start FROM; the stop of a `restart: true` dependent before
 * its dependency's recreate; waits, then an interrupted recreate's leftovers and renames, then the rest;
 * a service's containers after its dependencies' containers.
 */
function linkUp(drafts: Draft[], ctx: LinkContext): void {
  const orphans = indicesWhere(drafts, (d) => firstPhase(d, ctx.graph));
  const services = byService(drafts, ctx.graph);
  drafts.forEach((d, i) => {
    if (!orphans.includes(i)) for (const o of orphans) d.after.add(o);
  });
  for (const d of drafts) {
    if (d.action.kind === 'build-image') for (const p of buildInputs(drafts, d.action, ctx)) d.after.add(p);
  }
  checkBuildCycles(drafts);
  for (const [service, steps] of services) {
    const prereqs = prerequisites(drafts, service, ctx);
    const deps = (ctx.graph.deps.get(service) ?? []).flatMap((dep) => services.get(dep) ?? []);
    for (const i of steps) {
      for (const p of deps) drafts[i]!.after.add(p);
      if (drafts[i]!.action.kind !== 'wait') for (const p of prereqs) drafts[i]!.after.add(p);
    }
    chainStages(drafts, steps);
  }
  for (const [i, d] of drafts.entries()) {
    if (!isRestartStop(d) || d.action.kind !== 'restart-container') continue;
    for (const dep of restartedAround(
      d.action.service,
      drafts.map((x) => x.action),
      ctx,
    )) {
      for (const p of prerequisites(drafts, dep, ctx)) d.after.add(p);
      for (const r of services.get(dep) ?? []) {
        const kind = drafts[r]!.action.kind;
        if (kind === 'recreate-container' || kind === 'check-container') drafts[r]!.after.add(i);
      }
    }
  }
}

/** Within one service: waits, then leftovers of an interrupted recreate, then renames, then the rest. */
function chainStages(drafts: Draft[], steps: number[]): void {
  const stage = (i: number): number => {
    const a = drafts[i]!.action;
    if (a.kind === 'wait') return 0;
    if (a.kind === 'remove-container' && a.leftover === true) return 1;
    if (a.kind === 'rename-container') return 2;
    return 3;
  };
  let previous: number[] = [];
  for (let s = 0; s <= 3; s++) {
    const current = steps.filter((i) => stage(i) === s);
    if (current.length === 0) continue;
    for (const i of current) for (const p of previous) drafts[i]!.after.add(p);
    previous = current;
  }
}

/** The steps that make what a service's containers use: its networks, its volumes, its image. */
function prerequisites(drafts: Draft[], service: string, ctx: LinkContext): number[] {
  const s = ctx.project?.services[service];
  if (!s) return [];
  const networks = new Set(Object.keys(s.networks).flatMap((k) => ctx.project!.networks[k]?.name ?? []));
  const volumes = new Set(
    s.volumes.flatMap((v) =>
      v.type === 'volume' && v.source !== undefined ? (ctx.project!.volumes[v.source]?.name ?? []) : [],
    ),
  );
  return indicesWhere(drafts, (d) => {
    const a = d.action;
    switch (a.kind) {
      case 'create-network':
        return networks.has(a.target);
      case 'create-volume':
      case 'recreate-volume':
        return volumes.has(a.target);
      case 'pull-image':
      case 'build-image':
        return a.services.includes(service);
      default:
        return false;
    }
  });
}

/**
 * The pulls and builds a build starts FROM. Where the caller did not read the Dockerfile, every pull
 * (as apply runs them: pulls, then builds), and no other build.
 */
function buildInputs(drafts: Draft[], build: Extract<Action, { kind: 'build-image' }>, ctx: LinkContext): number[] {
  const bases = ctx.buildBases?.[build.builds];
  if (bases === undefined) return indicesWhere(drafts, (d) => d.action.kind === 'pull-image');
  const wanted = new Set(bases.map(normalRef));
  const names = (a: Action): string[] => {
    if (a.kind === 'pull-image') return [a.target];
    if (a.kind === 'build-image' && a !== build)
      return [a.target, ...(ctx.project?.services[a.builds]?.build?.tags ?? [])];
    return [];
  };
  return indicesWhere(drafts, (d) => names(d.action).some((n) => wanted.has(normalRef(n))));
}

/** Builds that start FROM each other's images can never be made: the stack's error, said before anything runs. */
function checkBuildCycles(drafts: Draft[]): void {
  const builds = indicesWhere(drafts, (d) => d.action.kind === 'build-image');
  const reaches = (from: number, to: number, seen = new Set<number>()): boolean =>
    [...drafts[from]!.after].some((p) => p === to || (!seen.has(p) && seen.add(p) && reaches(p, to, seen)));
  const circular = builds.filter((b) => reaches(b, b));
  if (circular.length === 0) return;
  const named = circular.map((b) => {
    const a = drafts[b]!.action as Extract<Action, { kind: 'build-image' }>;
    return `service "${a.builds}" (image ${a.target})`;
  });
  throw new BuildContextError(
    `cannot order the builds: their Dockerfiles start FROM each other's images: ${named.join(', ')}`,
    {
      hint: "a build cannot start FROM an image that is built from it: change one Dockerfile's FROM line",
    },
  );
}

/** `busybox`, `library/busybox:latest` and `docker.io/library/busybox` name one image. */
export function normalRef(ref: string): string {
  let r = ref.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '');
  r = r.replace(/^library\//, '');
  const lastPart = r.slice(r.lastIndexOf('/') + 1);
  return r.includes('@') || lastPart.includes(':') ? r : `${r}:latest`;
}

/**
 * `down`: orphan removals (containers of services the stack does not name) first; a service's
 * containers after those of the services that depend on it; networks and volumes after every container.
 */
function linkDown(drafts: Draft[], ctx: LinkContext): void {
  const orphans = indicesWhere(drafts, (d) => firstPhase(d, ctx.graph));
  const containers = indicesWhere(drafts, (d) => d.action.kind === 'remove-container');
  const services = byService(drafts, ctx.graph);
  for (const [service, steps] of services) {
    const dependents = (ctx.graph.dependents.get(service) ?? []).flatMap((t) => services.get(t) ?? []);
    for (const i of steps) for (const p of [...orphans, ...dependents]) drafts[i]!.after.add(p);
  }
  drafts.forEach((d) => {
    if (d.action.kind === 'remove-network' || d.action.kind === 'remove-volume')
      for (const c of containers) d.after.add(c);
  });
}

/**
 * Sort the drafts so that each follows what it waits for (the plan's own order among the free ones),
 * drop the edges implied through another, and number them. Throws on a cycle: a bug in the rules above.
 */
function number(drafts: Draft[]): PlanStep[] {
  const order = topological(drafts);
  const position = new Map(order.map((d, k) => [d, k]));
  const ancestors = new Map<number, Set<number>>();
  for (const i of order) {
    const all = new Set<number>();
    for (const p of drafts[i]!.after) {
      all.add(p);
      for (const q of ancestors.get(p)!) all.add(q);
    }
    ancestors.set(i, all);
  }
  return order.map((i) => {
    const d = drafts[i]!;
    const named =
      d.when === undefined
        ? []
        : 'failed' in d.when
          ? d.when.failed
          : 'ran' in d.when
            ? [d.when.ran]
            : [d.when.changed];
    const direct = [...d.after].filter(
      (p) => named.includes(p) || ![...d.after].some((q) => q !== p && ancestors.get(q)!.has(p)),
    );
    const idOf = (p: number): string => `#${position.get(p)! + 1}`;
    const after = direct.sort((a, b) => position.get(a)! - position.get(b)!).map(idOf);
    return {
      id: idOf(i),
      op: d.op,
      action: d.action,
      target: d.action.target,
      reason: d.reason,
      after,
      ...(d.part !== undefined && { part: d.part }),
      ...(d.when !== undefined && { when: conditionIds(d.when, idOf) }),
    };
  });
}

function conditionIds(when: NonNullable<Draft['when']>, idOf: (i: number) => string): StepCondition {
  if ('failed' in when) return { failed: when.failed.map(idOf) };
  return 'ran' in when ? { ran: idOf(when.ran) } : { changed: idOf(when.changed) };
}

/** Kahn's order, taking the earliest free draft each time so that the plan's own order shows through. */
function topological(drafts: Draft[]): number[] {
  const done = new Set<number>();
  const order: number[] = [];
  while (order.length < drafts.length) {
    const next = drafts.findIndex((d, i) => !done.has(i) && [...d.after].every((p) => done.has(p)));
    if (next < 0)
      throw new Error(
        `internal error: the plan's steps wait for each other in a cycle (${drafts
          .filter((_d, i) => !done.has(i))
          .map((d) => d.action.target)
          .join(', ')})`,
      );
    done.add(next);
    order.push(next);
  }
  return order;
}

/**
 * What is wrong with a plan's graph, if anything: ids that repeat, an `after` naming no step, a step
 * listed before one it waits for, a cycle. Empty when a walker can run it in the listed order.
 */
export function checkGraph(steps: readonly Pick<PlanStep, 'id' | 'after'>[]): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const s of steps) {
    if (ids.has(s.id)) problems.push(`${s.id}: id used twice`);
    ids.add(s.id);
  }
  const seen = new Set<string>();
  for (const s of steps) {
    for (const a of s.after) {
      if (!ids.has(a)) problems.push(`${s.id}: waits for ${a}, which is not in the plan`);
      else if (!seen.has(a)) problems.push(`${s.id}: waits for ${a}, which is listed after it`);
    }
    seen.add(s.id);
  }
  if (hasCycle(steps)) problems.push('the steps wait for each other in a cycle');
  return problems;
}

/** Whether the steps' edges form a cycle, whatever order they are listed in. */
function hasCycle(steps: readonly Pick<PlanStep, 'id' | 'after'>[]): boolean {
  const after = new Map(steps.map((s) => [s.id, s.after]));
  const state = new Map<string, 'open' | 'closed'>();
  const visit = (id: string): boolean => {
    if (state.get(id) === 'closed') return false;
    if (state.get(id) === 'open') return true;
    state.set(id, 'open');
    const cyclic = (after.get(id) ?? []).some(visit);
    state.set(id, 'closed');
    return cyclic;
  };
  return steps.some((s) => visit(s.id));
}
