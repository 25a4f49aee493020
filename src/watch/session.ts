/**
 * A watch session (`berth watch`, `up --watch`): the services' `develop.watch` rules compiled, an
 * initial sync where a rule asks for one, then chokidar's changes coalesced into batches, each batch
 * turned into one action per service (rebuild, sync, restart, exec), one batch at a time, as Compose's
 * `watchEvents` runs them. A rebuild is `up` for that service alone (`noDeps`, build, recreate), through
 * the same plan and apply, holding the project's lock. Each action is reported once (`web: synced 3
 * files`); a failed one is reported and watching goes on. Aborting the signal stops watching and leaves
 * the containers as they are.
 */
import { basename } from 'node:path';
import type { Project, ServiceConfig } from '../config/model.js';
import { UsageError } from '../errors.js';
import { Label } from '../plan/labels.js';
import type { Renderer } from '../progress/events.js';
import type { Runtime } from '../runtime/runtime.js';
import { restartServices } from '../apply/lifecycle.js';
import { up } from '../apply/ops.js';
import { planBatch, type ServiceBatch } from './batch.js';
import { Coalescer, type Timers } from './coalesce.js';
import { readIgnorePatterns } from './ignore-file.js';
import { compileRules, isInside, matchRule, patternMatcher, skipsDir, type WatchRule } from './rules.js';
import { collectSync, syncInto, type SyncResult } from './sync.js';
import { watchPaths } from './watcher.js';

/** One line about what watching did: `web: synced 3 files`. */
export interface WatchEvent {
  /** The service, or "" for the session itself. */
  service: string;
  status: 'done' | 'failed' | 'info' | 'warning';
  text: string;
  durationMs?: number;
}

export interface WatchDeps {
  rt: Runtime;
  /** The options of the `up` a rebuild runs (the command's own); the service, no-deps, build and recreate are added. */
  upOptions: Parameters<typeof up>[2];
  /** Runs `fn` holding the project's lock, as every command that changes the project does. */
  withLock: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Where a rebuild's and a restart's progress goes. */
  renderer: () => Promise<Renderer>;
  say: (e: WatchEvent) => void;
  /** Where a `sync+exec` command's output goes. */
  output: NodeJS.WritableStream;
  quietMs?: number;
  timers?: Timers;
}

export interface WatchOptions {
  /** The services to watch (none: every service with `develop.watch`). */
  services: string[];
  signal: AbortSignal;
  /** Called once watching has started (the initial scan is done). */
  onReady?: () => void;
}

const SYNCS = new Set(['sync', 'sync+restart', 'sync+exec']);

/** The selected services that have watch rules; none is Compose's error. */
export function watchedServices(project: Project, services: readonly string[]): ServiceConfig[] {
  const selected = services.length > 0 ? services : Object.keys(project.services);
  const watched = selected.flatMap((name) => {
    const service = project.services[name];
    return service && (service.develop?.watch?.length ?? 0) > 0 ? [service] : [];
  });
  if (watched.length === 0)
    throw new UsageError('none of the selected services is configured for watch', {
      hint: 'add a "develop: watch:" section to a service (see docs/commands.md, berth watch)',
    });
  return watched;
}

/** Whether the host path is under one of the service's bind mounts (a sync there is the mount's job). */
function boundPath(service: ServiceConfig, path: string): boolean {
  return service.volumes.some((v) => v.type === 'bind' && isInside(v.source, path));
}

/** The service's rules, without the sync rules a bind mount already covers (said, as Compose warns). */
async function rulesFor(service: ServiceConfig, say: WatchDeps['say']): Promise<WatchRule[]> {
  const patterns = service.build ? await readIgnorePatterns(service.build) : [];
  return compileRules(service, patterns).filter((r) => {
    if (!SYNCS.has(r.action) || !boundPath(service, r.path)) return true;
    say({
      service: service.name,
      status: 'warning',
      text: `${r.path} is also bind-mounted: develop.watch[${r.index}] is not watched`,
    });
    return false;
  });
}

/** The service's running containers (not one-offs). */
async function runningContainers(
  rt: Runtime,
  project: string,
  service: string,
): Promise<{ id: string; name: string }[]> {
  const list = await rt.listContainers({ labels: { [Label.project]: project, [Label.service]: service } });
  return list.filter((c) => c.labels[Label.oneoff] !== 'True' && c.state === 'running');
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `synced 3 files, deleted 1 file (2 containers)`. */
function syncText(r: SyncResult): string {
  const parts: string[] = [];
  if (r.files > 0 || r.deleted === 0) parts.push(`synced ${plural(r.files, 'file')}`);
  if (r.deleted > 0) parts.push(`deleted ${plural(r.deleted, 'file')}`);
  return `${parts.join(', ')}${r.containers > 1 ? ` (${r.containers} containers)` : ''}`;
}

/** A session in progress: what the batch handlers share. */
interface Session {
  project: Project;
  rules: WatchRule[];
  deps: WatchDeps;
}

/** Syncs the batch's files; `keep` decides on what is inside a synced folder (default: what a rule of the service counts). */
async function syncService(s: Session, batch: ServiceBatch, keep?: (hostPath: string) => boolean): Promise<void> {
  const start = Date.now();
  const own = s.rules.filter((r) => r.service === batch.service);
  const set = await collectSync(batch.sync, keep ?? ((p) => own.some((r) => matchRule(r, p) !== undefined)));
  if (set.entries.length === 0 && set.deletions.length === 0) return;
  const containers = await runningContainers(s.deps.rt, s.project.name, batch.service);
  if (containers.length === 0) {
    s.deps.say({ service: batch.service, status: 'warning', text: 'not synced: no running container' });
    return;
  }
  const result = await syncInto(s.deps.rt, containers, set);
  for (const p of result.problems) s.deps.say({ service: batch.service, status: 'warning', text: p });
  s.deps.say({ service: batch.service, status: 'done', text: syncText(result), durationMs: Date.now() - start });
}

async function rebuildService(s: Session, service: string): Promise<void> {
  const start = Date.now();
  const { plan } = await s.deps.withLock(async () =>
    up(
      s.project,
      s.deps.rt,
      { ...s.deps.upOptions, services: [service], noDeps: true, build: true, noBuild: false, forceRecreate: true },
      await s.deps.renderer(),
    ),
  );
  const recreated = plan.actions.some(
    (a) => 'service' in a && a.service === service && /^(re)?create-container$/.test(a.kind),
  );
  const took = Date.now() - start;
  const text = `rebuilt in ${(took / 1000).toFixed(1)}s, ${recreated ? 'recreated' : 'nothing to recreate'}`;
  s.deps.say({ service, status: 'done', text, durationMs: took });
}

async function restartService(s: Session, service: string): Promise<void> {
  const start = Date.now();
  const { containers } = await restartServices(
    s.deps.rt,
    { projectName: s.project.name, project: s.project, services: [service] },
    { parallel: s.deps.upOptions.parallel },
    await s.deps.renderer(),
  );
  const text = containers.length > 1 ? `restarted (${containers.length} containers)` : 'restarted';
  s.deps.say({ service, status: 'done', text, durationMs: Date.now() - start });
}

async function execRule(s: Session, service: string, rule: WatchRule): Promise<void> {
  const exec = rule.trigger.exec;
  if (!exec?.command?.length) return;
  const start = Date.now();
  const containers = await runningContainers(s.deps.rt, s.project.name, service);
  const spec = {
    command: exec.command,
    tty: false,
    ...(exec.user !== undefined && { user: exec.user }),
    ...(exec.privileged === true && { privileged: true }),
    ...(exec.working_dir !== undefined && { workingDir: exec.working_dir }),
    ...(exec.environment && {
      env: Object.entries(exec.environment).map(([k, v]) => (v === null ? k : `${k}=${v}`)),
    }),
  };
  const io = { stdout: s.deps.output, stderr: s.deps.output };
  const codes = await Promise.all(containers.map((c) => s.deps.rt.exec(c.id, spec, io)));
  const failed = codes.filter((c) => c !== 0);
  const what = `ran ${basename(exec.command[0]!)}${exec.command.length > 1 ? ' …' : ''}`;
  s.deps.say({
    service,
    status: failed.length ? 'failed' : 'done',
    text: failed.length ? `${what}: exited with status ${failed[0]}` : what,
    durationMs: Date.now() - start,
  });
}

/** One service's part of a batch, in Compose's order: rebuild, sync, restart (not after a rebuild), exec. */
async function handleService(s: Session, batch: ServiceBatch): Promise<void> {
  const step = async (what: string, fn: () => Promise<void>): Promise<boolean> => {
    try {
      await fn();
      return true;
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      s.deps.say({ service: batch.service, status: 'failed', text: `${what} failed: ${msg}` });
      return false;
    }
  };
  if (batch.rebuild && !(await step('rebuild', () => rebuildService(s, batch.service)))) return;
  if (batch.sync.length > 0 && !(await step('sync', () => syncService(s, batch)))) return;
  if (batch.restart && !batch.rebuild && !(await step('restart', () => restartService(s, batch.service)))) return;
  for (const rule of batch.exec) await step('exec', () => execRule(s, batch.service, rule));
}

/** The files a rule's initial sync copies: what is under its path, less what Compose leaves out. */
async function initialSync(s: Session, rule: WatchRule): Promise<void> {
  const service = s.project.services[rule.service]!;
  const dockerfile = service.build?.dockerfile ? basename(service.build.dockerfile) : undefined;
  const buildFiles = patternMatcher('/', [
    '**/Dockerfile',
    ...['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'].map((f) => `**/${f}`),
    ...['compose.override.yaml', 'compose.override.yml', 'docker-compose.override.yml'].map((f) => `**/${f}`),
    ...(dockerfile ? [`**/${dockerfile}`] : []),
  ]);
  const keep = (p: string): boolean =>
    !buildFiles.matches(p) && !boundPath(service, p) && matchRule(rule, p) !== undefined;
  const batch = { service: rule.service, rebuild: false, restart: false, exec: [], changes: 0 };
  try {
    await syncService(s, { ...batch, sync: [{ hostPath: rule.path, containerPath: rule.target! }] }, keep);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    s.deps.say({ service: rule.service, status: 'failed', text: `initial sync failed: ${msg}` });
  }
}

/**
 * Watches until `options.signal` aborts. Throws before watching when no selected service has rules;
 * afterwards, failures are reported through `deps.say` and watching goes on.
 */
export async function runWatch(project: Project, options: WatchOptions, deps: WatchDeps): Promise<void> {
  const services = watchedServices(project, options.services);
  const rules = (await Promise.all(services.map((svc) => rulesFor(svc, deps.say)))).flat();
  const s: Session = { project, rules, deps };
  for (const rule of rules.filter((r) => r.trigger.initial_sync && SYNCS.has(r.action) && r.target))
    await initialSync(s, rule);
  let queue = Promise.resolve();
  const coalescer = new Coalescer(
    (paths) => {
      const batches = planBatch(rules, paths);
      queue = queue.then(() => Promise.all(batches.map((b) => handleService(s, b)))).then(() => undefined);
    },
    { ...(deps.quietMs !== undefined && { quietMs: deps.quietMs }), ...(deps.timers && { timers: deps.timers }) },
  );
  const watcher = await watchPaths([...new Set(rules.map((r) => r.path))], {
    skip: (p) => skipsDir(rules, p),
    onChange: (p) => coalescer.add(p),
    onError: (err) => deps.say({ service: '', status: 'warning', text: `watching: ${err.message}` }),
  });
  deps.say({
    service: '',
    status: 'info',
    text: `watching ${services
      .map((x) => x.name)
      .sort()
      .join(', ')}`,
  });
  options.onReady?.();
  if (!options.signal.aborted)
    await new Promise<void>((res) => options.signal.addEventListener('abort', () => res(), { once: true }));
  coalescer.close();
  await watcher.close();
  await queue;
  deps.say({ service: '', status: 'info', text: 'watch stopped; the containers keep running' });
}
