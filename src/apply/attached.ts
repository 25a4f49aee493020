/**
 * Attached `up`: once the stack is up, the logs of the attached services' containers, followed (also
 * across restarts and recreates), until every attached container has exited; or until one exits, with
 * `--abort-on-container-exit`/`--abort-on-container-failure`/`--exit-code-from`, which then stops the
 * rest. `stop()` (first Ctrl-C) stops the selected services' containers gracefully; `kill()` (second)
 * kills them. Their dependencies, which `up` started but was not asked for, are left running.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Project } from '../config/model.js';
import { withDependencies } from '../graph/index.js';
import { Label, projectGraph } from '../plan/index.js';
import type { Renderer } from '../progress/events.js';
import type { ContainerSummary, LogLine, Runtime } from '../runtime/runtime.js';
import { readLogs } from './follow.js';
import { killServices, stopServices, targetContainers } from './lifecycle.js';

export interface AttachedOptions {
  /** Services `up` was asked for (none: all). */
  services: string[];
  /** `--attach` (none: every selected service). */
  attach: string[];
  /** `--no-attach` */
  noAttach: string[];
  attachDependencies: boolean;
  abortOnContainerExit: boolean;
  abortOnContainerFailure: boolean;
  exitCodeFrom?: string | undefined;
  timestamps: boolean;
  /** Only log lines from this time on (Unix seconds): what the containers wrote since `up` began. */
  since?: string | undefined;
  stopTimeoutSec?: number | undefined;
  parallel: number;
}

export interface AttachedSink {
  /** Called for each container before its first line, so that prefixes line up. */
  register(c: ContainerSummary): void;
  line(c: ContainerSummary, line: LogLine): void;
  /** A line about a container: "exited with code 0". */
  note(c: ContainerSummary, text: string): void;
  /** A line about the whole session: "Aborting on container exit...". */
  say(text: string): void;
}

const serviceOf = (c: ContainerSummary): string => c.labels[Label.service] ?? '';

/** Which services' logs are shown. Pure. */
export function attachedServices(
  project: Project,
  o: Pick<AttachedOptions, 'services' | 'attach' | 'noAttach' | 'attachDependencies' | 'exitCodeFrom'>,
): Set<string> {
  const all = Object.keys(project.services);
  let base: Set<string>;
  if (o.attach.length > 0) base = new Set(o.attach);
  else if (o.services.length > 0)
    base = o.attachDependencies ? withDependencies(projectGraph(project), o.services) : new Set(o.services);
  else base = new Set(all);
  // `attach: false` keeps a service's logs out unless `--attach` names it, as in Compose.
  if (o.attach.length === 0) for (const s of all) if (project.services[s]?.attach === false) base.delete(s);
  for (const s of o.noAttach) base.delete(s);
  if (o.exitCodeFrom) base.add(o.exitCodeFrom);
  return base;
}

export class AttachedSession {
  private readonly abort = new AbortController();
  private stopping: Promise<unknown> | undefined;
  private killed = false;
  private firstExit: { service: string; code: number } | undefined;
  private readonly codes = new Map<string, number>();

  constructor(
    private readonly rt: Runtime,
    private readonly project: Project,
    private readonly o: AttachedOptions,
    private readonly sink: AttachedSink,
    private readonly renderer: () => Promise<Renderer>,
  ) {}

  private get abortOnExit(): boolean {
    return this.o.abortOnContainerExit || this.o.exitCodeFrom !== undefined;
  }

  /** Follows the logs until done; resolves with berth's exit code. */
  async run(): Promise<number> {
    const attach = attachedServices(this.project, this.o);
    const target = {
      projectName: this.project.name,
      project: this.project,
      services: this.o.services.length ? [...withDependencies(projectGraph(this.project), this.o.services)] : [],
    };
    const containers = (await targetContainers(this.rt, target)).filter((c) => attach.has(serviceOf(c)));
    for (const c of containers) this.sink.register(c);
    await readLogs(
      this.rt,
      { projectName: this.project.name, services: target.services, attach },
      containers,
      {
        follow: true,
        signal: this.abort.signal,
        timestamps: this.o.timestamps,
        ...(this.o.since !== undefined && { since: this.o.since }),
        onAttach: (c) => this.sink.register(c),
        onExit: (c, code) => this.exited(c, code),
      },
      (c, line) => this.sink.line(c, line),
    );
    if (this.stopping) await this.stopping;
    if (this.killed) return 130;
    if (this.o.exitCodeFrom !== undefined) return this.codes.get(this.o.exitCodeFrom) ?? 0;
    if (this.abortOnExit || this.o.abortOnContainerFailure) return this.firstExit?.code ?? 0;
    return 0;
  }

  private exited(c: ContainerSummary, code: number): void {
    const service = serviceOf(c);
    this.sink.note(c, `exited with code ${code}`);
    if (!this.codes.has(service)) this.codes.set(service, code);
    if (this.stopping) return;
    const abort = this.abortOnExit || (this.o.abortOnContainerFailure && code !== 0);
    if (!abort) return;
    this.firstExit = { service, code };
    this.sink.say(
      this.o.abortOnContainerFailure && !this.abortOnExit
        ? 'Aborting on container failure...'
        : 'Aborting on container exit...',
    );
    this.stop();
  }

  /**
   * The services a Ctrl-C or an abort stops: the ones `up` was asked for, not their dependencies (as
   * Docker Compose does: `up web` then Ctrl-C leaves `db` running); all of them when none was named.
   */
  private get stopTarget(): { projectName: string; project: Project; services: string[] } {
    return { projectName: this.project.name, project: this.project, services: [...this.o.services] };
  }

  /** Stops the selected services' containers gracefully (their logs then end by themselves). */
  stop(): void {
    if (this.stopping) return;
    const target = this.stopTarget;
    this.stopping = this.renderer()
      .then((r) => stopServices(this.rt, target, { parallel: this.o.parallel, timeoutSec: this.o.stopTimeoutSec }, r))
      .catch((err: unknown) => this.sink.say(`error: ${err instanceof Error ? err.message : String(err)}`))
      // Stopped on purpose: nothing is coming back, so the follow need not wait for restarts. A moment
      // first, for the last lines of the stopped containers to arrive.
      .then(() => sleep(250))
      .finally(() => this.abort.abort());
  }

  /** Kills them (a second Ctrl-C). */
  kill(): void {
    this.killed = true;
    const target = this.stopTarget;
    const killing = this.renderer()
      .then((r) => killServices(this.rt, { ...target, signal: 'SIGKILL' }, { parallel: this.o.parallel }, r))
      .catch((err: unknown) => this.sink.say(`error: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => this.abort.abort());
    this.stopping = Promise.all([this.stopping, killing]);
  }
}
