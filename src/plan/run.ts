/**
 * The plan of a one-off (`berth run`), decided purely like `up`'s and from the same pieces: the networks
 * and named volumes the one-off joins and mounts that are missing, its image (pulled or built as its
 * pull policy says), then its container after them, each with a reason; the graph shows that order.
 * The service's dependencies are not in it: `run` brings them up first with `up`, then plans this.
 * The one-off's own shape (flags over the service, Compose's name and labels) is decided here too.
 */
import type { PortConfig, Project, ServiceConfig, ServiceVolume } from '../config/model.js';
import type { ContainerSpec, ObservedState } from '../runtime/runtime.js';
import { containerSpec } from './desired.js';
import { linked, planImages, planNetworks, planVolumes, projectGraph, type Action, type Plan } from './plan.js';

export const SLUG_LABEL = 'com.docker.compose.slug';

export interface RunOptions {
  service: string;
  /** Replaces the service's command when not empty. */
  command: string[];
  /** `--entrypoint`: replaces the entrypoint (and clears the command unless one is given). */
  entrypoint?: string[];
  name?: string;
  /** `-e`: set over the service's environment. */
  env: Record<string, string>;
  /** `-l`: set over the service's labels. */
  labels: Record<string, string>;
  user?: string;
  workdir?: string;
  /** `-v`: mounted after the service's own volumes. */
  volumes: ServiceVolume[];
  /** `-p`: published, after the service's ports with `servicePorts`. */
  publish: PortConfig[];
  servicePorts: boolean;
  noDeps: boolean;
  detach: boolean;
  /** Remove the container (and its anonymous volumes) once it exits. */
  remove: boolean;
  tty: boolean;
  /** Send stdin to the container. */
  interactive: boolean;
  /** `--cap-add`: added to the service's `cap_add` (and taken out of its `cap_drop`). */
  capAdd?: string[];
  /** `--cap-drop`: added to the service's `cap_drop` (and taken out of its `cap_add`). */
  capDrop?: string[];
  /** `--use-aliases`: the one-off joins its networks under the service's name and aliases too. */
  useAliases?: boolean;
  /** `--build`: build the image (of the one-off and its dependencies) before running. */
  build?: boolean;
  /** `--pull <policy>`: instead of each service's `pull_policy`. */
  pull?: string;
}

/** The service as the one-off runs it: flags applied over the stack's settings. */
export function oneOffService(service: ServiceConfig, o: RunOptions): ServiceConfig {
  const s: ServiceConfig = {
    ...service,
    environment: { ...service.environment, ...o.env },
    labels: { ...service.labels, ...o.labels },
  };
  delete s.restart;
  delete s.container_name;
  if (s.deploy) {
    const { restart_policy: _ignored, ...deploy } = s.deploy;
    s.deploy = deploy;
  }
  if (o.entrypoint !== undefined) {
    s.entrypoint = o.entrypoint;
    s.command = o.command.length > 0 ? o.command : [];
  } else if (o.command.length > 0) {
    s.command = o.command;
  }
  if (o.user !== undefined) s.user = o.user;
  if (o.workdir !== undefined) s.working_dir = o.workdir;
  s.ports = [...(o.servicePorts ? service.ports : []), ...o.publish];
  s.volumes = [...service.volumes, ...o.volumes];
  s.tty = o.tty;
  s.stdin_open = o.interactive;
  Object.assign(s, capabilities(service, o));
  return s;
}

/** `--cap-add` and `--cap-drop` over the service's, as Compose applies them: each flag wins over the other list. */
function capabilities(service: ServiceConfig, o: RunOptions): Pick<ServiceConfig, 'cap_add' | 'cap_drop'> {
  let add = service.cap_add ?? [];
  let drop = service.cap_drop ?? [];
  if (o.capAdd?.length) {
    add = [...add, ...o.capAdd];
    drop = drop.filter((c) => !o.capAdd!.includes(c));
  }
  if (o.capDrop?.length) {
    drop = [...drop, ...o.capDrop];
    add = add.filter((c) => !o.capDrop!.includes(c));
  }
  const out: Pick<ServiceConfig, 'cap_add' | 'cap_drop'> = {};
  if (add.length > 0 || service.cap_add) out.cap_add = add;
  if (drop.length > 0 || service.cap_drop) out.cap_drop = drop;
  return out;
}

/** The container spec of the one-off: Compose's name, labels and network settings. */
export function oneOffSpec(
  project: Project,
  service: ServiceConfig,
  o: RunOptions,
  slug: string,
  berthVersion: string,
): ContainerSpec {
  const spec = containerSpec(project, service, 1, berthVersion);
  spec.name = o.name ?? `${project.name}-${service.name}-run-${slug.slice(0, 12)}`;
  spec.labels = { ...spec.labels, 'com.docker.compose.oneoff': 'True', [SLUG_LABEL]: slug };
  delete spec.labels['com.docker.compose.container-number'];
  // Not reachable under the service's name and aliases (they belong to the service's own containers), unless --use-aliases.
  if (o.useAliases !== true) spec.endpoints = spec.endpoints.map((ep) => ({ ...ep, aliases: [] }));
  if (o.interactive && !o.detach) {
    spec.openStdin = true;
    spec.stdinOnce = true;
  }
  return spec;
}

export interface RunPlanOptions {
  berthVersion: string;
  /** 64 hex characters: the one-off's slug label, and its name's suffix. */
  slug: string;
  /** As for `up`: now, and when each image was last tagged, for the periodic pull policies. */
  nowMs?: number;
  imageTagTimes?: Record<string, number>;
}

/** The project as the one-off sees it: its service with the flags applied (a `-v` may mount one more volume). */
export function oneOffProject(project: Project, o: RunOptions): Project {
  const s = oneOffService(project.services[o.service]!, o);
  return { ...project, services: { ...project.services, [s.name]: s } };
}

/**
 * What the one-off needs that is missing, then its container (`create-container`, started at once when
 * detached). External networks and volumes are not in the snapshot: the caller checks them by name, as
 * for `up`. A volume whose driver or options changed is left as it is, with a warning: only `up`
 * recreates a volume, and only with the user's consent.
 */
export function planRun(project: Project, observed: ObservedState, o: RunOptions, options: RunPlanOptions): Plan {
  const seen = oneOffProject(project, o);
  const s = seen.services[o.service]!;
  const actions: Action[] = [...planNetworks(seen, observed, [s], options.berthVersion).actions];
  const warnings: string[] = [];
  const volumes = planVolumes(seen, observed, volumeKeys(s), new Set([s.name]), options.berthVersion);
  for (const a of volumes.actions) {
    if (a.kind === 'create-volume') actions.push(a);
    else
      warnings.push(
        `volume ${a.target}: ${a.reason.replace(/ \(data in it would be lost\)$/, '')}: run uses it as it is; berth up recreates it (the data in it would be lost)`,
      );
  }
  warnings.push(...volumes.warnings);
  actions.push(
    ...planImages(seen, [s], observed, {
      berthVersion: options.berthVersion,
      ...(o.build === true && { build: true }),
      ...(o.pull !== undefined && { pull: o.pull }),
      ...(options.nowMs !== undefined && { nowMs: options.nowMs }),
      ...(options.imageTagTimes && { imageTagTimes: options.imageTagTimes }),
    }),
  );
  const spec = oneOffSpec(seen, s, o, options.slug, options.berthVersion);
  actions.push({
    kind: 'create-container',
    target: spec.name,
    service: s.name,
    // One-offs carry no container number; berth reads a missing one as 0.
    number: 0,
    spec,
    start: o.detach,
    reason: o.detach ? `one-off of ${s.name}, detached` : `one-off of ${s.name}`,
  });
  const steps = linked(actions, { project: seen, graph: projectGraph(seen), direction: 'up' });
  return { project: project.name, actions, steps, warnings };
}

/** The keys of the project volumes the service mounts (its own and the `-v` ones), sorted. */
function volumeKeys(s: ServiceConfig): string[] {
  const keys = s.volumes.flatMap((v) => (v.type === 'volume' && v.source !== undefined ? [v.source] : []));
  return [...new Set(keys)].sort();
}

/**
 * A run plan split in two: what `applyPlan` makes (the networks, volumes and image), and the one-off's
 * container, which `run` creates itself: it attaches to the container before starting it, needs its id
 * back, and must fail (not adopt it, as `up` would after an interrupted run) when `--name` is taken.
 * Nothing waits for the container, so the steps left keep their ids and edges.
 */
export function splitRun(plan: Plan): { prepare: Plan; container: Extract<Action, { kind: 'create-container' }> } {
  const container = plan.actions.find((a) => a.kind === 'create-container');
  if (!container) throw new Error('internal error: a run plan without its container');
  return {
    prepare: {
      ...plan,
      actions: plan.actions.filter((a) => a !== container),
      steps: plan.steps.filter((st) => st.action !== container),
    },
    container,
  };
}
