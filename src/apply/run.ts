/**
 * `run`: a one-off container of a service, as Compose makes them: named
 * `<project>-<service>-run-<12 hex>`, labelled `com.docker.compose.oneoff=True` (so `up`, `down`'s
 * planner and `ps` tell it from the service's own containers), no restart policy, no published ports
 * unless asked, no service alias on the networks. The service's dependencies are brought up first
 * through `up`. Attached, it streams the container's output and returns its exit code. The flags
 * arrive parsed (cli/commands/run.ts reads `-e`, `-l`, `-p`, `-v`).
 */
import { randomBytes } from 'node:crypto';
import type { PortConfig, Project, ServiceConfig, ServiceVolume } from '../config/model.js';
import { withDependencies } from '../graph/index.js';
import { containerSpec, networkSpec, projectGraph, serviceImage, volumeSpec, type UpOptions } from '../plan/index.js';
import type { Renderer } from '../progress/events.js';
import type { ContainerSpec, ProcessIO, Runtime } from '../runtime/runtime.js';
import type { ApplyOptions } from './apply.js';
import { startOrRemove } from './operations.js';
import { up } from './ops.js';
import { requirements } from './optional.js';

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
}

export interface RunWorld {
  /** 64 hex characters; injected for tests. */
  randomId?: () => string;
}

/** The service as the one-off runs it: flags applied over the stack's settings. Pure. */
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
  return s;
}

/** The container spec of the one-off: Compose's name, labels and network settings. Pure. */
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
  // Not reachable under the service's name: that belongs to the service's own containers.
  spec.endpoints = spec.endpoints.map((ep) => ({ ...ep, aliases: ep.aliases.filter((a) => a !== service.name) }));
  if (o.interactive && !o.detach) {
    spec.openStdin = true;
    spec.stdinOnce = true;
  }
  return spec;
}

export interface RunResult {
  containerId: string;
  name: string;
  /** The command's exit code (0 when detached). */
  exitCode: number;
}

export async function runOneOff(
  project: Project,
  rt: Runtime,
  o: RunOptions,
  apply: ApplyOptions & { berthVersion: string; setup?: <T>(fn: () => Promise<T>) => Promise<T> },
  renderer: () => Promise<Renderer>,
  io: ProcessIO,
  world: RunWorld,
): Promise<RunResult> {
  const service = project.services[o.service]!;
  const s = oneOffService(service, o);
  const slug = (world.randomId ?? (() => randomBytes(32).toString('hex')))();
  const spec = oneOffSpec(project, s, o, slug, apply.berthVersion);
  // Dependencies, networks and volumes, and the container: made under the project's lock when the caller has one.
  const setup = apply.setup ?? ((fn) => fn());
  const id = await setup(async () => {
    if (!o.noDeps) {
      const deps = [...withDependencies(projectGraph(project), [o.service])].filter((d) => d !== o.service);
      if (deps.length > 0) {
        const { setup: _setup, ...rest } = apply;
        // What the one-off needs decides which of them are optional, not the list of them.
        const options: UpOptions & ApplyOptions = {
          ...rest,
          services: deps,
          requirements: requirements(project, [o.service]),
        };
        await up(project, rt, options, await renderer());
      }
    }
    await ensureResources(project, s, rt, apply.berthVersion);
    const made = await rt.createContainer(spec);
    if (o.detach) await startOrRemove(rt, made);
    return made;
  });
  if (o.detach) return { containerId: id, name: spec.name, exitCode: 0 };
  const forward = (signal: NodeJS.Signals): void => {
    rt.killContainer(id, signal).catch(() => undefined);
  };
  let attached: { ended: Promise<void>; resize(): Promise<void> } | undefined;
  try {
    attached = await rt.attachContainer(id, io, { tty: o.tty });
    // Without a TTY, Ctrl-C and friends go to the command, as `docker run` does; with one, the terminal sends them.
    if (!o.tty) for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, forward);
    await startOrRemove(rt, id);
    await attached.resize().catch(() => undefined);
    const exitCode = await rt.waitContainer(id, 'not-running');
    await attached.ended;
    return { containerId: id, name: spec.name, exitCode };
  } finally {
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.removeListener(sig, forward);
    if (o.remove) await rt.removeContainer(id, { force: true, volumes: true }).catch(() => undefined);
  }
}

/** The networks and named volumes the one-off needs, and its image, when `up` did not make them. */
async function ensureResources(project: Project, s: ServiceConfig, rt: Runtime, berthVersion: string): Promise<void> {
  for (const key of Object.keys(s.networks)) {
    const net = project.networks[key];
    if (!net || net.external) continue;
    if ((await rt.listNetworks({ name: net.name })).length > 0) continue;
    await rt.ensureNetwork(networkSpec(project, key, net, berthVersion));
  }
  for (const v of s.volumes) {
    if (v.type !== 'volume' || v.source === undefined) continue;
    const vol = project.volumes[v.source];
    if (!vol || vol.external) continue;
    if ((await rt.listVolumes({ name: vol.name })).length > 0) continue;
    await rt.createVolume(volumeSpec(project, v.source, vol, berthVersion));
  }
  const image = serviceImage(project, s);
  if (!(await rt.inspectImage(image))) await rt.pullImage(image);
}
