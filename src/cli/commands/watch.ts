/**
 * `berth watch [SERVICE...]` and the watching part of `up --watch`: the watched services' logs, with
 * one line per action the watch takes (`web: synced 3 files`; with `--progress json`, one progress
 * event each instead), until Ctrl-C, which stops watching and leaves the containers as `up` left them.
 */
import type { Project } from '../../config/model.js';
import type { Renderer } from '../../progress/events.js';
import type { Runtime } from '../../runtime/runtime.js';
import type { WatchDeps, WatchEvent } from '../../watch/session.js';
import type { Context } from '../context.js';
import { VERSION } from '../context.js';
import { UsageError } from '../../errors.js';
import { checkServices } from '../flags.js';
import { LogPrinter } from '../log-printer.js';

/** `berth watch`: `up` for the services (unless --no-up), then watch them. */
export default async function watch(ctx: Context, services: string[], opts: Record<string, unknown>): Promise<number> {
  const sinceSec = (Date.now() / 1000 - 1).toFixed(3);
  ctx.warmEngine();
  const project = await ctx.load({ enableServices: services });
  checkServices(project, services);
  const { watchedServices } = await import('../../watch/session.js');
  watchedServices(project, services);
  const rt = await ctx.runtime();
  await ctx.warnForEngine();
  const upOptions = {
    services,
    berthVersion: VERSION,
    parallel: ctx.parallel(),
    nowMs: Date.now(),
    env: ctx.world.env,
  };
  if (opts.up !== false) {
    const { up } = await import('../../apply/index.js');
    const renderer = opts.quiet === true ? await quietRenderer(ctx) : await ctx.renderer();
    await ctx.withProjectLock(project.name, () => up(project, rt, upOptions, renderer));
  }
  return watchAfterUp(ctx, project, rt, services, upOptions, { ...opts, sinceSec });
}

/** `up --watch`: in the foreground, with a service to watch; checked before anything changes. */
export async function checkWatchFlags(
  project: Project,
  services: string[],
  opts: Record<string, unknown>,
): Promise<void> {
  if (opts.detach === true || opts.wait === true || opts.start === false)
    throw new UsageError('--watch runs in the foreground: it cannot be used with -d, --wait or --no-start');
  (await import('../../watch/session.js')).watchedServices(project, services);
}

async function quietRenderer(ctx: Context): Promise<Renderer> {
  const { QuietRenderer } = await import('../../progress/json.js');
  return new QuietRenderer(ctx.world.stderr);
}

/** Where each watch event goes: a progress event with `--progress json`, else one line (warnings on stderr). */
async function watchSink(ctx: Context, project: string): Promise<(e: WatchEvent) => void> {
  if (ctx.global.progress === 'json') {
    const renderer = await ctx.renderer();
    return (e) =>
      renderer.event({
        id: e.service ? `watch:${e.service}` : 'watch',
        title: e.service || project,
        status: e.status,
        text: e.text,
        ...(e.durationMs !== undefined && { durationMs: e.durationMs }),
      });
  }
  return (e) => {
    const line = `${e.service || 'watch'}: ${e.text}\n`;
    if (e.status === 'warning' || e.status === 'failed')
      ctx.world.stderr.write(`${e.status === 'warning' ? 'warning' : 'error'}: ${line}`);
    else ctx.world.stdout.write(line);
  };
}

/** Follows the watched services' logs (as `logs -f` from `sinceSec`), until `signal` aborts. */
async function followLogs(
  ctx: Context,
  project: Project,
  rt: Runtime,
  services: string[],
  opts: Record<string, unknown>,
  signal: AbortSignal,
): Promise<void> {
  const { readLogs } = await import('../../apply/follow.js');
  const { targetContainers } = await import('../../apply/lifecycle.js');
  const printer = new LogPrinter(ctx.world.stdout, ctx.world.stderr, {
    ...ctx.logColors(opts.color === false),
    prefix: opts.logPrefix !== false,
    project: project.name,
  });
  const target = { projectName: project.name, project, services };
  const containers = (await targetContainers(rt, target)).filter((c) => c.state === 'running');
  printer.register(containers);
  await readLogs(
    rt,
    target,
    containers,
    {
      follow: true,
      signal,
      since: String(opts.sinceSec),
      onAttach: (c) => printer.register([c]),
    },
    (c, line) => printer.line(c, line),
  ).catch((err: unknown) => {
    if (!signal.aborted) ctx.world.stderr.write(`warning: logs: ${err instanceof Error ? err.message : String(err)}\n`);
  });
}

/**
 * Watches the services (those with `develop.watch` among `services`; none named: all) and shows their
 * logs until Ctrl-C. `upOptions`: the options a rebuild's `up` runs with.
 */
export async function watchAfterUp(
  ctx: Context,
  project: Project,
  rt: Runtime,
  services: string[],
  upOptions: WatchDeps['upOptions'],
  opts: Record<string, unknown>,
): Promise<number> {
  const { runWatch, watchedServices } = await import('../../watch/session.js');
  const watched = watchedServices(project, services).map((s) => s.name);
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const json = ctx.global.progress === 'json';
  try {
    const logs = opts.logs === false ? Promise.resolve() : followLogs(ctx, project, rt, watched, opts, abort.signal);
    await runWatch(
      project,
      { services: watched, signal: abort.signal },
      {
        rt,
        upOptions,
        withLock: (fn) => ctx.withProjectLock(project.name, fn),
        renderer: () => (json ? ctx.renderer() : quietRenderer(ctx)),
        say: await watchSink(ctx, project.name),
        output: ctx.world.stdout,
      },
    );
    await logs;
  } finally {
    abort.abort();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  return 0;
}
