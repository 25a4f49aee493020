/**
 * Day-two operations on a project's existing containers: start, stop, restart, kill, pause, unpause and
 * remove, each in dependency order (or reverse order) through the one step walker, emitting progress events.
 * The project is found by its labels; the stack file, when there is one, supplies the graph and limits
 * the containers to the stack's services. Without it, the graph comes from the containers' own
 * `com.docker.compose.depends_on` labels.
 */
import { ApplyError, NoContainerError, NoSuchServiceError } from '../errors.js';
import type { Project } from '../config/model.js';
import { buildGraph, type Graph } from '../graph/index.js';
import { walkSteps, type StepNode } from '../graph/steps.js';
import { Label, projectGraph } from '../plan/index.js';
import type { Emit, EventStatus, Renderer } from '../progress/events.js';
import type { ContainerSummary, Runtime } from '../runtime/runtime.js';
import { runServiceHooks } from './operations.js';

/** Which project, and which of its services (none: all). */
export interface Target {
  projectName: string;
  project?: Project | undefined;
  services: string[];
}

export interface LifecycleOptions {
  parallel: number;
  /** Grace period in seconds for stop/restart (`-t`). */
  timeoutSec?: number | undefined;
  now?: () => number;
}

const serviceOf = (c: ContainerSummary): string => c.labels[Label.service] ?? '';
const isOneoff = (c: ContainerSummary): boolean => c.labels[Label.oneoff] === 'True';
const numberOf = (c: ContainerSummary): number => Number(c.labels[Label.number] ?? 0);

/** Service containers (not one-offs) of the target, sorted by service then number. */
export async function targetContainers(
  rt: Runtime,
  t: Target,
  options: { all?: boolean; oneoff?: boolean } = {},
): Promise<ContainerSummary[]> {
  const list = await rt.listContainers({ all: options.all ?? true, labels: { [Label.project]: t.projectName } });
  const stackServices = t.project ? new Set(Object.keys(t.project.services)) : undefined;
  return list
    .filter((c) => (options.oneoff ?? false) || !isOneoff(c))
    .filter((c) => !stackServices || stackServices.has(serviceOf(c)))
    .filter((c) => t.services.length === 0 || t.services.includes(serviceOf(c)))
    .sort(
      (a, b) => serviceOf(a).localeCompare(serviceOf(b)) || numberOf(a) - numberOf(b) || a.name.localeCompare(b.name),
    );
}

/** The graph: from the stack when there is one, else from the containers' depends_on labels. */
export function lifecycleGraph(project: Project | undefined, containers: ContainerSummary[]): Graph {
  if (project) return projectGraph(project);
  const edges: Record<string, string[]> = {};
  for (const c of containers) {
    const deps = (c.labels[Label.dependsOn] ?? '')
      .split(',')
      .filter(Boolean)
      .map((d) => d.split(':')[0]!);
    edges[serviceOf(c)] = [...new Set([...(edges[serviceOf(c)] ?? []), ...deps])];
  }
  return buildGraph(edges);
}

type Step = (c: ContainerSummary, say: (status: EventStatus, text: string, detail?: string) => void) => Promise<void>;

/**
 * Runs `step` on every container through the one step walker, each after the containers of the
 * services it waits for (`up`: its dependencies; `down`: its dependents), at most `parallel` at once.
 * A failure holds back only what waits for it, which is reported skipped with why; the rest goes on.
 */
export async function forEachContainer(
  containers: ContainerSummary[],
  graph: Graph,
  direction: 'up' | 'down',
  options: LifecycleOptions,
  renderer: Renderer,
  step: Step,
): Promise<void> {
  const now = options.now ?? Date.now;
  const t0 = now();
  const emit: Emit = (e) => renderer.event(e);
  const byService = new Map<string, ContainerSummary[]>();
  for (const c of containers) byService.set(serviceOf(c), [...(byService.get(serviceOf(c)) ?? []), c]);
  renderer.start(containers.map((c) => ({ id: `container:${c.name}`, title: c.name })));
  const say =
    (c: ContainerSummary) =>
    (status: EventStatus, text: string, detail?: string): void =>
      emit({
        id: `container:${c.name}`,
        title: c.name,
        status,
        text,
        ...(detail !== undefined && { detail }),
        ...((status === 'done' || status === 'failed') && { durationMs: now() - t0 }),
      });
  const failures: { target: string; error: Error }[] = [];
  const steps = containerSteps(containers, byService, graph, direction);
  try {
    await walkSteps(steps, options.parallel, {
      run: async ({ container: c }) => {
        try {
          await step(c, say(c));
        } catch (err) {
          const error = err instanceof Error ? err : new Error(String(err));
          say(c)('failed', 'Error', error.message);
          failures.push({ target: c.name, error });
          throw error;
        }
      },
      gate: (_s, [first]) => {
        const other = serviceOf(first!.step.container);
        return direction === 'up'
          ? `not started: it needs ${other}, which failed`
          : `left running: ${other}, which depends on it, did not stop`;
      },
      skipped: ({ container: c }, why) => say(c)('skipped', 'Skipped', why),
    });
  } finally {
    await renderer.done();
  }
  if (failures.length > 0) throw new ApplyError(failures);
}

interface ContainerStep extends StepNode {
  container: ContainerSummary;
}

/**
 * One step per container, after the containers of the services it must wait for: its dependencies
 * going `up`, its dependents going `down`, found through services that are not in the walk. Services
 * the graph does not know (no stack file, no labels) go last going up, first going down.
 */
function containerSteps(
  containers: ContainerSummary[],
  byService: Map<string, ContainerSummary[]>,
  graph: Graph,
  direction: 'up' | 'down',
): ContainerStep[] {
  const known = new Set(graph.nodes);
  const next = direction === 'up' ? graph.deps : graph.dependents;
  const waitsFor = (service: string): string[] => {
    const found = new Set<string>();
    const seen = new Set<string>();
    const visit = (s: string): void => {
      for (const n of next.get(s) ?? []) {
        if (seen.has(n)) continue;
        seen.add(n);
        if (byService.has(n)) found.add(n);
        else visit(n);
      }
    };
    visit(service);
    return [...found];
  };
  const unknown = [...byService.keys()].filter((s) => !known.has(s));
  const idsOf = (services: string[]): string[] =>
    services.flatMap((s) => (byService.get(s) ?? []).map((c) => `container:${c.name}`));
  return containers.map((c) => {
    const service = serviceOf(c);
    const before = known.has(service)
      ? [...waitsFor(service), ...(direction === 'down' ? unknown : [])]
      : direction === 'up'
        ? [...byService.keys()].filter((s) => known.has(s))
        : [];
    return { id: `container:${c.name}`, after: idsOf(before), container: c };
  });
}

/** Every named service must exist, in the stack or (without one) among the project's containers. */
export function checkKnown(t: Target, containers: ContainerSummary[]): void {
  if (t.project) return; // the CLI checked the names against the stack file already
  const present = new Set(containers.map(serviceOf));
  for (const s of t.services) {
    if (!present.has(s)) throw new NoSuchServiceError(s, `project "${t.projectName}" has no container for it`);
  }
}

export interface LifecycleResult {
  /** Containers the operation acted on. */
  containers: ContainerSummary[];
}

export async function startServices(
  rt: Runtime,
  t: Target,
  options: LifecycleOptions,
  renderer: Renderer,
): Promise<LifecycleResult> {
  const all = await targetContainers(rt, t);
  checkKnown(t, all);
  const todo = all.filter((c) => c.state !== 'running' && c.state !== 'paused' && c.state !== 'restarting');
  await forEachContainer(todo, lifecycleGraph(t.project, all), 'up', options, renderer, async (c, say) => {
    say('working', 'Starting');
    await rt.startContainer(c.id);
    await runServiceHooks(rt, t.project?.services[serviceOf(c)], c, 'post_start', say);
    say('done', 'Started');
  });
  return { containers: todo };
}

export async function stopServices(
  rt: Runtime,
  t: Target,
  options: LifecycleOptions,
  renderer: Renderer,
): Promise<LifecycleResult> {
  const all = await targetContainers(rt, t);
  checkKnown(t, all);
  const todo = all.filter((c) => c.state === 'running' || c.state === 'paused' || c.state === 'restarting');
  await forEachContainer(todo, lifecycleGraph(t.project, all), 'down', options, renderer, async (c, say) => {
    await runServiceHooks(rt, t.project?.services[serviceOf(c)], c, 'pre_stop', say);
    say('working', 'Stopping');
    await rt.stopContainer(c.id, options.timeoutSec);
    say('done', 'Stopped');
  });
  return { containers: todo };
}

/**
 * Restarts the services and, unless `noDeps`, the services that depend on them with `restart: true` in
 * their depends_on (as Compose does), dependencies first.
 */
export async function restartServices(
  rt: Runtime,
  t: Target & { noDeps?: boolean },
  options: LifecycleOptions,
  renderer: Renderer,
): Promise<LifecycleResult> {
  const all = await targetContainers(rt, { ...t, services: [] });
  checkKnown(t, all);
  const selected = new Set(t.services.length ? t.services : all.map(serviceOf));
  if (t.services.length && !t.noDeps && t.project) {
    let grew = true;
    while (grew) {
      grew = false;
      for (const s of Object.values(t.project.services)) {
        if (selected.has(s.name)) continue;
        if (Object.entries(s.depends_on).some(([dep, d]) => selected.has(dep) && d.restart === true)) {
          selected.add(s.name);
          grew = true;
        }
      }
    }
  }
  const todo = all.filter((c) => selected.has(serviceOf(c)));
  await forEachContainer(todo, lifecycleGraph(t.project, all), 'up', options, renderer, async (c, say) => {
    say('working', 'Restarting');
    await rt.restartContainer(c.id, options.timeoutSec);
    say('done', 'Started');
  });
  return { containers: todo };
}

export async function killServices(
  rt: Runtime,
  t: Target & { signal?: string | undefined; orphans?: boolean },
  options: LifecycleOptions,
  renderer: Renderer,
): Promise<LifecycleResult> {
  // With `orphans`, the containers of services the stack no longer declares too: all the project's, by label.
  const all = await targetContainers(rt, t.orphans === true ? { ...t, project: undefined } : t);
  checkKnown(t, all);
  const todo = all.filter((c) => c.state === 'running' || c.state === 'paused' || c.state === 'restarting');
  // Kill does not wait for anyone: every container at once.
  await forEachContainer(todo, buildGraph({}), 'down', options, renderer, async (c, say) => {
    say('working', 'Killing');
    await rt.killContainer(c.id, t.signal);
    say('done', 'Killed');
  });
  return { containers: todo };
}

export async function pauseServices(
  rt: Runtime,
  t: Target,
  options: LifecycleOptions,
  renderer: Renderer,
): Promise<LifecycleResult> {
  const all = await targetContainers(rt, t);
  checkKnown(t, all);
  const todo = all.filter((c) => c.state === 'running');
  await forEachContainer(todo, buildGraph({}), 'down', options, renderer, async (c, say) => {
    say('working', 'Pausing');
    await rt.pauseContainer(c.id);
    say('done', 'Paused');
  });
  return { containers: todo };
}

export async function unpauseServices(
  rt: Runtime,
  t: Target,
  options: LifecycleOptions,
  renderer: Renderer,
): Promise<LifecycleResult> {
  const all = await targetContainers(rt, t);
  checkKnown(t, all);
  const todo = all.filter((c) => c.state === 'paused');
  await forEachContainer(todo, buildGraph({}), 'up', options, renderer, async (c, say) => {
    say('working', 'Unpausing');
    await rt.unpauseContainer(c.id);
    say('done', 'Unpaused');
  });
  return { containers: todo };
}

export interface RemoveOptions extends LifecycleOptions {
  /** Stop running containers first (`-s`). */
  stop?: boolean;
  /** Also anonymous volumes (`-v`). */
  volumes?: boolean;
  /** Asked with the names about to go; false keeps everything. Absent: no question. */
  confirm?: (names: string[]) => Promise<boolean>;
}

/**
 * Removes the target's stopped service containers (one-offs are left alone, as Compose does); with
 * `stop`, stops the running ones first. Only containers labelled with this project are ever touched.
 */
export async function removeServices(
  rt: Runtime,
  t: Target,
  options: RemoveOptions,
  renderer: Renderer,
  stopRenderer?: Renderer,
): Promise<LifecycleResult & { confirmed: boolean }> {
  if (options.stop) await stopServices(rt, t, options, stopRenderer ?? renderer);
  const all = await targetContainers(rt, t);
  checkKnown(t, all);
  // The list can lag behind a container that just stopped: ask each one.
  const details = await Promise.all(
    all.map(async (c) => ({ c, d: await rt.inspectContainer(c.id).catch(() => undefined) })),
  );
  const todo = details
    .filter(({ d }) => d !== undefined && d.state !== 'running' && d.state !== 'paused' && d.state !== 'restarting')
    .map(({ c }) => c);
  if (todo.length === 0) return { containers: [], confirmed: true };
  if (options.confirm && !(await options.confirm(todo.map((c) => c.name)))) return { containers: [], confirmed: false };
  await forEachContainer(todo, buildGraph({}), 'down', options, renderer, async (c, say) => {
    say('working', 'Removing');
    await rt.removeContainer(c.id, { volumes: options.volumes ?? false });
    say('done', 'Removed');
  });
  return { containers: todo, confirmed: true };
}

/**
 * The container `exec`, `port`, `cp` and friends act on: number `index` (default 1) of the service; with
 * `running`, it must be running.
 */
export async function serviceContainer(
  rt: Runtime,
  t: Target,
  service: string,
  options: { index?: number | undefined; running?: boolean } = {},
): Promise<ContainerSummary> {
  const all = await targetContainers(rt, { ...t, services: [service] });
  checkKnown({ ...t, services: [service] }, all);
  const index = options.index ?? 1;
  const c = all.find((x) => numberOf(x) === index);
  if (!c) {
    const numbers = all.map(numberOf);
    throw new NoContainerError(`service "${service}" has no container number ${index}`, {
      hint: numbers.length
        ? `its containers are numbered ${numbers.join(', ')}`
        : `start it first: berth up -d ${service}`,
    });
  }
  if (options.running && c.state !== 'running') {
    throw new NoContainerError(`container ${c.name} is not running (${c.state})`, {
      hint: `start it first: berth start ${service}`,
    });
  }
  return c;
}
