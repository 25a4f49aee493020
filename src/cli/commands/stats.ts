/**
 * `berth stats [--no-stream] [--no-trunc] [-a] [--format table|json|TEMPLATE] [SERVICE...]`: the resource
 * usage of the project's containers, as `docker compose stats` shows it. With `--no-stream` one sample
 * of each and done; otherwise the view is redrawn every half second, following containers that start
 * (and dropping those that stop, unless `-a`) until Ctrl-C.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError } from '../../errors.js';
import { Label } from '../../plan/labels.js';
import type { ContainerSummary, EngineEvent, Runtime } from '../../runtime/runtime.js';
import type { Context } from '../context.js';
import { formatStats, type StatsEntry } from '../stats-format.js';
import { lifecycleTarget } from './lifecycle.js';

interface StatsOptions {
  all: boolean;
  format: string;
  trunc: boolean;
  project: string;
  services: string[];
}

function statsFormat(value: unknown): string {
  const format = typeof value === 'string' && value !== '' ? value : 'table';
  if (format === 'table' || format === 'json' || format.includes('{{')) return format;
  throw new UsageError(`--format expects table, json or a template such as "{{.Name}} {{.CPUPerc}}", got "${format}"`);
}

const inServices = (services: string[], labels: Record<string, string>): boolean =>
  services.length === 0 || services.includes(labels[Label.service] ?? '');

/** The project's containers (one-offs too, as Compose lists them), running ones unless `all`. */
async function projectContainers(rt: Runtime, o: StatsOptions): Promise<ContainerSummary[]> {
  const listed = await rt.listContainers({ all: o.all, labels: { [Label.project]: o.project } });
  return listed.filter((c) => inServices(o.services, c.labels)).sort((a, b) => a.name.localeCompare(b.name));
}

/** One sample of a container; none (shown as `--`) when the engine has none to give, as docker shows it. */
async function sampleOnce(rt: Runtime, c: ContainerSummary): Promise<StatsEntry> {
  const entry: StatsEntry = { id: c.id, name: c.name };
  try {
    for await (const stats of rt.containerStats(c.id, { stream: false })) entry.stats = stats;
  } catch {
    // A container removed in between has no numbers: its line says `--`.
  }
  return entry;
}

export default async function stats(ctx: Context, services: string[], opts: Record<string, unknown>): Promise<number> {
  const format = statsFormat(opts.format);
  const t = await lifecycleTarget(ctx, services);
  const rt = await ctx.runtime();
  const o: StatsOptions = {
    all: opts.all === true,
    format,
    trunc: opts.trunc !== false,
    project: t.projectName,
    services,
  };
  if (opts.stream === false) {
    const entries = await Promise.all((await projectContainers(rt, o)).map((c) => sampleOnce(rt, c)));
    ctx.world.stdout.write(formatStats(entries, format, { trunc: o.trunc, os: osOf(entries) }));
    return 0;
  }
  await new LiveStats(ctx, rt, o).run();
  return 0;
}

const osOf = (entries: StatsEntry[]): string => entries.find((e) => e.stats)?.stats?.os ?? 'linux';

/** The streamed view: a sample stream per container, the engine's events for containers that come and go. */
class LiveStats {
  private readonly entries = new Map<string, StatsEntry>();
  private readonly abort = new AbortController();

  constructor(
    private readonly ctx: Context,
    private readonly rt: Runtime,
    private readonly o: StatsOptions,
  ) {}

  async run(): Promise<void> {
    const stop = (): void => this.abort.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    // Listening for events first, so that a container starting while the list is read is not missed.
    const watching = this.watchEvents();
    // Its failure (the engine gone) ends the view below; until then it must not count as unhandled.
    watching.catch(() => undefined);
    try {
      const firsts = (await projectContainers(this.rt, this.o)).map((c) => this.follow(c.id, c.name));
      await Promise.race([Promise.all(firsts), watching]);
      await Promise.race([this.redrawUntilStopped(), watching]);
    } finally {
      this.abort.abort();
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
    }
  }

  /** Starts reading a container's samples; resolves at its first one (or once it has none). */
  private follow(id: string, name: string): Promise<void> {
    if (this.entries.has(id)) return Promise.resolve();
    const entry: StatsEntry = { id, name };
    this.entries.set(id, entry);
    return new Promise<void>((first) => {
      void (async () => {
        try {
          for await (const s of this.rt.containerStats(id, { stream: true, signal: this.abort.signal })) {
            entry.stats = s;
            first();
          }
        } catch {
          entry.stats = undefined;
        } finally {
          first();
        }
      })();
    });
  }

  /** Containers that start (or, with `-a`, are created) join; those that die leave unless `-a`. */
  private async watchEvents(): Promise<void> {
    const events = this.rt.events(
      { labels: { [Label.project]: this.o.project }, type: ['container'] },
      this.abort.signal,
    );
    for await (const e of events) this.onEvent(e);
  }

  private onEvent(e: EngineEvent): void {
    if (!inServices(this.o.services, e.attributes)) return;
    const name = e.attributes['name'] ?? e.id.slice(0, 12);
    if (e.action === 'start' || (e.action === 'create' && this.o.all)) void this.follow(e.id, name);
    else if (e.action === 'die' && !this.o.all) this.entries.delete(e.id);
  }

  private async redrawUntilStopped(): Promise<void> {
    const out = this.ctx.world.stdout;
    const signal = this.abort.signal;
    while (!signal.aborted) {
      const entries = [...this.entries.values()].sort((a, b) => a.name.localeCompare(b.name));
      // On a terminal the view is redrawn in place, as docker does; elsewhere each look follows the last.
      if (out.isTTY) out.write('\x1b[2J\x1b[H');
      out.write(formatStats(entries, this.o.format, { trunc: this.o.trunc, os: osOf(entries) }));
      await sleep(500, undefined, { signal }).catch(() => undefined);
    }
  }
}
