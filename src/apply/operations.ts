/**
 * The operations apply runs, one executor per operation kind: each turns one step of a plan into the
 * runtime calls it names, with its progress line. The walker (apply.ts) decides when; this file only how.
 */
import { Writable } from 'node:stream';
import { ConflictError, HookError, NameConflictError, NotFoundError, ResourceInUseError } from '../errors.js';
import type { StepResult } from '../graph/steps.js';
import type { ServiceConfig } from '../config/model.js';
import { Label, serviceHooks, type Action, type HookKind } from '../plan/index.js';
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
  /** The spec with its `service:x` references turned into container ids. */
  resolve: (spec: ContainerSpec) => Promise<ContainerSpec>;
}

type ActionOf<K extends Action['kind']> = Extract<Action, { kind: K }>;
type Executor<K extends Action['kind']> = (a: ActionOf<K>, cx: ExecContext) => Promise<void | StepResult>;

/** The context the executors share, for one apply. */
export function execContext(
  rt: Runtime,
  options: ApplyOptions,
  say: Say,
  serviceIds: Map<string, string>,
  projectName: string,
): ExecContext {
  return {
    rt,
    options,
    say,
    serviceIds,
    projectName,
    resolve: (spec) => resolveReferences(spec, rt, projectName, serviceIds),
  };
}

export async function execute(a: Action, cx: ExecContext): Promise<void | StepResult> {
  const executor = executors[a.kind] as (a: Action, cx: ExecContext) => Promise<void | StepResult>;
  return executor(a, cx);
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
  'pull-image': async (a, { rt, options, say }) => {
    say('working', 'Pulling', a.reason);
    await rt.pullImage(a.target, (p) => {
      if (p.fraction !== undefined && options.quietPull !== true) emitProgress(say, p.fraction);
    });
    say('done', 'Pulled');
  },
  'build-image': async (a, { rt, options, say }) => {
    say('working', 'Building', a.reason);
    const id = await executeBuild(a, rt, options.buildSpecs?.get(a.target), (p) => {
      if (options.quietBuild !== true) say('working', 'Building', p.line);
    });
    say('done', 'Built', id.replace(/^sha256:/, '').slice(0, 12));
  },
  'check-container': checkContainer,
  wait: waitFor,
  'create-container': createContainer,
  // Replaced part by part (replace.ts): the plan's steps of a recreate carry their part.
  'recreate-container': (a) => Promise.reject(new Error(`internal error: ${a.target}: a recreate runs as its parts`)),
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
  'run-hook': runHook,
  'remove-network': removeNetworkOrVolume,
  'remove-volume': removeNetworkOrVolume,
};

/**
 * A container whose image may have changed since the plan: when it did, the step reports a change and
 * the replacement's parts (conditional on it) run; else it is started or kept.
 */
async function checkContainer(a: ActionOf<'check-container'>, { rt, say }: ExecContext): Promise<StepResult> {
  const now = await rt.inspectImage(a.image);
  if (now && now.id !== a.imageId) {
    say(
      'working',
      'Recreating',
      `image ${a.imageId.replace(/^sha256:/, '').slice(0, 12)}→${now.id.replace(/^sha256:/, '').slice(0, 12)}`,
    );
    return { changed: true };
  }
  if (!a.running && a.start) {
    say('working', 'Starting', 'image unchanged');
    await rt.startContainer(a.id);
    say('done', 'Started');
    return { changed: false };
  }
  say('done', 'Running', 'up to date (image unchanged)');
  return { changed: false };
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
  { rt, say, serviceIds, resolve }: ExecContext,
): Promise<void> {
  say('working', 'Creating', a.reason);
  const spec = await resolve(a.spec);
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

/**
 * A lifecycle hook: an exec in the container, its output shown line by line; non-zero fails the step
 * (`web post_start hook exited with status 2`, with its last lines). A pre_stop hook whose container is
 * already gone or stopped has nothing to do, as in Compose.
 */
async function runHook(a: ActionOf<'run-hook'>, { rt, say }: Pick<ExecContext, 'rt' | 'say'>): Promise<void> {
  say('working', 'Running hook', `${a.hook}[${a.index}]`);
  const lines: string[] = [];
  const output = new LineWriter((line) => {
    lines.push(line);
    say('working', 'Hook', line);
  });
  let code: number;
  try {
    code = await rt.exec(a.container, a.exec, { stdout: output, stderr: output });
  } catch (err) {
    if (a.hook === 'pre_stop' && (err instanceof NotFoundError || err instanceof ConflictError)) {
      say('done', 'Hook skipped', 'the container no longer runs');
      return;
    }
    throw err;
  } finally {
    output.end();
  }
  if (code !== 0)
    throw new HookError(`${a.service} ${a.hook} hook exited with status ${code}`, {
      ...(lines.length > 0 && { detail: lines.slice(-10).join('\n') }),
      hint: `the hook is ${a.hook}[${a.index}] of service "${a.service}"; its output is above`,
    });
  say('done', 'Hook done', `${a.hook}[${a.index}]`);
}

/** `berth start`/`stop`: the service's hooks of one kind, in order, in one container (none without the stack file). */
export async function runServiceHooks(
  rt: Runtime,
  service: ServiceConfig | undefined,
  container: { id: string; name: string },
  kind: HookKind,
  say: Say,
): Promise<void> {
  if (!service) return;
  const hooks = serviceHooks(service, kind);
  for (const [index, exec] of hooks.entries()) {
    const a: ActionOf<'run-hook'> = {
      kind: 'run-hook',
      target: container.name,
      service: service.name,
      hook: kind,
      index,
      container: container.id,
      exec,
      reason: kind,
    };
    await runHook(a, { rt, say });
  }
}

/** A stream that hands each complete line to `onLine` (and the rest when it ends). */
class LineWriter extends Writable {
  private rest = '';
  constructor(private readonly onLine: (line: string) => void) {
    super();
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    const lines = (this.rest + chunk.toString()).split('\n');
    this.rest = lines.pop()!;
    for (const l of lines) this.onLine(l.replace(/\r$/, ''));
    done();
  }
  override _final(done: () => void): void {
    if (this.rest !== '') this.onLine(this.rest);
    done();
  }
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
  if (err.users.length === 0)
    return `${kind} ${name} is still counted as in use by containers that no longer exist (a stale count in the engine, cleared when it restarts): left in place`;
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
