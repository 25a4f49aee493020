/**
 * The planner: given the Project and what the runtime observed, the actions that make the engine match
 * the stack, each with a human reason. Pure: no runtime handle, no clock, no I/O.
 */
import type { Project, ServiceConfig } from '../config/model.js';
import { buildGraph, serviceDependencies, topoOrder, withDependencies, type Graph } from '../graph/index.js';
import type {
  ContainerSpec,
  ContainerSummary,
  ExecSpec,
  NetworkSpec,
  ObservedState,
  VolumeSpec,
} from '../runtime/runtime.js';
import { withHooks, type HookKind } from './hooks.js';
import {
  carryAnonymousVolumes,
  containerName,
  containerSpec,
  desiredReplicas,
  isAnonymousVolumeName,
  networkSpec,
  serviceImage,
  volumeDrift,
  volumeMountChanges,
  volumeSpec,
} from './desired.js';
import { configHash, decodeConfig, diffConfig, digestConfig, hashedConfig } from './hash.js';
import { Label } from './labels.js';
import { ImageMissingError } from '../errors.js';
import { parseDurationNs } from './duration.js';
import { checkGraph, linkActions, type LinkContext, type PlanStep } from './graph.js';

export type Action =
  | { kind: 'create-network'; target: string; spec: NetworkSpec; reason: string }
  | { kind: 'create-volume'; target: string; spec: VolumeSpec; reason: string }
  /**
   * A volume whose driver or driver options changed: `removes` (the containers mounting it) are stopped
   * and removed, the volume removed and created anew; the services' containers are then created again.
   * Its data is lost, so `up` runs it only when the user agrees.
   */
  | {
      kind: 'recreate-volume';
      target: string;
      spec: VolumeSpec;
      removes: { id: string; name: string; stop: boolean }[];
      reason: string;
    }
  | { kind: 'pull-image'; target: string; services: string[]; reason: string }
  /** Build the image `target` of service `builds`; `services` are all the services that run it. */
  | { kind: 'build-image'; target: string; builds: string; services: string[]; reason: string }
  /**
   * A container otherwise up to date whose image is being built or pulled in the same run: apply
   * recreates it when the image id then differs from `imageId`, else keeps (or starts) it.
   */
  | {
      kind: 'check-container';
      target: string;
      service: string;
      number: number;
      id: string;
      imageId: string;
      image: string;
      spec: ContainerSpec;
      renewAnonVolumes: boolean;
      start: boolean;
      running: boolean;
      reason: string;
    }
  | {
      kind: 'wait';
      target: string;
      service: string;
      dependency: string;
      condition: 'service_healthy' | 'service_completed_successfully';
      required: boolean;
      reason: string;
    }
  | {
      kind: 'create-container';
      target: string;
      service: string;
      number: number;
      spec: ContainerSpec;
      start: boolean;
      reason: string;
    }
  | {
      kind: 'recreate-container';
      target: string;
      service: string;
      number: number;
      spec: ContainerSpec;
      replaces: string;
      renewAnonVolumes: boolean;
      start: boolean;
      reason: string;
      /** the old container was running */ running?: boolean;
    }
  /** Give a container back its real name (the old one of an interrupted recreate, left under `<id12>_<name>`). */
  | { kind: 'rename-container'; target: string; service: string; id: string; name: string; reason: string }
  | { kind: 'start-container'; target: string; service: string; id: string; reason: string }
  /** Stopped before its dependency is recreated, started after it (`depends_on.restart: true`). */
  | { kind: 'restart-container'; target: string; service: string; id: string; reason: string }
  | { kind: 'keep-container'; target: string; service: string; id: string; reason: string }
  | { kind: 'stop-container'; target: string; service: string; id: string; reason: string }
  | {
      kind: 'remove-container';
      target: string;
      service: string;
      id: string;
      stop: boolean;
      reason: string;
      removeVolumes?: boolean;
      /** Left over from an interrupted recreate: removed (never with its volumes) before the service's other actions. */
      leftover?: boolean;
    }
  /** A `post_start` or `pre_stop` hook of the container `target` (by name or id: `container`), see hooks.ts. */
  | {
      kind: 'run-hook';
      target: string;
      service: string;
      hook: HookKind;
      index: number;
      container: string;
      exec: ExecSpec;
      reason: string;
    }
  | { kind: 'remove-network'; target: string; id: string; reason: string }
  | { kind: 'remove-volume'; target: string; reason: string };

export type ActionKind = Action['kind'];

export interface Plan {
  project: string;
  /** In the order the planner decided them; what apply/ runs (in its phases, until it walks `steps`). */
  actions: Action[];
  /** The same actions as a graph: ids, and the ids each must follow (see graph.ts). */
  steps: PlanStep[];
  warnings: string[];
}

export interface UpOptions {
  /** Limit to these services (plus their dependencies unless noDeps). */
  services?: string[];
  noDeps?: boolean;
  forceRecreate?: boolean;
  noRecreate?: boolean;
  /** Also recreate dependents whose dependency is recreated (`--always-recreate-deps`). */
  alwaysRecreateDeps?: boolean;
  removeOrphans?: boolean;
  /** COMPOSE_IGNORE_ORPHANS: orphans are neither removed nor warned about. */
  ignoreOrphans?: boolean;
  renewAnonVolumes?: boolean;
  noStart?: boolean;
  /** `--scale SVC=N` */
  scale?: Record<string, number>;
  berthVersion: string;
  /** `up --build`: build every selected service that has `build:`. */
  build?: boolean;
  /** `up --no-build`: never build, even a missing image. */
  noBuild?: boolean;
  /** `up --pull <policy>`: instead of each service's `pull_policy`. */
  pull?: string;
  /** Now (ms since the epoch), for `pull_policy: daily`/`weekly`/`every_<d>`. */
  nowMs?: number;
  /** Image reference -> when it was last tagged locally (ms), for the periodic pull policies. */
  imageTagTimes?: Record<string, number>;
  /**
   * Service -> the images its Dockerfile starts `FROM`, read by the caller: a build then follows the
   * pulls and builds of those images only. Absent: builds follow every pull, and no other build.
   */
  buildBases?: Record<string, string[]>;
}

/** Whether a plan changes anything (keep actions and waits do not). */
export function hasChanges(plan: Plan): boolean {
  return plan.actions.some((a) => a.kind !== 'keep-container' && a.kind !== 'wait');
}

export function projectGraph(project: Project): Graph {
  return buildGraph(Object.fromEntries(Object.values(project.services).map((s) => [s.name, serviceDependencies(s)])));
}

const isOneoff = (c: ContainerSummary): boolean => c.labels[Label.oneoff] === 'True';
const numberOf = (c: ContainerSummary): number => Number(c.labels[Label.number] ?? 0);
const short = (id: string): string => id.replace(/^sha256:/, '').slice(0, 12);

export function planUp(project: Project, observed: ObservedState, options: UpOptions): Plan {
  const graph = projectGraph(project);
  const selected = selectedServices(graph, options);
  const services = topoOrder(graph)
    .filter((s) => selected.has(s))
    .map((s) => project.services[s]!);
  const actions: Action[] = [];
  const warnings: string[] = [];

  // Networks and volumes the selected services need.
  const networks = planNetworks(project, observed, services, options.berthVersion);
  actions.push(...networks.actions);
  const volumes = planVolumes(project, observed, neededVolumeKeys(services), selected, options.berthVersion);
  actions.push(...volumes.actions);
  warnings.push(...volumes.warnings);

  // Images: built or pulled as each service's pull policy (or `--build`/`--pull`) says.
  const imageActions = planImages(project, services, observed, options);
  actions.push(...imageActions);
  const pendingImages = new Set(
    imageActions.flatMap((a) => (a.kind === 'build-image' || a.kind === 'pull-image' ? a.services : [])),
  );

  const orphans = planOrphans(project, observed, options);
  actions.push(...orphans.actions);
  warnings.push(...orphans.warnings);

  // Containers a volume recreate removes are planned as absent, then told why they are created again.
  const remaining =
    volumes.removed.size > 0
      ? { ...observed, containers: observed.containers.filter((c) => !volumes.removed.has(c.id)) }
      : observed;
  const recreated = new Set<string>();
  for (const s of services) {
    const planned = planService(project, s, remaining, options, networks.created, recreated, pendingImages.has(s.name));
    actions.push(
      ...(volumes.removed.size > 0
        ? planned.map((a) => afterVolumeRecreate(a, observed, volumes.removed, options))
        : planned),
    );
  }
  const hooked = withHooks(actions, project);
  const steps = linked(hooked, {
    project,
    graph,
    direction: 'up',
    ...(options.buildBases && { buildBases: options.buildBases }),
  });
  return { project: project.name, actions: hooked, steps, warnings };
}

/**
 * The same `up` plan with its builds ordered by what their Dockerfiles start FROM (`buildBases`, read by
 * config/): for a caller that reads them only when the plan builds something.
 */
export function withBuildBases(plan: Plan, project: Project, buildBases: Record<string, string[]>): Plan {
  return {
    ...plan,
    steps: linked(plan.actions, { project, graph: projectGraph(project), direction: 'up', buildBases }),
  };
}

/** The services `up` acts on: those named (with their dependencies unless `--no-deps`), or all. */
function selectedServices(graph: Graph, options: UpOptions): Set<string> {
  if (!options.services?.length) return new Set(graph.nodes);
  return options.noDeps ? new Set(options.services) : withDependencies(graph, options.services);
}

/** The keys of the project volumes the services mount, sorted. */
function neededVolumeKeys(services: ServiceConfig[]): string[] {
  const keys = new Set<string>();
  for (const s of services) {
    for (const v of s.volumes) if (v.type === 'volume' && v.source !== undefined) keys.add(v.source);
  }
  return [...keys].sort();
}

/** The networks the services join that are missing (external ones are never created), and their keys. */
export function planNetworks(
  project: Project,
  observed: ObservedState,
  services: ServiceConfig[],
  berthVersion: string,
): { actions: Action[]; created: Set<string> } {
  const needed = new Set<string>();
  for (const s of services) for (const key of Object.keys(s.networks)) needed.add(key);
  const actions: Action[] = [];
  const created = new Set<string>();
  for (const key of [...needed].sort()) {
    const net = project.networks[key];
    if (!net || net.external) continue;
    if (!observed.networks.some((n) => n.name === net.name)) {
      actions.push({
        kind: 'create-network',
        target: net.name,
        spec: networkSpec(project, key, net, berthVersion),
        reason: 'missing',
      });
      created.add(key);
    }
  }
  return { actions, created };
}

/**
 * Orphans: containers of services the stack no longer has (services disabled by a profile are not orphans);
 * removed with `removeOrphans`, else warned about, unless `ignoreOrphans`, as Compose's `create`.
 */
function planOrphans(
  project: Project,
  observed: ObservedState,
  options: UpOptions,
): { actions: Action[]; warnings: string[] } {
  const known = new Set([...Object.keys(project.services), ...Object.keys(project.disabled_services ?? {})]);
  const orphans = observed.containers.filter((c) => !isOneoff(c) && !known.has(c.labels[Label.service] ?? ''));
  if (orphans.length === 0 || options.ignoreOrphans === true) return { actions: [], warnings: [] };
  if (!options.removeOrphans) {
    const names = sortContainers(orphans)
      .map((c) => c.name)
      .join(', ');
    return {
      actions: [],
      warnings: [`found orphan containers (${names}) for this project; run with --remove-orphans to clean them up`],
    };
  }
  const actions: Action[] = sortContainers(orphans).map((c) => ({
    kind: 'remove-container',
    target: c.name,
    service: c.labels[Label.service] ?? '',
    id: c.id,
    stop: c.state === 'running',
    reason: 'orphan',
  }));
  return { actions, warnings: [] };
}

/** The actions' steps, checked: a graph a walker cannot run is a bug in the planner, never the user's. */
export function linked(actions: Action[], ctx: LinkContext): PlanStep[] {
  const steps = linkActions(actions, ctx);
  const problems = checkGraph(steps);
  if (problems.length > 0) throw new Error(`internal error: the plan's graph is broken: ${problems.join('; ')}`);
  return steps;
}

export interface VolumePlan {
  actions: Action[];
  warnings: string[];
  /** The containers a volume recreate removes first: id -> the volume's name. */
  removed: Map<string, string>;
}

/**
 * The volumes the selected services use: created when missing (noting the old volume kept when the
 * `name:` changed), recreated when berth made them with another driver or other driver options. A
 * label change alone is reported: the engine cannot relabel a volume, and labels are no reason to lose
 * data. A recreate that would remove a container this `up` does not create again (a one-off, a service
 * not selected) is not planned either: reported instead.
 */
export function planVolumes(
  project: Project,
  observed: ObservedState,
  keys: string[],
  selected: ReadonlySet<string>,
  berthVersion: string,
): VolumePlan {
  const out: VolumePlan = { actions: [], warnings: [], removed: new Map() };
  for (const key of keys) {
    const vol = project.volumes[key];
    if (!vol || vol.external) continue;
    const found = observed.volumes.find((v) => v.name === vol.name);
    if (!found) {
      const previous = observed.volumes
        .filter((v) => v.labels[Label.volume] === key)
        .map((v) => v.name)
        .sort();
      const reason =
        previous.length > 0 ? `missing (renamed from ${previous.join(', ')}, which is kept with its data)` : 'missing';
      out.actions.push({
        kind: 'create-volume',
        target: vol.name,
        spec: volumeSpec(project, key, vol, berthVersion),
        reason,
      });
      continue;
    }
    const drift = volumeDrift(vol, found);
    if (!drift) continue;
    if (drift.fields.length === 0) {
      out.warnings.push(
        `volume ${vol.name}: ${drift.labels.join(', ')} changed; the engine cannot relabel an existing volume, so it keeps its old labels until it is created again`,
      );
      continue;
    }
    const changed = `${[...drift.fields, ...drift.labels].join(', ')} changed`;
    const users = sortContainers(observed.containers.filter((c) => c.volumes?.some((v) => v.name === vol.name)));
    const kept = users.filter((c) => isOneoff(c) || !selected.has(c.labels[Label.service] ?? ''));
    if (kept.length > 0) {
      out.warnings.push(
        `volume ${vol.name}: ${changed}, but ${kept.map((c) => c.name).join(', ')} also mount${kept.length === 1 ? 's' : ''} it: not recreated; run up for every service that uses it to recreate it (data in it would be lost)`,
      );
      continue;
    }
    out.actions.push({
      kind: 'recreate-volume',
      target: vol.name,
      spec: volumeSpec(project, key, vol, berthVersion),
      removes: users.map((c) => ({
        id: c.id,
        name: c.name,
        stop: c.state === 'running' || c.state === 'paused' || c.state === 'restarting',
      })),
      reason: `${changed} (data in it would be lost)`,
    });
    for (const c of users) out.removed.set(c.id, vol.name);
  }
  return out;
}

/**
 * A container planned as missing because a volume recreate removes it first: say so, and keep its
 * anonymous volumes (the removal keeps them; the new container mounts them by name) unless `-V`.
 */
function afterVolumeRecreate(
  a: Action,
  observed: ObservedState,
  removed: ReadonlyMap<string, string>,
  options: UpOptions,
): Action {
  if (a.kind !== 'create-container') return a;
  const old = observed.containers.find(
    (c) => removed.has(c.id) && !isOneoff(c) && c.labels[Label.service] === a.service && numberOf(c) === a.number,
  );
  if (!old) return a;
  const spec =
    old.volumes && !options.renewAnonVolumes
      ? {
          ...a.spec,
          mounts: carryAnonymousVolumes(
            a.spec,
            old.volumes.filter((v) => isAnonymousVolumeName(v.name)),
          ),
        }
      : a.spec;
  return { ...a, spec, reason: `volume ${removed.get(old.id)!} recreated` };
}

/** What planning one number of a service needs to know, gathered once per service. */
interface ServiceContext {
  project: Project;
  service: ServiceConfig;
  observed: ObservedState;
  options: UpOptions;
  hash: string;
  imageRef: string;
  imageId: string | undefined;
  start: boolean;
  imagePending: boolean;
  /** Recreated dependencies that recreate this service too (`--always-recreate-deps`). */
  depRecreate: string[];
  /** Recreated dependencies that restart this service (`depends_on.restart: true`). */
  depRestart: string[];
  /** The keys of the networks this service joins that this plan creates. */
  serviceNetworks: string[];
  /** Volumes this service mounts through `volumes_from`: they belong to the other service and are not carried. */
  borrowed: ReadonlySet<string>;
  /** Services whose containers this plan recreates (planned before this one). */
  recreated: ReadonlySet<string>;
}

function planService(
  project: Project,
  service: ServiceConfig,
  observed: ObservedState,
  options: UpOptions,
  createdNetworks: ReadonlySet<string>,
  recreated: Set<string>,
  imagePending = false,
): Action[] {
  const replicas = desiredReplicas(service, options.scale?.[service.name]);
  const settled = settleContainers(project, service, observed, replicas);
  const out: Action[] = [...settled.actions];
  const recreatedDeps = Object.keys(service.depends_on).filter((d) => recreated.has(d));
  const imageRef = serviceImage(project, service);
  const ctx: ServiceContext = {
    project,
    service,
    observed,
    options,
    hash: configHash(service),
    imageRef,
    imageId: observed.images[imageRef],
    start: !options.noStart,
    imagePending,
    depRecreate: options.alwaysRecreateDeps ? recreatedDeps : [],
    depRestart: options.alwaysRecreateDeps ? [] : recreatedDeps.filter((d) => service.depends_on[d]!.restart),
    serviceNetworks: Object.keys(service.networks).filter((k) => createdNetworks.has(k)),
    borrowed: borrowedVolumes(service, observed),
    recreated,
  };

  let changesContainers = settled.recovers;
  for (let n = 1; n <= replicas; n++) {
    const action = planNumber(ctx, n, settled.byNumber.get(n));
    out.push(action);
    if (action.kind !== 'keep-container') changesContainers = true;
  }
  if (out.some((a) => a.kind === 'recreate-container')) recreated.add(service.name);

  // Waits on dependencies come first, and only when this service's containers change.
  if (changesContainers && ctx.start) out.unshift(...dependencyWaits(project, service));
  return out;
}

/**
 * The service's containers, one per number from 1 to `replicas`: the others are removed (scaled down, a
 * duplicate number), and what an interrupted recreate left (a container aside, a replacement) is settled
 * first, keeping the one that holds the data under the real name. `recovers`: such settling was needed.
 */
function settleContainers(
  project: Project,
  service: ServiceConfig,
  observed: ObservedState,
  replicas: number,
): { actions: Action[]; byNumber: Map<number, ContainerSummary>; recovers: boolean } {
  const actions: Action[] = [];
  const containers = sortContainers(
    observed.containers.filter((c) => !isOneoff(c) && c.labels[Label.service] === service.name),
  );
  const groups = new Map<number, ContainerSummary[]>();
  for (const c of containers) {
    const n = numberOf(c);
    if (n >= 1 && n <= replicas) groups.set(n, [...(groups.get(n) ?? []), c]);
    else
      actions.push({
        kind: 'remove-container',
        target: c.name,
        service: service.name,
        id: c.id,
        stop: c.state === 'running',
        reason: n > replicas ? `scale down to ${replicas}` : 'duplicate container number',
      });
  }
  const byNumber = new Map<number, ContainerSummary>();
  let recovers = false;
  for (const [n, group] of [...groups].sort(([a], [b]) => a - b)) {
    const settled = settleNumber(service.name, group, containerName(project, service, n), observed);
    actions.push(...settled.actions);
    recovers ||= settled.actions.length > 0;
    byNumber.set(n, settled.keep);
  }
  return { actions, byNumber, recovers };
}

/** The volumes of the services this one mounts through `volumes_from` (never `container:` sources). */
function borrowedVolumes(service: ServiceConfig, observed: ObservedState): Set<string> {
  const fromServices = new Set(
    (service.volumes_from ?? []).filter((v) => !v.startsWith('container:')).map((v) => v.split(':')[0]!),
  );
  return new Set(
    observed.containers
      .filter((c) => fromServices.has(c.labels[Label.service] ?? ''))
      .flatMap((c) => (c.volumes ?? []).map((v) => v.name)),
  );
}

/**
 * The spec of container `n`, for the containers to (re)create only: a kept one needs no spec (nor its
 * config label's digests). Anonymous volumes survive a recreate: the replacement mounts the old
 * container's volumes by name.
 */
function specFor(ctx: ServiceContext, n: number, existing: ContainerSummary | undefined): ContainerSpec {
  const made = containerSpec(ctx.project, ctx.service, n, ctx.options.berthVersion);
  if (!existing || ctx.options.renewAnonVolumes) return made;
  return {
    ...made,
    mounts: carryAnonymousVolumes(
      made,
      anonymousVolumes(existing, ctx.observed).filter((v) => !ctx.borrowed.has(v.name)),
    ),
  };
}

/** The one action for container `n` of the service: create, check, recreate, restart, start or keep it. */
function planNumber(ctx: ServiceContext, n: number, existing: ContainerSummary | undefined): Action {
  const { service, options, start } = ctx;
  if (!existing) {
    return {
      kind: 'create-container',
      target: containerName(ctx.project, service, n),
      service: service.name,
      number: n,
      spec: specFor(ctx, n, existing),
      start,
      reason: 'missing',
    };
  }
  const reasons = recreateReasons(ctx, existing);
  if (reasons.length === 0 && ctx.imagePending && !options.noRecreate) {
    return {
      kind: 'check-container',
      target: existing.name,
      service: service.name,
      number: n,
      id: existing.id,
      imageId: existing.imageId,
      image: ctx.imageRef,
      spec: specFor(ctx, n, existing),
      renewAnonVolumes: options.renewAnonVolumes ?? false,
      start,
      running: existing.state === 'running',
      reason: `recreate if image ${ctx.imageRef} changes (now ${short(existing.imageId)})`,
    };
  }
  if (reasons.length > 0) {
    return {
      kind: 'recreate-container',
      target: existing.name,
      service: service.name,
      number: n,
      spec: specFor(ctx, n, existing),
      replaces: existing.id,
      renewAnonVolumes: options.renewAnonVolumes ?? false,
      start,
      running: existing.state === 'running',
      reason: reasons.join('; '),
    };
  }
  return runningStateAction(ctx, existing);
}

/** Why container `existing` is recreated (none: it is not), as `up`'s flags allow. */
function recreateReasons(ctx: ServiceContext, existing: ContainerSummary): string[] {
  const { project, service, options, imageId } = ctx;
  if (options.forceRecreate) return ['forced'];
  if (options.noRecreate) return [];
  const reasons: string[] = [];
  if (existing.labels[Label.configHash] !== ctx.hash) reasons.push(describeConfigChange(existing, service));
  if (imageId !== undefined && existing.imageId !== imageId)
    reasons.push(`image ${short(existing.imageId)}→${short(imageId)}`);
  for (const k of ctx.serviceNetworks) reasons.push(`network ${project.networks[k]!.name} recreated`);
  reasons.push(...volumeMountChanges(project, service, existing));
  for (const d of ctx.depRecreate) reasons.push(`dependency ${d} recreated`);
  reasons.push(...sharedNamespaceChanges(ctx, existing));
  return reasons;
}

/**
 * A container that shares another service's network, IPC or PID namespace (`network_mode: service:vpn`)
 * joined that service's container by id: when the container is recreated (now, or since), it must be
 * recreated too, or it is left in a namespace that is gone. Docker Compose does the same.
 */
function sharedNamespaceChanges(ctx: ServiceContext, existing: ContainerSummary): string[] {
  const reasons: string[] = [];
  const modes = { network_mode: ctx.service.network_mode, ipc: ctx.service.ipc, pid: ctx.service.pid };
  for (const [key, mode] of Object.entries(modes)) {
    if (!mode?.startsWith('service:')) continue;
    const other = mode.slice('service:'.length);
    if (ctx.recreated.has(other)) {
      reasons.push(`${key}: service:${other} recreated`);
      continue;
    }
    const joined =
      key === 'network_mode' && existing.networkMode?.startsWith('container:')
        ? existing.networkMode.slice(10)
        : undefined;
    const current = ctx.observed.containers.filter((c) => c.labels[Label.service] === other && !isOneoff(c));
    if (joined !== undefined && current.length > 0 && !current.some((c) => c.id.startsWith(joined)))
      reasons.push(`${key}: service:${other} runs in another container now`);
  }
  return reasons;
}

/** A container kept as it is: restarted for a recreated dependency, started when stopped, or left alone. */
function runningStateAction(ctx: ServiceContext, existing: ContainerSummary): Action {
  const base = { target: existing.name, service: ctx.service.name, id: existing.id };
  if (ctx.depRestart.length > 0 && existing.state === 'running' && ctx.start) {
    return {
      kind: 'restart-container',
      ...base,
      reason: ctx.depRestart.map((d) => `dependency ${d} recreated`).join('; '),
    };
  }
  if (existing.state !== 'running' && ctx.start) return { kind: 'start-container', ...base, reason: existing.state };
  return { kind: 'keep-container', ...base, reason: `up to date (${existing.state})` };
}

/** The waits on the service's dependencies that must be healthy or have completed (not merely started). */
function dependencyWaits(project: Project, service: ServiceConfig): Action[] {
  const waits: Action[] = [];
  for (const [dep, d] of Object.entries(service.depends_on).sort(([a], [b]) => a.localeCompare(b))) {
    if (d.condition === 'service_started') continue;
    if (!project.services[dep]) continue;
    waits.push({
      kind: 'wait',
      target: service.name,
      service: service.name,
      dependency: dep,
      condition: d.condition,
      required: d.required,
      reason: d.condition === 'service_healthy' ? `${dep} healthy` : `${dep} completed successfully`,
    });
  }
  return waits;
}

function describeConfigChange(existing: ContainerSummary, service: ServiceConfig): string {
  const before = decodeConfig(existing.labels[Label.berthConfig]);
  if (!before) return 'config changed';
  const fields = diffConfig(before.digests, digestConfig(hashedConfig(service), before.salt));
  if (fields.length === 0) return 'config changed';
  const shown = fields.slice(0, 5).join(', ');
  return `${shown}${fields.length > 5 ? ` (+${fields.length - 5} more)` : ''} changed`;
}

/** `<id12>_<name>`: a container set aside by a recreate (berth's old one; Docker Compose's new one). */
const ASIDE = /^([0-9a-f]{12})_(.+)$/;

/** The anonymous volumes a container mounts: named by the engine (64 hex), not a volume of the project. */
export function anonymousVolumes(c: ContainerSummary, observed: ObservedState): { name: string; target: string }[] {
  return (c.volumes ?? []).filter(
    (v) => isAnonymousVolumeName(v.name) && !observed.volumes.some((o) => o.name === v.name),
  );
}

/**
 * Which of two containers of one number came first. Creation times are in seconds, so a recreate within
 * the same second is told by its names: berth sets the old container aside under its own id
 * (`<own id12>_<name>`); Docker Compose makes the new one under the old one's id and labels it.
 */
function olderFirst(a: ContainerSummary, b: ContainerSummary): number {
  const rank = (c: ContainerSummary, other: ContainerSummary): number => {
    const prefix = ASIDE.exec(c.name)?.[1];
    if (prefix === c.id.slice(0, 12)) return -1;
    if ((prefix !== undefined && other.id.startsWith(prefix)) || c.labels[Label.replace] === other.id) return 1;
    return 0;
  };
  return a.created - b.created || rank(a, b) - rank(b, a) || a.id.localeCompare(b.id);
}

/** Started at least once: a container whose start failed or never came stays `created`. */
const wasStarted = (c: ContainerSummary): boolean =>
  c.state !== 'created' && c.state !== 'removing' && c.state !== 'dead';

/**
 * One number of a service, as an interrupted recreate (any step, any signal, a dropped connection) may
 * have left it: the old container aside under `<id12>_<name>`, a replacement under the real name, both.
 * The data is in the oldest one's anonymous volumes. A newer container that was started and mounts all
 * of them is the one to keep (the recreate got that far); otherwise the oldest is. The others are
 * removed (never with their volumes) and the one kept gets its real name back; then the number is
 * planned as usual. A single container under its own name needs none of this.
 */
function settleNumber(
  service: string,
  group: ContainerSummary[],
  name: string,
  observed: ObservedState,
): { keep: ContainerSummary; actions: Action[] } {
  if (group.length === 1 && !ASIDE.test(group[0]!.name)) return { keep: group[0]!, actions: [] };
  const byAge = [...group].sort(olderFirst);
  const oldest = byAge[0]!;
  const data = anonymousVolumes(oldest, observed).map((v) => v.name);
  const holdsData = (c: ContainerSummary): boolean => data.every((v) => c.volumes?.some((m) => m.name === v) ?? false);
  const keep = [...byAge.slice(1)].reverse().find((c) => wasStarted(c) && holdsData(c)) ?? oldest;
  const interrupted = group.some((c) => ASIDE.test(c.name));
  const actions: Action[] = [];
  for (const c of byAge) {
    if (c === keep) continue;
    let why: string;
    if (olderFirst(c, keep) < 0) why = `replaced by ${keep.name}, which mounts its anonymous volumes`;
    else if (!wasStarted(c)) why = `never started; ${keep.name} is kept`;
    else why = `does not mount the anonymous volumes of ${keep.name}, which is kept`;
    actions.push({
      kind: 'remove-container',
      target: c.name,
      service,
      id: c.id,
      stop: c.state === 'running' || c.state === 'restarting',
      leftover: true,
      reason: `${interrupted ? 'left over from an interrupted recreate' : 'duplicate container number'} (${why})`,
    });
  }
  if (keep.name === name || !ASIDE.test(keep.name)) return { keep, actions };
  actions.push({
    kind: 'rename-container',
    target: keep.name,
    service,
    id: keep.id,
    name,
    reason: `left over from an interrupted recreate (back to ${name})`,
  });
  return { keep: { ...keep, name }, actions };
}

function compareContainers(a: ContainerSummary, b: ContainerSummary): number {
  return (
    (a.labels[Label.service] ?? '').localeCompare(b.labels[Label.service] ?? '') ||
    numberOf(a) - numberOf(b) ||
    a.name.localeCompare(b.name)
  );
}

function sortContainers(cs: ContainerSummary[]): ContainerSummary[] {
  return [...cs].sort(compareContainers);
}

export interface DownOptions {
  volumes?: boolean;
  removeOrphans?: boolean;
  /**
   * Only these services' containers (`down web`, as Compose does: not their dependencies); a network or
   * volume a container left running still uses stays.
   */
  services?: string[];
}

/**
 * Tear down a project: its containers in reverse dependency order, then its networks, then (with
 * `volumes`) its volumes. Works from labels alone, so it needs no stack file; the project (when there is
 * one) gives the order, tells orphans apart and says which volumes are the stack's (see `planDownVolumes`).
 */
export function planDown(
  projectName: string,
  observed: ObservedState,
  project: Project | undefined,
  options: DownOptions,
): Plan {
  const warnings: string[] = [];
  const { actions, orphans } = downContainers(observed, project, options);
  const only = options.services?.length ? new Set(options.services) : undefined;
  if (orphans.length > 0) {
    warnings.push(
      `found orphan containers (${orphans.join(', ')}) for this project; run with --remove-orphans to clean them up`,
    );
  }
  const removedIds = new Set(actions.flatMap((a) => (a.kind === 'remove-container' ? [a.id] : [])));
  // With services named, what the services not named still use stays (an orphan's network is tried, and
  // left in place with a warning that names it).
  const kept = only ? observed.containers.filter((c) => !removedIds.has(c.id)) : [];
  const keptNetworks = new Set(kept.flatMap((c) => c.networks));
  for (const n of [...observed.networks].sort((a, b) => a.name.localeCompare(b.name))) {
    if (keptNetworks.has(n.name) || (orphans.length > 0 && n.containers.length > 0)) continue;
    actions.push({ kind: 'remove-network', target: n.name, id: n.id, reason: 'down' });
  }
  if (options.volumes) {
    const keptVolumes = new Set(kept.flatMap((c) => (c.volumes ?? []).map((v) => v.name)));
    const volumes = planDownVolumes(observed, project, removedIds);
    actions.push(...volumes.actions.filter((a) => !keptVolumes.has(a.target)));
    warnings.push(...volumes.warnings);
  }
  const graph = project ? projectGraph(project) : buildGraph({});
  const hooked = withHooks(actions, project);
  return {
    project: projectName,
    actions: hooked,
    steps: linked(hooked, { project, graph, direction: 'down' }),
    warnings,
  };
}

const isUp = (c: ContainerSummary): boolean =>
  c.state === 'running' || c.state === 'paused' || c.state === 'restarting';

/**
 * The container removals of `down`, dependents first: every container of the project, or of the
 * services named; orphans only with `removeOrphans` (else named in `orphans`).
 */
function downContainers(
  observed: ObservedState,
  project: Project | undefined,
  options: DownOptions,
): { actions: Action[]; orphans: string[] } {
  const known = project
    ? new Set([...Object.keys(project.services), ...Object.keys(project.disabled_services ?? {})])
    : undefined;
  const order = project ? topoOrder(projectGraph(project)).reverse() : [];
  const rank = (c: ContainerSummary): number => {
    const i = order.indexOf(c.labels[Label.service] ?? '');
    return i < 0 ? -1 : i;
  };
  const containers = [...observed.containers].sort((a, b) => rank(a) - rank(b) || compareContainers(a, b));
  const only = options.services?.length ? new Set(options.services) : undefined;
  const actions: Action[] = [];
  const orphans: string[] = [];
  for (const c of containers) {
    const service = c.labels[Label.service] ?? '';
    const orphan = known !== undefined && !known.has(service) && !isOneoff(c);
    if (orphan && !options.removeOrphans) orphans.push(c.name);
    if ((orphan && !options.removeOrphans) || (only && !orphan && !only.has(service))) continue;
    actions.push({
      kind: 'remove-container',
      target: c.name,
      service,
      id: c.id,
      stop: isUp(c),
      reason: orphan ? 'orphan' : 'down',
      ...(options.volumes && { removeVolumes: true }),
    });
  }
  return { actions, orphans };
}

/**
 * `down -v`: which volumes go. Never one the stack declares `external`, whatever its labels (a volume
 * this project made and later declared external still carries the project's label), as Compose says:
 * "is external, skipping". With the stack file, a project volume the file no longer declares (its
 * `name:` changed, or it was removed from the file) is kept and reported: `down -v` removes what the
 * stack declares, not what it once did. Without the file, every project volume goes except those the
 * project's containers mark as external (`dev.berth.external-volumes`, written at create). Then the
 * anonymous volumes of the removed containers, which the engine's own `rm -v` misses when a recreate
 * carried them over (the new container mounts them by name).
 */
function planDownVolumes(
  observed: ObservedState,
  project: Project | undefined,
  removedIds: ReadonlySet<string>,
): { actions: Action[]; warnings: string[] } {
  const actions: Action[] = [];
  const warnings: string[] = [];
  const { external, declared } = downVolumeKinds(observed, project);
  for (const name of [...external].sort()) {
    if (project || observed.volumes.some((v) => v.name === name)) warnings.push(`volume ${name} is external, skipping`);
  }
  for (const v of [...observed.volumes].sort((a, b) => a.name.localeCompare(b.name))) {
    if (external.has(v.name)) continue;
    if (project && !declared.has(v.name)) {
      const key = v.labels[Label.volume];
      warnings.push(
        `volume ${v.name}${key ? ` (once volume "${key}")` : ''} is no longer declared in the stack file: kept with its data; remove it with: docker volume rm ${v.name}`,
      );
      continue;
    }
    actions.push({ kind: 'remove-volume', target: v.name, reason: 'down -v' });
  }
  for (const name of removedAnonymousVolumes(observed, removedIds, external))
    actions.push({ kind: 'remove-volume', target: name, reason: 'anonymous volume' });
  return { actions, warnings };
}

/**
 * The volumes `down -v` must spare (`external`) and those the stack declares (`declared`), by engine
 * name: from the stack file when there is one, else from the containers' `dev.berth.external-volumes`.
 */
function downVolumeKinds(
  observed: ObservedState,
  project: Project | undefined,
): { external: Set<string>; declared: Set<string> } {
  const external = new Set<string>();
  const declared = new Set<string>();
  if (project) {
    for (const v of Object.values(project.volumes)) (v.external ? external : declared).add(v.name);
  } else {
    for (const c of observed.containers)
      for (const name of (c.labels[Label.externalVolumes] ?? '').split(',')) if (name) external.add(name);
  }
  return { external, declared };
}

/** The anonymous volumes of the removed containers (none external), sorted. */
function removedAnonymousVolumes(
  observed: ObservedState,
  removedIds: ReadonlySet<string>,
  external: ReadonlySet<string>,
): string[] {
  const anonymous = new Set<string>();
  for (const c of observed.containers) {
    if (!removedIds.has(c.id)) continue;
    for (const v of c.volumes ?? []) if (/^[0-9a-f]{64}$/.test(v.name) && !external.has(v.name)) anonymous.add(v.name);
  }
  return [...anonymous].sort();
}

const VERB: Record<ActionKind, string> = {
  'create-network': 'create',
  'create-volume': 'create',
  'recreate-volume': 'recreate',
  'pull-image': 'pull',
  'build-image': 'build',
  'check-container': 'check',
  wait: 'wait',
  'create-container': 'create',
  'recreate-container': 'recreate',
  'rename-container': 'rename',
  'start-container': 'start',
  'restart-container': 'restart',
  'keep-container': 'keep',
  'stop-container': 'stop',
  'remove-container': 'remove',
  'run-hook': 'exec',
  'remove-network': 'remove',
  'remove-volume': 'remove',
};

const NOUN: Partial<Record<ActionKind, string>> = {
  'create-network': 'network ',
  'remove-network': 'network ',
  'create-volume': 'volume ',
  'recreate-volume': 'volume ',
  'remove-volume': 'volume ',
  'pull-image': 'image ',
  'build-image': 'image ',
};

export function actionVerb(a: Action): string {
  return VERB[a.kind];
}

/** `network demo_default`, `web-1`, `image busybox`: how an action's target is shown. */
export function actionTitle(a: Action): string {
  return `${NOUN[a.kind] ?? ''}${a.target}`;
}

/** One stable line per action: `<target>: <verb>: <reason>`. The text `berth plan` prints and tests compare. */
export function formatAction(a: Action): string {
  return `${actionTitle(a)}: ${VERB[a.kind]}: ${a.reason}`;
}

/** The actions in the planner's order, one `formatAction` line each, without ids or edges: for tests about reasons. */
export function formatPlan(plan: Plan): string {
  return plan.actions.map(formatAction).join('\n');
}

/** One step's line: `#5 [#2 #3] web-1: recreate: environment.FOO changed` (no brackets when it waits for nothing). */
export function formatStep(step: PlanStep): string {
  const waits = step.after.length > 0 ? ` [${step.after.join(' ')}]` : '';
  return `${step.id}${waits} ${NOUN[step.op] ?? ''}${step.target}: ${VERB[step.op]}: ${step.reason}`;
}

/** The plan as `berth plan` prints it and the golden tests compare: one line per step, in an order a walker could run them. */
export function formatGraph(plan: Plan): string {
  return plan.steps.map(formatStep).join('\n');
}

/** A service's pull policy in one of the forms Compose accepts, normalized. */
export type PullPolicy =
  { kind: 'always' | 'missing' | 'never' | 'build' } | { kind: 'every'; ms: number; label: string };

/** `always`, `missing`/`if_not_present`, `never`, `build`, `daily`, `weekly`, `every_<duration>` (`every_12h`); undefined: unknown. */
export function parsePullPolicy(text: string): PullPolicy | undefined {
  const t = text.trim().toLowerCase();
  switch (t) {
    case 'always':
    case 'never':
    case 'build':
    case 'missing':
      return { kind: t };
    case 'if_not_present':
      return { kind: 'missing' };
    case 'daily':
      return { kind: 'every', ms: 86_400_000, label: 'daily' };
    case 'weekly':
      return { kind: 'every', ms: 7 * 86_400_000, label: 'weekly' };
    case 'refresh':
      return { kind: 'always' };
  }
  if (t.startsWith('every_')) {
    // Days and weeks as well as Go's units: "every_2d", "every_1w12h".
    const text = t
      .slice('every_'.length)
      .replace(/(\d+)([dw])/g, (_m, n: string, u: string) => `${Number(n) * (u === 'd' ? 24 : 168)}h`);
    const ns = parseDurationNs(text);
    if (ns !== undefined && ns > 0) return { kind: 'every', ms: Math.round(ns / 1e6), label: t };
  }
  return undefined;
}

/**
 * The build and pull actions for the selected services. A service with `build:` is built when asked
 * (`--build`, `pull_policy: build`) or when its image is missing; one without is pulled as its policy
 * says: `always`; `missing` (the default) when absent; `daily`/`weekly`/`every_<d>` when absent or last
 * tagged longer ago than that; `never` requires the image to be present. `--pull` overrides the policy.
 */
export function planImages(
  project: Project,
  services: ServiceConfig[],
  observed: ObservedState,
  options: UpOptions,
): Action[] {
  const pulls = new Map<string, { services: string[]; reason: string }>();
  const builds = new Map<string, { builds: string; services: string[]; reason: string }>();
  const missingNever: string[] = [];
  const missingNoBuild: string[] = [];
  for (const s of services) {
    const ref = serviceImage(project, s);
    const present = observed.images[ref] !== undefined;
    const { policy, by } = pullPolicyOf(s, options);
    const existingBuild = builds.get(ref);
    if (existingBuild) {
      existingBuild.services.push(s.name);
      continue;
    }
    if (s.build && !options.noBuild) {
      const reason = buildReason(policy, by, present, options);
      if (reason !== undefined) {
        const users = services.filter((o) => serviceImage(project, o) === ref).map((o) => o.name);
        builds.set(ref, { builds: s.name, services: users, reason });
        pulls.delete(ref);
        continue;
      }
      // A buildable image is pulled only when its own pull_policy says always, not for `--pull always`.
      if (policy.kind !== 'always' || options.pull !== undefined) continue;
    }
    if (s.build && options.noBuild && s.image === undefined && !present) {
      missingNoBuild.push(`${ref} (service ${s.name})`);
      continue;
    }
    if (policy.kind === 'never' && !present) missingNever.push(`${ref} (service ${s.name})`);
    const reason = pullReason(policy, by, present, options.nowMs, options.imageTagTimes?.[ref]);
    if (reason === undefined) continue;
    const known = pulls.get(ref);
    if (known) known.services.push(s.name);
    else pulls.set(ref, { services: [s.name], reason });
  }
  throwMissingImages(missingNever, missingNoBuild);
  const out: Action[] = [];
  for (const [ref, p] of [...pulls].sort(([a], [b]) => a.localeCompare(b)))
    out.push({ kind: 'pull-image', target: ref, services: p.services, reason: p.reason });
  for (const [ref, b] of [...builds].sort(([a], [b2]) => a.localeCompare(b2)))
    out.push({ kind: 'build-image', target: ref, builds: b.builds, services: b.services, reason: b.reason });
  return out;
}

/** The service's pull policy (`--pull` before `pull_policy`, `missing` by default) and how a reason names it. */
function pullPolicyOf(s: ServiceConfig, options: UpOptions): { policy: PullPolicy; by: string } {
  const policyText = options.pull ?? s.pull_policy ?? 'missing';
  const policy = parsePullPolicy(policyText);
  if (!policy)
    throw new ImageMissingError(`service "${s.name}": unknown pull_policy "${policyText}"`, {
      hint: 'use always, missing, never, build, daily, weekly or every_<duration>',
    });
  const by = options.pull !== undefined ? `--pull ${options.pull}` : `pull_policy: ${policyText}`;
  return { policy, by };
}

/** Why a service with `build:` is built: asked for, or its image missing; undefined: not built. */
function buildReason(policy: PullPolicy, by: string, present: boolean, options: UpOptions): string | undefined {
  if (options.build) return 'up --build';
  if (policy.kind === 'build') return by;
  if (!present && policy.kind !== 'always') return 'not present locally';
  return undefined;
}

/** Why an image is pulled under its policy; undefined: not pulled (`never` never pulls). */
function pullReason(
  policy: PullPolicy,
  by: string,
  present: boolean,
  nowMs: number | undefined,
  tagged: number | undefined,
): string | undefined {
  switch (policy.kind) {
    case 'always':
      return by;
    case 'never':
      return undefined;
    case 'every':
      if (!present) return 'not present locally';
      if (nowMs !== undefined && tagged !== undefined && nowMs - tagged >= policy.ms)
        return `${by}: last pulled over ${policy.label.replace(/^every_/, '')} ago`;
      return undefined;
    default:
      return present ? undefined : 'not present locally';
  }
}

/** The images `up` cannot do without and may not pull (`never`) or build (`--no-build`): one error for all. */
function throwMissingImages(missingNever: string[], missingNoBuild: string[]): void {
  if (missingNever.length > 0) {
    throw new ImageMissingError(`image not present locally and pull_policy is never: ${missingNever.join(', ')}`, {
      hint: 'pull or build it first (berth pull / berth build), or change pull_policy',
    });
  }
  if (missingNoBuild.length > 0) {
    throw new ImageMissingError(`image not built yet and --no-build was given: ${missingNoBuild.join(', ')}`, {
      hint: 'run berth build first, or up without --no-build',
    });
  }
}
