/**
 * apply/: executes a Plan through the Runtime and the graph walker, emitting progress events. Each
 * action is dispatched to the runtime calls it names; nothing here decides what to do, only how.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplyError, ConflictError, NotFoundError, ResourceInUseError } from '../errors.js';
import type { Graph } from '../graph/index.js';
import { walk } from '../graph/index.js';
import { actionTitle, carryAnonymousVolumes, Label, type Action, type Plan } from '../plan/index.js';
import type { Emit, EventStatus } from '../progress/events.js';
import type { BuildSpec, ContainerSpec, NetworkSpec, NetworkSummary, Runtime } from '../runtime/runtime.js';
import { executeBuild, runBuilds, type BuildAction } from './images.js';
import { waitForDependency } from './wait.js';

export interface ApplyOptions {
  /** Most operations at once (`--parallel`, `COMPOSE_PARALLEL_LIMIT`). */
  parallel: number;
  /** Grace period for stopping containers, in seconds (`-t`). */
  stopTimeoutSec?: number;
  /** Time source for durations; injected for tests. */
  now?: () => number;
  /** What each `build-image` action builds, by image reference (prepared from the project by ops). */
  buildSpecs?: Map<string, BuildSpec>;
}

export function actionId(a: Action): string {
  const kind = a.kind.split('-').pop()!;
  return a.kind === 'wait' ? `wait:${a.service}:${a.dependency}` : `${kind}:${a.target}`;
}

export async function applyPlan(plan: Plan, graph: Graph, runtime: Runtime, emit: Emit, options: ApplyOptions): Promise<void> {
  const now = options.now ?? Date.now;
  const t0 = now();
  const failures: { target: string; error: Error }[] = [];
  const serviceIds = new Map<string, string>();
  for (const a of plan.actions) {
    if ((a.kind === 'keep-container' || a.kind === 'start-container' || a.kind === 'check-container') && !serviceIds.has(a.service)) serviceIds.set(a.service, a.id);
  }

  const run = async (a: Action): Promise<void> => {
    const id = actionId(a);
    const title = actionTitle(a);
    const say = (status: EventStatus, text: string, detail?: string): void =>
      emit({ id, title, status, text, ...(detail !== undefined && { detail }), ...((status === 'done' || status === 'failed') && { durationMs: now() - t0 }) });
    try {
      await execute(a, runtime, options, say, serviceIds, plan.project);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      say('failed', 'Error', error.message);
      failures.push({ target: title, error });
      throw error;
    }
  };
  const parallel = async (actions: Action[]): Promise<void> => {
    await limitAll(actions, options.parallel, async (a) => {
      try {
        await run(a);
      } catch {
        // recorded in failures
      }
    });
  };

  const inGraph = (a: Action): a is Extract<Action, { service: string }> => 'service' in a && graph.nodes.includes(a.service);
  const serviceActions = plan.actions.filter(inGraph);
  const byService = new Map<string, Action[]>();
  for (const a of serviceActions) byService.set(a.service, [...(byService.get(a.service) ?? []), a]);
  const up = serviceActions.some((a) => a.kind !== 'remove-container' && a.kind !== 'stop-container');

  // 1. Containers of services the stack no longer has (orphans), then networks, volumes and images.
  await parallel(plan.actions.filter((a) => a.kind === 'remove-container' && !inGraph(a)));
  if (failures.length === 0) {
    await parallel(plan.actions.filter((a) => a.kind === 'create-network' || a.kind === 'create-volume'));
  }
  // Images: pulls, then builds (a build may start FROM a pulled image, or FROM another build's image).
  // A failed image stops only the services that use it and their dependents.
  const imageFailures = new Set<string>();
  if (failures.length === 0) {
    const before = failures.length;
    const pulls = plan.actions.filter((a): a is Extract<Action, { kind: 'pull-image' }> => a.kind === 'pull-image');
    await parallel(pulls);
    const failedPulls = new Set(failures.slice(before).map((f) => f.target));
    for (const p of pulls) if (failedPulls.has(actionTitle(p))) for (const s of p.services) imageFailures.add(s);
    const builds = plan.actions.filter((a): a is BuildAction => a.kind === 'build-image');
    if (builds.length > 0) {
      const result = await runBuilds(builds, options.buildSpecs ?? new Map<string, BuildSpec>(), options.parallel, (a) => run(a));
      for (const { action } of result.failed) for (const s of action.services) imageFailures.add(s);
      for (const a of result.skipped) {
        for (const s of a.services) imageFailures.add(s);
        const error = new Error('not built: the image it starts FROM failed to build');
        emit({ id: actionId(a), title: actionTitle(a), status: 'failed', text: 'Skipped', detail: error.message });
        failures.push({ target: actionTitle(a), error });
      }
    }
  }
  const blocked = dependentsOf(graph, imageFailures);
  const otherFailures = (): number => failures.filter((f) => !f.target.startsWith('image ')).length;
  // Dependents restarted around a dependency's recreate are stopped before anything is recreated.
  if (otherFailures() === 0) {
    const restarts = plan.actions.filter(
      (a): a is Extract<Action, { kind: 'restart-container' }> => a.kind === 'restart-container' && !blocked.has(a.service),
    );
    await limitAll(restarts, options.parallel, async (a) => {
      emit({ id: actionId(a), title: actionTitle(a), status: 'working', text: 'Stopping', detail: a.reason });
      await runtime.stopContainer(a.id, options.stopTimeoutSec).catch((err: unknown) => {
        failures.push({ target: actionTitle(a), error: err instanceof Error ? err : new Error(String(err)) });
      });
    });
  }
  // 2. Services in dependency order (reverse order when tearing down).
  if (otherFailures() === 0 && byService.size > 0) {
    for (const s of blocked) {
      for (const a of byService.get(s) ?? []) emit({ id: actionId(a), title: actionTitle(a), status: 'skipped', text: 'Skipped', detail: 'its image could not be made' });
    }
    const only = new Set([...byService.keys()].filter((s) => !blocked.has(s)));
    const result = await walk(graph, { direction: up ? 'up' : 'down', concurrency: options.parallel, only }, async (service) => {
      const actions = byService.get(service)!;
      for (const w of actions.filter((a) => a.kind === 'wait')) await run(w);
      const rest = actions.filter((a) => a.kind !== 'wait');
      const errors: unknown[] = [];
      await limitAll(rest, options.parallel, (a) => run(a).catch((e: unknown) => void errors.push(e)));
      if (errors.length > 0) throw errors[0] instanceof Error ? errors[0] : new Error(String(errors[0]));
    });
    for (const s of result.skipped) {
      for (const a of byService.get(s) ?? []) emit({ id: actionId(a), title: actionTitle(a), status: 'skipped', text: 'Skipped', detail: 'an earlier step failed' });
    }
  }
  // 3. Networks and volumes being removed, after the containers using them.
  if (failures.length === 0) await parallel(plan.actions.filter((a) => a.kind === 'remove-network' || a.kind === 'remove-volume'));
  if (failures.length > 0) throw new ApplyError(failures);
}

type Say = (status: EventStatus, text: string, detail?: string) => void;

async function execute(a: Action, rt: Runtime, options: ApplyOptions, say: Say, serviceIds: Map<string, string>, projectName: string): Promise<void> {
  switch (a.kind) {
    case 'create-network':
      say('working', 'Creating', a.reason);
      await ensureNetwork(rt, a.spec);
      say('done', 'Created');
      return;
    case 'create-volume':
      say('working', 'Creating', a.reason);
      await rt.createVolume(a.spec);
      say('done', 'Created');
      return;
    case 'pull-image':
      say('working', 'Pulling', a.reason);
      await rt.pullImage(a.target, (p) => { if (p.fraction !== undefined) emitProgress(say, p.fraction); });
      say('done', 'Pulled');
      return;
    case 'build-image': {
      say('working', 'Building', a.reason);
      const id = await executeBuild(a, rt, options.buildSpecs?.get(a.target), (p) => say('working', 'Building', p.line));
      say('done', 'Built', id.replace(/^sha256:/, '').slice(0, 12));
      return;
    }
    case 'check-container': {
      const now = await rt.inspectImage(a.image);
      if (now && now.id !== a.imageId) {
        const reason = `image ${a.imageId.replace(/^sha256:/, '').slice(0, 12)}→${now.id.replace(/^sha256:/, '').slice(0, 12)}`;
        await execute({
          kind: 'recreate-container', target: a.target, service: a.service, number: a.number, spec: a.spec,
          replaces: a.id, renewAnonVolumes: a.renewAnonVolumes, start: a.start, reason, running: a.running,
        }, rt, options, say, serviceIds, projectName);
        return;
      }
      if (!a.running && a.start) {
        say('working', 'Starting', 'image unchanged');
        await rt.startContainer(a.id);
        say('done', 'Started');
        return;
      }
      say('done', 'Running', 'up to date (image unchanged)');
      return;
    }
    case 'wait':
      say('working', 'Waiting', `for ${a.reason}`);
      try {
        await waitForDependency(rt, projectName, a.dependency, a.condition);
        say('done', a.condition === 'service_healthy' ? 'Healthy' : 'Completed', a.dependency);
      } catch (err) {
        if (a.required) throw err;
        say('warning', 'Not ready', `${err instanceof Error ? err.message : String(err)} (not required: going on)`);
        say('done', 'Skipped wait');
      }
      return;
    case 'create-container': {
      say('working', 'Creating', a.reason);
      const spec = await resolveReferences(a.spec, rt, projectName, serviceIds);
      const id = await createOrAdopt(rt, spec);
      serviceIds.set(a.service, serviceIds.get(a.service) ?? id);
      if (!a.start) { say('done', 'Created'); return; }
      say('working', 'Starting');
      await startOrRemove(rt, id);
      say('done', 'Started');
      return;
    }
    case 'recreate-container': {
      say('working', 'Recreating', a.reason);
      let spec = await resolveReferences(a.spec, rt, projectName, serviceIds);
      // The planner carried anonymous volumes over from the snapshot; an engine whose list omits mounts needs an inspect.
      if (!a.renewAnonVolumes && spec.mounts.some((m) => m.type === 'volume' && m.source === undefined)) {
        spec = { ...spec, mounts: carryAnonymousVolumes(spec.mounts, (await rt.inspectContainer(a.replaces)).mounts) };
      }
      // The old container steps aside under a temporary name and stops while the new one is made under
      // the real name: if the create fails, the old one gets its name back and is started again, so a
      // failed recreate leaves the service as it was. Then the new one starts while the old one goes.
      await rt.renameContainer(a.replaces, `${a.replaces.slice(0, 12)}_${spec.name}`);
      const [stopped, made] = await Promise.allSettled([rt.stopContainer(a.replaces, options.stopTimeoutSec), rt.createContainer(spec)]);
      if (made.status === 'rejected' || stopped.status === 'rejected') {
        if (made.status === 'fulfilled') await rt.removeContainer(made.value, { force: true }).catch(() => undefined);
        await rt.renameContainer(a.replaces, spec.name).catch(() => undefined);
        if (stopped.status === 'fulfilled' && a.running) await rt.startContainer(a.replaces).catch(() => undefined);
        throw made.status === 'rejected' ? made.reason : (stopped as PromiseRejectedResult).reason;
      }
      const id = made.value;
      serviceIds.set(a.service, id);
      const removing = rt.removeContainer(a.replaces, { force: true });
      if (a.start) say('working', 'Starting');
      const [started, removed] = await Promise.allSettled([a.start ? startOrRemove(rt, id) : Promise.resolve(), removing]);
      if (started.status === 'rejected') throw started.reason;
      if (removed.status === 'rejected') throw removed.reason;
      say('done', 'Recreated');
      return;
    }
    case 'start-container':
      say('working', 'Starting', a.reason);
      await rt.startContainer(a.id);
      say('done', 'Started');
      return;
    case 'restart-container':
      say('working', 'Starting', a.reason);
      await rt.startContainer(a.id);
      say('done', 'Restarted');
      return;
    case 'keep-container':
      say('done', 'Running', a.reason);
      return;
    case 'stop-container':
      say('working', 'Stopping');
      await rt.stopContainer(a.id, options.stopTimeoutSec);
      say('done', 'Stopped');
      return;
    case 'remove-container':
      if (a.stop) {
        say('working', 'Stopping', a.reason);
        // Gone already (a concurrent removal): the removal below has nothing left to do.
        await rt.stopContainer(a.id, options.stopTimeoutSec).catch((err: unknown) => {
          if (!(err instanceof NotFoundError)) throw err;
        });
      }
      say('working', 'Removing', a.reason);
      await rt.removeContainer(a.id, { force: true, volumes: a.removeVolumes === true });
      say('done', 'Removed');
      return;
    case 'remove-network':
    case 'remove-volume': {
      say('working', 'Removing');
      const kind = a.kind === 'remove-network' ? 'network' : 'volume';
      try {
        await (a.kind === 'remove-network' ? rt.removeNetwork(a.id) : rt.removeVolume(a.target));
      } catch (err) {
        if (!(err instanceof ResourceInUseError)) throw err;
        say('warning', 'In use', inUseWarning(kind, a.target, err, projectName));
        say('done', 'Left in place');
        return;
      }
      say('done', 'Removed');
      return;
    }
  }
}

/**
 * A network or volume that containers still use is left in place with a warning, as Docker Compose
 * does: "network p_default is still in use by container X (not part of this project): left in place".
 * The project's own containers still there are orphans `down` was not asked to remove.
 */
export function inUseWarning(kind: 'network' | 'volume', name: string, err: ResourceInUseError, projectName: string): string {
  const who = err.users.map((u) => `container ${u.name} (${u.labels[Label.project] === projectName ? 'an orphan of this project: --remove-orphans removes it' : 'not part of this project'})`);
  return `${kind} ${name} is still in use by ${who.join(', ')}: left in place`;
}

function emitProgress(say: Say, fraction: number): void {
  say('working', `Pulling ${Math.round(fraction * 100)}%`);
}

/**
 * Create a network. Two `up`s at once may both create it (the engine allows several networks of one
 * name): whoever sees more than one keeps the lowest id and removes the others, so both converge on the
 * same network.
 */
async function ensureNetwork(rt: Runtime, spec: NetworkSpec): Promise<void> {
  const started = Date.now();
  let mine: string | undefined;
  try {
    mine = await rt.createNetwork(spec);
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
  }
  if (mine === undefined) return; // it was there already
  // Two `up`s at once can each create the network: the engine's duplicate check is not atomic, and a
  // create still in flight is not listed yet, so one that sees only its own looks again after as long
  // as its own create took. The oldest is kept (the one the others are likeliest to have seen alone;
  // then the lowest id): one that made a newer one removes its own, before any container refers to it.
  // Nobody removes a network another process made: its containers may already be created on it (a
  // created container holds no endpoint, so the engine would let it go). The one that made the oldest
  // waits for the others to go, since the engine refuses to start a container on an ambiguous name.
  const order = (n: NetworkSummary): string => `${n.created ?? ''} ${n.id}`;
  const ids = async (): Promise<string[]> => (await rt.listNetworks({ name: spec.name })).sort((x, y) => (order(x) < order(y) ? -1 : order(x) > order(y) ? 1 : 0)).map((n) => n.id);
  let same = await ids();
  if (same.length === 1) {
    await sleep(Math.min(Date.now() - started, 1000));
    same = await ids();
  }
  if (same[0] !== undefined && same[0] !== mine) {
    await rt.removeNetwork(mine).catch(() => undefined);
    return;
  }
  for (const deadline = Date.now() + 5000; same.length > 1 && Date.now() < deadline; same = await ids()) await sleep(50);
}

/**
 * Create a container. When the name is taken by this very container (same project, service and number,
 * made by a concurrent `up`), adopt it; when it is taken by anything else, say so and leave it alone.
 */
async function createOrAdopt(rt: Runtime, spec: ContainerSpec): Promise<string> {
  try {
    return await rt.createContainer(spec);
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
    // The engine reserves a name before the container it names can be inspected: a concurrent create may
    // still be on its way, so a 404 right after a name conflict is retried briefly.
    let holder: Awaited<ReturnType<Runtime['inspectContainer']>> | undefined;
    for (let attempt = 0; attempt < 20 && !holder; attempt++) {
      holder = await rt.inspectContainer(spec.name).catch((e: unknown) => {
        if (!(e instanceof NotFoundError)) throw e;
        return undefined;
      });
      if (!holder) await sleep(100);
    }
    const found = holder;
    if (found && [Label.project, Label.service, Label.number, Label.oneoff].every((k) => found.labels[k] === spec.labels[k])) return found.id;
    err.hint = holder?.labels[Label.project]
      ? `the name belongs to a container of project "${holder.labels[Label.project]}"; use another project name (-p) or bring that project down`
      : `a container made by another tool holds the name "${spec.name}"; remove or rename it, or use another project name (-p)`;
    throw err;
  }
}

/** A container that fails to start (a port in use, a bad command) is removed: no half-made container stays. */
export async function startOrRemove(rt: Runtime, id: string): Promise<void> {
  try {
    await rt.startContainer(id);
  } catch (err) {
    await rt.removeContainer(id, { force: true }).catch(() => undefined);
    throw err;
  }
}

/** `network_mode`/`ipc`/`pid: service:x` and `volumes_from: [x]` name services; the engine wants container ids. */
async function resolveReferences(spec: ContainerSpec, rt: Runtime, projectName: string, serviceIds: Map<string, string>): Promise<ContainerSpec> {
  const idOf = async (service: string): Promise<string> => {
    const known = serviceIds.get(service);
    if (known) return known;
    const [found] = await rt.listContainers({ all: true, labels: { [Label.project]: projectName, [Label.service]: service, [Label.oneoff]: 'False' } });
    if (!found) throw new Error(`service "${service}" has no container to share with`);
    serviceIds.set(service, found.id);
    return found.id;
  };
  const mode = async (m: string | undefined): Promise<string | undefined> =>
    m?.startsWith('service:') ? `container:${await idOf(m.slice('service:'.length))}` : m;
  const out: ContainerSpec = { ...spec };
  const networkMode = await mode(spec.networkMode);
  if (networkMode !== undefined) out.networkMode = networkMode;
  const ipc = await mode(spec.ipcMode);
  if (ipc !== undefined) out.ipcMode = ipc;
  const pid = await mode(spec.pidMode);
  if (pid !== undefined) out.pidMode = pid;
  if (spec.volumesFrom) {
    out.volumesFrom = await Promise.all(spec.volumesFrom.map(async (ref) => {
      if (ref.startsWith('container:')) return ref.slice('container:'.length);
      const [name, access] = ref.split(':');
      const id = await idOf(name!);
      return access ? `${id}:${access}` : id;
    }));
  }
  return out;
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

/** The services in `roots` and every service that depends on one of them, directly or not. */
export function dependentsOf(graph: Graph, roots: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (out.has(n)) continue;
    out.add(n);
    for (const d of graph.dependents.get(n) ?? []) stack.push(d);
  }
  return out;
}
