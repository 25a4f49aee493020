/**
 * `run`: a one-off container of a service, as Compose makes them (its shape: plan/run.ts). The
 * service's dependencies are brought up first through `up`; then one snapshot, the pure run plan
 * (`planRun`), whose networks, volumes and image `applyPlan` makes; then the container, created here
 * because it is attached to before it starts. Attached, it streams the container's output and returns
 * its exit code. The flags arrive parsed (cli/commands/run.ts reads `-e`, `-l`, `-p`, `-v`).
 */
import { randomBytes } from 'node:crypto';
import type { Project } from '../config/model.js';
import { withDependencies } from '../graph/index.js';
import {
  oneOffProject,
  planRun,
  projectGraph,
  serviceImage,
  splitRun,
  type Plan,
  type RunOptions,
  type UpOptions,
} from '../plan/index.js';
import type { Renderer } from '../progress/events.js';
import type { ProcessIO, Runtime } from '../runtime/runtime.js';
import type { ApplyOptions } from './apply.js';
import { buildSpecsFor, imageTagTimes } from './images.js';
import { startOrRemove } from './operations.js';
import { checkExternals, executePlan, up, withEngineHandoffs } from './ops.js';
import { requirements } from './optional.js';

export { oneOffService, oneOffSpec, SLUG_LABEL, type RunOptions } from '../plan/index.js';

export interface RunWorld {
  /** 64 hex characters; injected for tests. */
  randomId?: () => string;
}

export interface RunResult {
  containerId: string;
  name: string;
  /** The command's exit code (0 when detached). */
  exitCode: number;
}

type RunApply = ApplyOptions & {
  berthVersion: string;
  setup?: <T>(fn: () => Promise<T>) => Promise<T>;
  /** The caller's environment: a build's secrets and `ssh: default` come from it. */
  env?: Record<string, string | undefined>;
};

export async function runOneOff(
  project: Project,
  rt: Runtime,
  o: RunOptions,
  apply: RunApply,
  renderer: () => Promise<Renderer>,
  io: ProcessIO,
  world: RunWorld,
): Promise<RunResult> {
  const slug = (world.randomId ?? (() => randomBytes(32).toString('hex')))();
  // Dependencies, networks, volumes, image and the container: made under the project's lock when the caller has one.
  const setup = apply.setup ?? ((fn) => fn());
  const { setup: _setup, ...options } = apply;
  const { id, name } = await setup(async () => {
    if (!o.noDeps) await upDependencies(project, rt, o, options, renderer);
    const { prepare, container } = splitRun(await planRunFor(project, rt, o, slug, options.berthVersion));
    await prepareRun(project, prepare, rt, options, renderer);
    const made = await rt.createContainer(container.spec);
    if (container.start) await startOrRemove(rt, made);
    return { id: made, name: container.spec.name };
  });
  if (o.detach) return { containerId: id, name, exitCode: 0 };
  return attachAndWait(rt, id, name, o, io);
}

/** The one-off's dependencies, through `up`; what the one-off needs decides which of them are optional. */
async function upDependencies(
  project: Project,
  rt: Runtime,
  o: RunOptions,
  apply: ApplyOptions & { berthVersion: string },
  renderer: () => Promise<Renderer>,
): Promise<void> {
  const deps = [...withDependencies(projectGraph(project), [o.service])].filter((d) => d !== o.service);
  if (deps.length === 0) return;
  const options: UpOptions & ApplyOptions = {
    ...apply,
    services: deps,
    requirements: requirements(project, [o.service]),
    ...(o.build === true && { build: true }),
    ...(o.pull !== undefined && { pull: o.pull }),
  };
  await up(project, rt, options, await renderer());
}

/** One snapshot (after the dependencies are up), the external resources checked by name, the pure plan. */
export async function planRunFor(
  given: Project,
  rt: Runtime,
  o: RunOptions,
  slug: string,
  berthVersion: string,
): Promise<Plan> {
  const project = await withEngineHandoffs(given, rt);
  const seen = oneOffProject(project, o);
  const s = seen.services[o.service]!;
  const image = serviceImage(seen, s);
  const [observed] = await Promise.all([rt.observe(project.name, [image]), checkExternals(seen, rt, [s])]);
  const only = { ...seen, services: { [s.name]: s } };
  const times = await imageTagTimes(
    only,
    rt,
    { berthVersion, ...(o.pull !== undefined && { pull: o.pull }) },
    observed.images,
  );
  return planRun(project, observed, o, { berthVersion, slug, nowMs: Date.now(), ...times });
}

/** The networks, volumes and image of a run plan, with their progress; nothing shown when there are none. */
async function prepareRun(
  project: Project,
  plan: Plan,
  rt: Runtime,
  apply: ApplyOptions & { env?: Record<string, string | undefined> },
  renderer: () => Promise<Renderer>,
): Promise<void> {
  if (plan.actions.length === 0 && plan.warnings.length === 0) return;
  const options = plan.actions.some((a) => a.kind === 'build-image')
    ? { ...apply, buildSpecs: buildSpecsFor(project, plan.actions, apply.env ? { env: apply.env } : {}) }
    : apply;
  await executePlan(plan, rt, options, await renderer());
}

/** Attached: streams the one-off, starts it, returns its exit code; removes it after with `--rm`. */
async function attachAndWait(rt: Runtime, id: string, name: string, o: RunOptions, io: ProcessIO): Promise<RunResult> {
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
    return { containerId: id, name, exitCode };
  } finally {
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.removeListener(sig, forward);
    if (o.remove) await rt.removeContainer(id, { force: true, volumes: true }).catch(() => undefined);
  }
}
