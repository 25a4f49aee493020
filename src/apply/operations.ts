/**
 * The operations apply runs, one executor per operation kind: each turns one step of a plan into the
 * runtime calls it names, with its progress line. The walker (apply.ts) decides when; this file only how.
 */
import {
  EngineError,
  NameConflictError,
  NotFoundError,
  PortTakenError,
  RecreateError,
  ResourceInUseError,
} from '../errors.js';
import { Label, type Action } from '../plan/index.js';
import type { EventStatus } from '../progress/events.js';
import type { ContainerSpec, Runtime } from '../runtime/runtime.js';
import type { ApplyOptions } from './apply.js';
import { executeBuild } from './images.js';
import { waitForDependency } from './wait.js';
import { recreateVolume } from './volumes.js';
export type Say = (status: EventStatus, text: string, detail?: string) => void;

/** What every action's executor works with: the runtime, the options, its progress line, the ids so far. */
export interface ExecContext {
  rt: Runtime;
  options: ApplyOptions;
  say: Say;
  serviceIds: Map<string, string>;
  projectName: string;
}

type ActionOf<K extends Action['kind']> = Extract<Action, { kind: K }>;
type Executor<K extends Action['kind']> = (a: ActionOf<K>, cx: ExecContext) => Promise<void>;

export async function execute(
  a: Action,
  rt: Runtime,
  options: ApplyOptions,
  say: Say,
  serviceIds: Map<string, string>,
  projectName: string,
): Promise<void> {
  const executor = executors[a.kind] as (a: Action, cx: ExecContext) => Promise<void>;
  await executor(a, { rt, options, say, serviceIds, projectName });
}

/** Each action kind, to the runtime calls it names. */
const executors: { [K in Action['kind']]: Executor<K> } = {
  'create-network': async (a, { rt, say }) => {
    say('working', 'Creating', a.reason);
    await rt.ensureNetwork(a.spec);
    say('done', 'Created');
  },
  'create-volume': async (a, { rt, say }) => {
    say('working', 'Creating', a.reason);
    await rt.createVolume(a.spec);
    say('done', 'Created');
  },
  'recreate-volume': async (a, { rt, options, say }) => {
    await recreateVolume(rt, a, options.stopTimeoutSec, say);
  },
  'pull-image': async (a, { rt, say }) => {
    say('working', 'Pulling', a.reason);
    await rt.pullImage(a.target, (p) => {
      if (p.fraction !== undefined) emitProgress(say, p.fraction);
    });
    say('done', 'Pulled');
  },
  'build-image': async (a, { rt, options, say }) => {
    say('working', 'Building', a.reason);
    const id = await executeBuild(a, rt, options.buildSpecs?.get(a.target), (p) => say('working', 'Building', p.line));
    say('done', 'Built', id.replace(/^sha256:/, '').slice(0, 12));
  },
  'check-container': checkContainer,
  wait: waitFor,
  'create-container': createContainer,
  'recreate-container': async (a, { rt, options, say, serviceIds, projectName }) => {
    await recreateContainer(a, rt, options, say, serviceIds, projectName);
  },
  'rename-container': async (a, { rt, say }) => {
    say('working', 'Renaming', a.reason);
    await rt.renameContainer(a.id, a.name);
    say('done', 'Renamed', a.name);
  },
  'start-container': async (a, { rt, say }) => {
    say('working', 'Starting', a.reason);
    await rt.startContainer(a.id);
    say('done', 'Started');
  },
  'restart-container': async (a, { rt, say }) => {
    say('working', 'Starting', a.reason);
    await rt.startContainer(a.id);
    say('done', 'Restarted');
  },
  'keep-container': (a, { say }) => {
    say('done', 'Running', a.reason);
    return Promise.resolve();
  },
  'stop-container': async (a, { rt, options, say }) => {
    say('working', 'Stopping');
    await rt.stopContainer(a.id, options.stopTimeoutSec);
    say('done', 'Stopped');
  },
  'remove-container': removeContainer,
  'remove-network': removeNetworkOrVolume,
  'remove-volume': removeNetworkOrVolume,
};

/** A container whose image may have changed since the plan: recreated when it did, else started or kept. */
async function checkContainer(a: ActionOf<'check-container'>, cx: ExecContext): Promise<void> {
  const { rt, say } = cx;
  const now = await rt.inspectImage(a.image);
  if (now && now.id !== a.imageId) {
    const reason = `image ${a.imageId.replace(/^sha256:/, '').slice(0, 12)}→${now.id.replace(/^sha256:/, '').slice(0, 12)}`;
    await execute(
      {
        kind: 'recreate-container',
        target: a.target,
        service: a.service,
        number: a.number,
        spec: a.spec,
        replaces: a.id,
        renewAnonVolumes: a.renewAnonVolumes,
        start: a.start,
        reason,
        running: a.running,
      },
      rt,
      cx.options,
      say,
      cx.serviceIds,
      cx.projectName,
    );
    return;
  }
  if (!a.running && a.start) {
    say('working', 'Starting', 'image unchanged');
    await rt.startContainer(a.id);
    say('done', 'Started');
    return;
  }
  say('done', 'Running', 'up to date (image unchanged)');
}

/** A `depends_on` condition; a dependency the service can do without (required: false) only warns. */
async function waitFor(a: ActionOf<'wait'>, { rt, say, projectName }: ExecContext): Promise<void> {
  say('working', 'Waiting', `for ${a.reason}`);
  try {
    await waitForDependency(rt, projectName, a.dependency, a.condition);
    say('done', a.condition === 'service_healthy' ? 'Healthy' : 'Completed', a.dependency);
  } catch (err) {
    if (a.required) throw err;
    say(
      'warning',
      'Warning',
      `going on without ${a.dependency} (not required): ${err instanceof Error ? err.message : String(err)}`,
    );
    say('done', 'Skipped wait');
  }
}

async function createContainer(
  a: ActionOf<'create-container'>,
  { rt, say, serviceIds, projectName }: ExecContext,
): Promise<void> {
  say('working', 'Creating', a.reason);
  const spec = await resolveReferences(a.spec, rt, projectName, serviceIds);
  const id = await createOrAdopt(rt, spec);
  serviceIds.set(a.service, serviceIds.get(a.service) ?? id);
  if (!a.start) {
    say('done', 'Created');
    return;
  }
  say('working', 'Starting');
  await startOrRemove(rt, id);
  say('done', 'Started');
}

async function removeContainer(a: ActionOf<'remove-container'>, { rt, options, say }: ExecContext): Promise<void> {
  if (a.stop) {
    say('working', 'Stopping', a.reason);
    // Gone already (a concurrent removal): the removal below has nothing left to do.
    await rt.stopContainer(a.id, options.stopTimeoutSec).catch((err: unknown) => {
      if (!(err instanceof NotFoundError)) throw err;
    });
  }
  say('working', 'Removing', a.reason);
  await rt.removeContainer(a.id, { force: true, volumes: a.removeVolumes === true && a.leftover !== true });
  say('done', 'Removed');
}

/** A network or volume still in use is left in place with a warning naming who uses it. */
async function removeNetworkOrVolume(
  a: ActionOf<'remove-network' | 'remove-volume'>,
  { rt, say, projectName }: ExecContext,
): Promise<void> {
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
}

type RecreateAction = Extract<Action, { kind: 'recreate-container' }>;

/**
 * Recreate one container so that every step can fail (an engine error, a dropped connection, a signal)
 * without losing the service or its data:
 *   1. the old container steps aside under `<id12>_<name>`;
 *   2. it stops while the new one is created under the real name, mounting the old one's anonymous
 *      volumes by name;
 *   3. the new one starts;
 *   4. only then is the old one removed (never with its volumes).
 * When 2 or 3 fails, the new container is removed (never with its volumes), the old one gets its name
 * back and is started again (if it ran, or `up` is to start the service), and the error names the cause. A run cut short anywhere leaves
 * a shape the planner recognizes on the next run (`settleNumber` in plan/).
 */
async function recreateContainer(
  a: RecreateAction,
  rt: Runtime,
  options: ApplyOptions,
  say: Say,
  serviceIds: Map<string, string>,
  projectName: string,
): Promise<void> {
  say('working', 'Recreating', a.reason);
  const spec = await resolveReferences(a.spec, rt, projectName, serviceIds);
  await rt.renameContainer(a.replaces, `${a.replaces.slice(0, 12)}_${spec.name}`).catch((err: unknown) => {
    throw new RecreateError(`recreate failed: ${causeOf(err)}; the previous container was kept`, {
      cause: err,
      hint: 'fix the cause and run up again',
    });
  });
  // A lost answer is settled by looking: the old one no longer runs, the new one exists, it runs.
  const [stopped, made] = await Promise.allSettled([
    rt.stopContainer(a.replaces, options.stopTimeoutSec).catch(async (err: unknown) => {
      if ((await rt.inspectContainer(a.replaces).catch(() => undefined))?.state !== 'exited') throw err;
    }),
    rt.createContainer(spec).catch(async (err: unknown) => {
      const found = await madeFor(rt, spec, a.replaces);
      if (found === undefined) throw err;
      return found;
    }),
  ]);
  let failure: unknown =
    made.status === 'rejected' ? made.reason : stopped.status === 'rejected' ? stopped.reason : undefined;
  const id = made.status === 'fulfilled' ? made.value : undefined;
  if (failure === undefined && a.start && id !== undefined) {
    say('working', 'Starting');
    failure = await rt.startContainer(id).then(
      () => undefined,
      async (err: unknown) => {
        return (await rt.inspectContainer(id).catch(() => undefined))?.state === 'running' ? undefined : err;
      },
    );
  }
  if (failure !== undefined) {
    say('working', 'Restoring', 'the previous container');
    throw await giveBack(a, rt, spec, id, failure);
  }
  serviceIds.set(a.service, id!);
  say('working', 'Removing', 'the previous container');
  await rt.removeContainer(a.replaces, { force: true }).catch(async (err: unknown) => {
    // A dropped connection after the engine removed it: gone is what was asked.
    if (
      await rt.inspectContainer(a.replaces).then(
        () => false,
        (e: unknown) => e instanceof NotFoundError,
      )
    )
      return;
    throw new RecreateError(
      `recreated, but the previous container ${a.replaces.slice(0, 12)} could not be removed: ${causeOf(err)}`,
      {
        cause: err,
        hint: 'the next up removes it',
      },
    );
  });
  say('done', 'Recreated');
}

/**
 * A recreate that failed at create or start: the new container goes (by id, or by its name when the
 * create was cut off before its answer, only if it is this very container), the old one gets its name
 * back and runs again. Returns the error to report, which says what was given back.
 */
async function giveBack(
  a: RecreateAction,
  rt: Runtime,
  spec: ContainerSpec,
  id: string | undefined,
  failure: unknown,
): Promise<RecreateError> {
  const problems: string[] = [];
  const newId = id ?? (await madeFor(rt, spec, a.replaces));
  if (newId !== undefined) {
    await rt.removeContainer(newId, { force: true }).catch((err: unknown) => {
      if (!(err instanceof NotFoundError)) problems.push(`the new container could not be removed (${messageOf(err)})`);
    });
  }
  let kept = problems.length === 0;
  if (kept) {
    await rt.renameContainer(a.replaces, spec.name).catch((err: unknown) => {
      kept = false;
      problems.push(`its name could not be given back (${messageOf(err)})`);
    });
  }
  // Started again when it ran, or when this `up` means the service to run (the old one of an interrupted
  // recreate is found stopped, though it ran before).
  let restarted = false;
  if (kept && (a.running === true || a.start)) {
    restarted = await rt.startContainer(a.replaces).then(
      () => true,
      (err: unknown) => {
        problems.push(`it could not be started again (${messageOf(err)})`);
        return false;
      },
    );
  }
  const cause = causeOf(failure);
  const outcome =
    problems.length > 0
      ? `the previous container is kept, but ${problems.join(' and ')}; the next up settles it`
      : restarted
        ? 'the previous container was kept and restarted'
        : 'the previous container was kept';
  return new RecreateError(`recreate failed: ${cause}; ${outcome}`, {
    cause: failure,
    hint:
      failure instanceof PortTakenError
        ? 'free the port (or publish another one) and run up again'
        : 'fix the cause and run up again',
  });
}

/**
 * The container a create made for `spec` when its answer was lost: the one under the real name, of the
 * same project, service and number and config, and not the one it replaces.
 */
async function madeFor(rt: Runtime, spec: ContainerSpec, replaces: string): Promise<string | undefined> {
  const c = await rt.inspectContainer(spec.name).catch(() => undefined);
  const same =
    c !== undefined &&
    c.id !== replaces &&
    [Label.project, Label.service, Label.number, Label.configHash].every((k) => c.labels[k] === spec.labels[k]);
  return same ? c.id : undefined;
}

/** The cause of a failed create or start, in a user's words: the engine's own message, a taken port said plainly. */
function causeOf(err: unknown): string {
  if (err instanceof PortTakenError) return err.plainly;
  return err instanceof EngineError ? err.engineMessage : messageOf(err);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * A network or volume that containers still use is left in place with a warning, as Docker Compose
 * does: "network p_default is still in use by container X (not part of this project): left in place".
 * The project's own containers still there are orphans `down` was not asked to remove.
 */
export function inUseWarning(
  kind: 'network' | 'volume',
  name: string,
  err: ResourceInUseError,
  projectName: string,
): string {
  const who = err.users.map(
    (u) =>
      `container ${u.name} (${u.labels[Label.project] === projectName ? 'an orphan of this project: --remove-orphans removes it' : 'not part of this project'})`,
  );
  return `${kind} ${name} is still in use by ${who.join(', ')}: left in place`;
}

function emitProgress(say: Say, fraction: number): void {
  say('working', `Pulling ${Math.round(fraction * 100)}%`);
}

/**
 * Create a container. When the name is taken by this very container (same project, service and number,
 * made by a concurrent `up`), adopt it; when it is taken by anything else, say so and leave it alone.
 */
async function createOrAdopt(rt: Runtime, spec: ContainerSpec): Promise<string> {
  try {
    return await rt.createContainer(spec);
  } catch (err) {
    if (!(err instanceof NameConflictError)) throw err;
    const holder = err.holder;
    if (
      holder &&
      [Label.project, Label.service, Label.number, Label.oneoff].every((k) => holder.labels[k] === spec.labels[k])
    )
      return holder.id;
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
async function resolveReferences(
  spec: ContainerSpec,
  rt: Runtime,
  projectName: string,
  serviceIds: Map<string, string>,
): Promise<ContainerSpec> {
  const idOf = async (service: string): Promise<string> => {
    const known = serviceIds.get(service);
    if (known) return known;
    const [found] = await rt.listContainers({
      all: true,
      labels: { [Label.project]: projectName, [Label.service]: service, [Label.oneoff]: 'False' },
    });
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
    out.volumesFrom = await Promise.all(
      spec.volumesFrom.map(async (ref) => {
        if (ref.startsWith('container:')) return ref.slice('container:'.length);
        const [name, access] = ref.split(':');
        const id = await idOf(name!);
        return access ? `${id}:${access}` : id;
      }),
    );
  }
  return out;
}
