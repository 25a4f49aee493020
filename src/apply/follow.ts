/**
 * Reading the logs of a project's containers at once: every container's stream read in parallel and
 * handed to one sink line by line. Following (`logs -f`, attached `up`) also watches the engine's events,
 * so a container that starts later (restarted, recreated, scaled) is picked up, and reports each exit.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Label } from '../plan/labels.js';
import type { ContainerSummary, LogLine, LogOptions, Runtime } from '../runtime/runtime.js';

export interface FollowTarget {
  projectName: string;
  /** Only these services (none: all). */
  services: string[];
  /** Services whose containers are read (a subset of `services`, for `--no-attach`); absent: all of them. */
  attach?: ReadonlySet<string>;
}

export interface FollowOptions extends Omit<LogOptions, 'signal' | 'follow'> {
  follow: boolean;
  /** Ends the whole thing (Ctrl-C, an abort). */
  signal?: AbortSignal;
  /** Called for each followed container whose log ended because it stopped, with its exit code. */
  onExit?: (container: ContainerSummary, exitCode: number) => void;
  /** Called once per container whose log starts being read. */
  onAttach?: (container: ContainerSummary) => void;
}

export type LogSink = (container: ContainerSummary, line: LogLine) => void;

const serviceOf = (c: ContainerSummary): string => c.labels[Label.service] ?? '';

/**
 * How long a follow waits, once every stream has ended and the engine has gone quiet, for a restarted
 * or recreated container to come back (an API restart of a TTY container can take seconds between its
 * `stop` and `start` events). Abort the signal to end at once.
 */
const RESTART_GRACE_MS = 3000;

/**
 * Reads the logs of `containers`; when following, also of every container of the target that starts
 * later, until no followed container is left running (or `signal` aborts). Resolves when done.
 */
export async function readLogs(
  rt: Runtime,
  target: FollowTarget,
  containers: ContainerSummary[],
  options: FollowOptions,
  sink: LogSink,
): Promise<void> {
  const inner = new AbortController();
  const outer = options.signal;
  const stopAll = (): void => inner.abort();
  if (outer?.aborted) return;
  outer?.addEventListener('abort', stopAll, { once: true });
  const attached = (c: ContainerSummary): boolean => !target.attach || target.attach.has(serviceOf(c));
  const inTarget = (c: ContainerSummary): boolean =>
    target.services.length === 0 || target.services.includes(serviceOf(c));

  const state: LogRun = { active: new Map(), lastEventMs: Date.now(), errors: [] };
  const { active, errors } = state;
  let settle: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    settle = resolve;
  });

  const base = logOptions(options, inner.signal);

  const checkDone = async (): Promise<void> => {
    if (active.size > 0) return;
    if (!options.follow || inner.signal.aborted) {
      settle();
      return;
    }
    // Every stream ended. A restart or recreate leaves a gap between the old process's end and the new
    // one's start, during which the engine keeps reporting events (die, stop, ...): wait until it has
    // been quiet for a while before deciding that nothing runs any more.
    try {
      for (
        let quiet = Date.now() - state.lastEventMs;
        quiet < RESTART_GRACE_MS;
        quiet = Date.now() - state.lastEventMs
      ) {
        await sleep(RESTART_GRACE_MS - quiet, undefined, { signal: inner.signal });
      }
    } catch {
      settle();
      return;
    }
    if (active.size > 0) return;
    const running = (
      await rt.listContainers({ labels: { [Label.project]: target.projectName } }).catch(() => [])
    ).filter((c) => c.labels[Label.oneoff] !== 'True' && inTarget(c) && attached(c));
    if (active.size === 0 && running.length === 0) settle();
  };

  const read = (c: ContainerSummary, opts: LogOptions): void => {
    if (active.has(c.id)) return;
    options.onAttach?.(c);
    const p = (async () => {
      try {
        for await (const line of rt.containerLogs(c.id, opts)) sink(c, line);
      } catch (err) {
        if (!inner.signal.aborted) errors.push(err instanceof Error ? err : new Error(String(err)));
      } finally {
        if (options.follow && !inner.signal.aborted && options.onExit) {
          // The stream ends when the container stops: say how it ended.
          const d = await rt.inspectContainer(c.id).catch(() => undefined);
          if (d && (d.state === 'exited' || d.state === 'dead')) options.onExit(c, d.exitCode);
        }
        active.delete(c.id);
        await checkDone();
      }
    })();
    active.set(c.id, p);
  };

  const watcher = options.follow
    ? watchStarts(rt, target.projectName, state, inner.signal, base, (c) => inTarget(c) && attached(c), read)
    : Promise.resolve();
  for (const c of containers.filter(attached)) read(c, base);
  if (active.size === 0) await checkDone();
  await finished;
  inner.abort();
  outer?.removeEventListener('abort', stopAll);
  await watcher;
  await Promise.all(active.values());
  if (errors.length > 0) throw errors[0]!;
}

/** What one `readLogs` holds while it runs: the streams being read, when the engine last spoke, what failed. */
interface LogRun {
  /** The stream being read, by container id. */
  active: Map<string, Promise<void>>;
  /** Our clock at the engine's last event. */
  lastEventMs: number;
  errors: Error[];
}

function logOptions(options: FollowOptions, signal: AbortSignal): LogOptions {
  return {
    follow: options.follow,
    ...(options.tail !== undefined && { tail: options.tail }),
    ...(options.since !== undefined && { since: options.since }),
    ...(options.until !== undefined && { until: options.until }),
    ...(options.timestamps !== undefined && { timestamps: options.timestamps }),
    signal,
  };
}

/**
 * Watches the project's container events while following: a followed container that (re)starts is read
 * from its new start on, once the stream of its previous run has ended.
 */
async function watchStarts(
  rt: Runtime,
  projectName: string,
  state: LogRun,
  signal: AbortSignal,
  base: LogOptions,
  followed: (c: ContainerSummary) => boolean,
  read: (c: ContainerSummary, opts: LogOptions) => void,
): Promise<void> {
  const events = rt.events({ labels: { [Label.project]: projectName }, type: ['container'] }, signal);
  try {
    for await (const e of events) {
      state.lastEventMs = Date.now();
      if (e.action !== 'start') continue;
      const labels = e.attributes;
      if (labels[Label.oneoff] === 'True') continue;
      const summary = { id: e.id, name: labels.name ?? e.id.slice(0, 12), labels } as unknown as ContainerSummary;
      if (!followed(summary)) continue;
      // A container that (re)started after we began: read what it writes from its start on, once
      // the stream of its previous run has ended.
      const [found] = await rt.listContainers({
        all: true,
        labels: { [Label.project]: projectName },
        name: summary.name,
      });
      const previous = state.active.get(e.id);
      // Only what the new run writes: everything after the previous run ended (its FinishedAt; the
      // start event and StartedAt can both come after the new process's first lines). A container
      // that never ran before is read from its beginning.
      const finished = await rt.inspectContainer(e.id).then(
        (d) => (d.finishedAt ? Date.parse(d.finishedAt) : NaN),
        () => NaN,
      );
      const opts = Number.isNaN(finished) || finished <= 0 ? base : { ...base, since: (finished / 1000).toFixed(3) };
      if (previous)
        previous.then(
          () => read(found ?? summary, opts),
          () => undefined,
        );
      else read(found ?? summary, opts);
    }
  } catch (err) {
    if (!signal.aborted) state.errors.push(err instanceof Error ? err : new Error(String(err)));
  }
}
