/**
 * `berth stack deploy` and `berth stack rm` put together: check that the engine is a swarm manager,
 * refuse the images no node could pull or, with `--push`, build and push them (images.ts), observe
 * the stack once, plan purely (plan.ts), and run the plan's steps through the walker every
 * plan runs through (graph/steps.ts `walkSteps`): one SwarmRuntime call per step, a step skipped when
 * one it follows failed, the failures collected into one ApplyError. Waits poll the service and its
 * tasks and ask wait.ts for a verdict.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Project } from '../config/model.js';
import type { SwarmImagePlace } from '../config/swarm-keys.js';
import { ApplyError, BerthError } from '../errors.js';
import { walkSteps } from '../graph/steps.js';
import type { SwarmLocalImage, SwarmObjectKind, SwarmRuntime, SwarmServiceSpec } from '../runtime/runtime.js';
import { fileImage } from './diff.js';
import {
  imageWork,
  pushStackImages,
  refuseBuilt,
  refuseLocalOnly,
  type ImageWork,
  type PushContext,
} from './images.js';
import {
  planStackDeploy,
  planStackRemove,
  StackPlanError,
  type ResolveImage,
  type StackObserved,
  type StackPlan,
  type StackStep,
} from './plan.js';
import { NAMESPACE_LABEL, translateStack, type DesiredStack } from './translate.js';
import { judgeService, type Verdict } from './wait.js';

export class NotSwarmManagerError extends BerthError {
  readonly code = 'NOT_SWARM_MANAGER';
}

export class StackWaitError extends BerthError {
  readonly code = 'STACK_WAIT_FAILED';
}

export interface StackEvents {
  /** A step starts. */
  step(step: StackStep): void;
  /** A waited-for service's progress changed (`1/2 running`). */
  progress(service: string, text: string): void;
  /** The engine's warnings about a create or update. */
  warning(text: string): void;
}

export interface DeployOptions {
  stack: string;
  prune: boolean;
  resolveImage: ResolveImage;
  wait: boolean;
  dryRun: boolean;
  parallel: number;
  /** For secrets and configs taken from a variable. */
  env: Record<string, string | undefined>;
  /** Give up waiting after this long (ms). */
  waitTimeoutMs: number;
  events: StackEvents;
  /** Where the file names each service's image and build (`LoadResult.swarmImages`). */
  images: readonly SwarmImagePlace[];
  /** `--push`: build and push what no node could pull, on the manager's engine; without it that is refused. */
  push?: PushContext;
  /** `--with-registry-auth`: every service write carries the credentials of its image's registry. */
  registryAuth: boolean;
}

/** What the steps of a run need from the options. */
type RunOptions = Pick<DeployOptions, 'parallel' | 'events' | 'waitTimeoutMs'> & { registryAuth?: boolean };

/** The content of every secret and config the stack declares (not external), read now. */
export async function readObjectData(
  project: Project,
  env: Record<string, string | undefined>,
): Promise<(kind: SwarmObjectKind, key: string) => Buffer> {
  const data = new Map<string, Buffer>();
  for (const kind of ['secret', 'config'] as const)
    for (const [key, o] of Object.entries((kind === 'secret' ? project.secrets : project.configs) ?? {})) {
      if (o.external) continue;
      let content: Buffer;
      if (o.file !== undefined) content = await readObjectFile(kind, key, o.file);
      else if (o.environment !== undefined) content = Buffer.from(env[o.environment] ?? '');
      else content = Buffer.from(o.content ?? '');
      data.set(`${kind}:${key}`, content);
    }
  return (kind, key) => data.get(`${kind}:${key}`) ?? Buffer.alloc(0);
}

async function readObjectFile(kind: SwarmObjectKind, key: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new StackPlanError(`${kind} ${key}: cannot read ${path}: ${why}`, {
      hint: `the file of ${kind}s.${key}.file is read when the stack is deployed`,
    });
  }
}

export async function requireManager(swarm: SwarmRuntime): Promise<void> {
  const info = await swarm.swarmInfo();
  if (info.controlAvailable) return;
  const why =
    info.localNodeState === 'active'
      ? 'is a swarm worker, not a manager'
      : `is not part of a swarm (${info.localNodeState})`;
  throw new NotSwarmManagerError(`the engine at ${swarm.endpoint} ${why}`, {
    hint: 'point DOCKER_HOST (or the docker context) at a swarm manager, or run `docker swarm init`',
  });
}

/** One look at what the swarm holds for the stack. */
export async function observeStack(swarm: SwarmRuntime, stack: string): Promise<StackObserved> {
  const [services, networks, secrets, configs] = await Promise.all([
    swarm.listServices({ [NAMESPACE_LABEL]: stack }),
    swarm.listNetworks(),
    swarm.listObjects('secret', {}),
    swarm.listObjects('config', {}),
  ]);
  return { services, networks, secrets, configs };
}

/**
 * The images to pin to a registry digest, as `--resolve-image` says, and those no registry answered
 * for: they keep their tag, and every node must have them or pull them itself.
 */
async function resolveImages(
  swarm: SwarmRuntime,
  desired: DesiredStack,
  observed: StackObserved,
  opts: { mode: ResolveImage; registryAuth: boolean; skip: ReadonlySet<string> },
): Promise<{ resolved: Record<string, string>; unresolved: string[] }> {
  if (opts.mode === 'never') return { resolved: {}, unresolved: [] };
  const running = new Map(observed.services.map((s) => [s.spec.Name, fileImage(s.spec)]));
  const images = new Set(
    Object.values(desired.services)
      .filter((s) => opts.mode === 'always' || running.get(s.Name) !== fileImage(s))
      .map(fileImage)
      .filter((image) => !opts.skip.has(image)),
  );
  const resolved: Record<string, string> = {};
  const unresolved: string[] = [];
  await Promise.all(
    [...images].map(async (image) => {
      const pinned = await swarm.resolveImage(image, { registryAuth: opts.registryAuth });
      if (pinned) resolved[image] = pinned;
      else unresolved.push(image);
    }),
  );
  return { resolved, unresolved: unresolved.sort() };
}

/** The manager's own copy of each image (undefined: it has none). */
async function localImages(swarm: SwarmRuntime, images: string[]): Promise<Map<string, SwarmLocalImage | undefined>> {
  const unique = [...new Set(images)];
  const found = await Promise.all(unique.map((image) => swarm.localImage(image)));
  return new Map(unique.map((image, i) => [image, found[i]]));
}

/** The images `--push` made (pinned to their digest), and those a dry run would make. */
interface PreparedImages {
  pinned: Record<string, string>;
  /** `--dry-run --push`: what would be built and pushed. */
  pending: ImageWork;
}

/** Before the plan: what no node could pull is refused, or with `--push` built and pushed now. */
async function prepareImages(
  swarm: SwarmRuntime,
  project: Project,
  opts: Pick<DeployOptions, 'images' | 'push' | 'dryRun'>,
): Promise<PreparedImages> {
  const none: ImageWork = { build: [], push: [] };
  if (!opts.push) {
    refuseBuilt(opts.images);
    return { pinned: {}, pending: none };
  }
  const local = await localImages(
    swarm,
    opts.images.filter((p) => !p.build).map((p) => p.image),
  );
  const work = imageWork(opts.images, local);
  if (opts.dryRun) return { pinned: {}, pending: work };
  return { pinned: await pushStackImages(project, work, opts.push), pending: none };
}

export async function planDeploy(
  swarm: SwarmRuntime,
  project: Project,
  opts: Pick<DeployOptions, 'stack' | 'prune' | 'resolveImage' | 'wait' | 'env' | 'images' | 'registryAuth'> & {
    prepared?: PreparedImages;
  },
): Promise<StackPlan> {
  const prepared = opts.prepared ?? { pinned: {}, pending: { build: [], push: [] } };
  const desired = translateStack(project, opts.stack, await readObjectData(project, opts.env));
  const observed = await observeStack(swarm, opts.stack);
  const skip = new Set([...Object.keys(prepared.pinned), ...prepared.pending.push]);
  const { resolved, unresolved } = await resolveImages(swarm, desired, observed, {
    mode: opts.resolveImage,
    registryAuth: opts.registryAuth,
    skip,
  });
  refuseLocalOnly(opts.images, unresolved, await localImages(swarm, unresolved));
  const salt = randomBytes(8).toString('hex');
  const plan = planStackDeploy(desired, observed, {
    prune: opts.prune,
    wait: opts.wait,
    resolved: { ...resolved, ...prepared.pinned },
    salt,
    registryAuth: opts.registryAuth,
  });
  for (const service of prepared.pending.build) plan.warnings.push(`${service}: would be built (--push)`);
  for (const image of prepared.pending.push)
    plan.warnings.push(`image ${image}: would be pushed, and the services using it pinned to its digest (--push)`);
  for (const image of unresolved)
    plan.warnings.push(
      `image ${image}: no registry answered for its digest; each node uses its own copy or pulls it itself (an image built on one machine must be pushed to a registry every node can reach)`,
    );
  return plan;
}

/**
 * `work` once the engine is known to be a swarm manager. The engine's answer about its swarm takes it
 * longer than the reads (20 ms on a manager), so reads go along with it; a read refused because the
 * engine is no manager gives way to the clearer error of the check.
 */
async function asManager<T>(swarm: SwarmRuntime, work: () => Promise<T>): Promise<T> {
  const [check, done] = await Promise.allSettled([requireManager(swarm), work()]);
  if (check.status === 'rejected') throw check.reason;
  if (done.status === 'rejected') throw done.reason;
  return done.value;
}

export async function deployStack(swarm: SwarmRuntime, project: Project, opts: DeployOptions): Promise<StackPlan> {
  const planned = async (): Promise<StackPlan> =>
    planDeploy(swarm, project, { ...opts, prepared: await prepareImages(swarm, project, opts) });
  // Nothing is built or pushed before the check: only the reads of a plan go along with it.
  const plan = opts.push ? (await requireManager(swarm), await planned()) : await asManager(swarm, planned);
  if (!opts.dryRun) await runStackPlan(swarm, plan, opts);
  return plan;
}

export async function removeStack(
  swarm: SwarmRuntime,
  stack: string,
  opts: Pick<DeployOptions, 'parallel' | 'events' | 'waitTimeoutMs'>,
): Promise<StackPlan> {
  const plan = await asManager(swarm, async () => planStackRemove(stack, await observeStack(swarm, stack)));
  await runStackPlan(swarm, plan, opts);
  return plan;
}

/** What the steps of one run share: ids of what they created, and the tasks that existed before. */
interface RunState {
  serviceIds: Map<string, string>;
  objectIds: Map<string, string>;
  tasksBefore: Set<string>;
}

export async function runStackPlan(swarm: SwarmRuntime, plan: StackPlan, opts: RunOptions): Promise<void> {
  const state: RunState = { serviceIds: new Map(), objectIds: new Map(), tasksBefore: new Set() };
  // The ids of existing secrets and configs (a service spec names them by id), and the tasks before the deploy.
  if (plan.steps.length > 0) {
    const [tasks, secrets, configs] = await Promise.all([
      swarm.listTasks({}),
      swarm.listObjects('secret', {}),
      swarm.listObjects('config', {}),
    ]);
    for (const t of tasks) state.tasksBefore.add(t.id);
    for (const o of secrets) state.objectIds.set(`secret:${o.name}`, o.id);
    for (const o of configs) state.objectIds.set(`config:${o.name}`, o.id);
  }
  const outcomes = await walkSteps(plan.steps, opts.parallel, {
    run: async (step) => {
      opts.events.step(step);
      await runStep(swarm, step, state, opts);
    },
    gate: (_step, blockers) => `${blockers.map((b) => b.step.target).join(', ')} did not succeed`,
  });
  const failures: { target: string; error: Error }[] = [];
  const skipped: { target: string; error: Error }[] = [];
  for (const step of plan.steps) {
    const o = outcomes.get(step.id);
    if (o?.state === 'failed') failures.push({ target: step.target, error: o.error });
    if (o?.state === 'skipped') skipped.push({ target: step.target, error: new Error(o.why) });
  }
  if (failures.length > 0) throw new ApplyError(failures, skipped);
}

/** The spec with the ids the swarm needs for the secrets and configs it names. */
function withObjectIds(spec: SwarmServiceSpec, ids: Map<string, string>): SwarmServiceSpec {
  const cs = spec.TaskTemplate.ContainerSpec;
  const secrets = cs.Secrets?.map((r) => ({ ...r, SecretID: ids.get(`secret:${r.SecretName}`) ?? r.SecretName! }));
  const configs = cs.Configs?.map((r) => ({ ...r, ConfigID: ids.get(`config:${r.ConfigName}`) ?? r.ConfigName! }));
  const containerSpec = { ...cs, ...(secrets && { Secrets: secrets }), ...(configs && { Configs: configs }) };
  return { ...spec, TaskTemplate: { ...spec.TaskTemplate, ContainerSpec: containerSpec } };
}

async function runStep(swarm: SwarmRuntime, step: StackStep, state: RunState, opts: RunOptions): Promise<void> {
  const auth = { registryAuth: opts.registryAuth === true };
  switch (step.op) {
    case 'create-network':
      await swarm.createNetwork(step.network!);
      return;
    case 'create-secret':
    case 'create-config': {
      const o = step.object!;
      state.objectIds.set(`${o.kind}:${o.spec.name}`, await swarm.createObject(o.kind, o.spec));
      return;
    }
    case 'create-service': {
      const r = await swarm.createService(withObjectIds(step.spec!, state.objectIds), auth);
      state.serviceIds.set(step.service!, r.id);
      for (const w of r.warnings) opts.events.warning(`${step.target}: ${w}`);
      return;
    }
    case 'update-service': {
      const r = await swarm.updateService(step.id0!, step.version!, withObjectIds(step.spec!, state.objectIds), auth);
      for (const w of r.warnings) opts.events.warning(`${step.target}: ${w}`);
      return;
    }
    case 'wait-service':
      return waitForService(swarm, step, state, opts);
    case 'remove-service':
      return swarm.removeService(step.id0!);
    case 'remove-network':
      return swarm.removeNetwork(step.id0!);
    case 'remove-secret':
      return swarm.removeObject('secret', step.id0!);
    case 'remove-config':
      return swarm.removeObject('config', step.id0!);
  }
}

async function waitForService(
  swarm: SwarmRuntime,
  step: StackStep,
  state: RunState,
  opts: Pick<DeployOptions, 'events' | 'waitTimeoutMs'>,
): Promise<void> {
  const id = step.id0 ?? state.serviceIds.get(step.service!)!;
  const start = Date.now();
  let shown = '';
  for (;;) {
    const [service, tasks] = await Promise.all([swarm.inspectService(id), swarm.listTasks({ services: [id] })]);
    if (!service) throw new StackWaitError(`service ${step.spec!.Name} is gone`);
    const verdict: Verdict = judgeService({
      service,
      tasks,
      before: state.tasksBefore,
      rolling: step.rolling === true,
      ...(step.previousUpdate && { previousUpdate: step.previousUpdate }),
      elapsedMs: Date.now() - start,
    });
    if (verdict.progress !== shown) opts.events.progress(step.target, (shown = verdict.progress));
    if (verdict.state === 'done') return;
    if (verdict.state === 'failed') throw new StackWaitError(verdict.error);
    if (Date.now() - start > opts.waitTimeoutMs)
      throw new StackWaitError(`not running after ${Math.round(opts.waitTimeoutMs / 1000)}s (${verdict.progress})`);
    await sleep(500);
  }
}
