/**
 * `berth stack deploy|ls|ps|services|rm`: the stack file as Docker Swarm services, through a swarm
 * manager (the engine DOCKER_HOST or the docker context points at). Flags become options; the work is
 * in src/stack/ (translate, plan, deploy), the tables below are pure.
 */
import { UsageError } from '../../errors.js';
import type { SwarmNode, SwarmRuntime, SwarmService, SwarmTask } from '../../runtime/runtime.js';
import type { PushContext } from '../../stack/images.js';
import type { Context } from '../context.js';
import { table } from '../table.js';

const STACK_NAME = /^[a-z0-9][a-z0-9_-]*$/;
const NAMESPACE_LABEL = 'com.docker.stack.namespace';

function stackName(args: string[]): string {
  const name = args[0];
  if (!name) throw new UsageError('a stack name is required');
  if (!STACK_NAME.test(name))
    throw new UsageError(
      `invalid stack name "${name}": lowercase letters, digits, "_" and "-", starting with a letter or digit`,
    );
  return name;
}

async function withSwarm<T>(ctx: Context, fn: (swarm: SwarmRuntime) => Promise<T>): Promise<T> {
  const { createSwarmRuntime } = await import('../../runtime/index.js');
  const swarm = createSwarmRuntime({ env: ctx.engineEnv() });
  try {
    return await fn(swarm);
  } finally {
    swarm.close();
  }
}

function detachFlag(value: unknown): boolean {
  if (value === undefined || value === true) return true;
  if (value === false || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw new UsageError(`--detach expects true or false, got ${JSON.stringify(value)}`);
}

function seconds(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`--wait-timeout expects seconds, got ${JSON.stringify(value)}`);
  return n;
}

/** The engine that builds and pushes for `--push`: the manager's, as the swarm's. */
async function pushContext(ctx: Context): Promise<PushContext> {
  return {
    runtime: await ctx.runtime(),
    renderer: () => ctx.renderer(),
    parallel: ctx.parallel(),
    env: ctx.world.env,
  };
}

/**
 * `berth stack deploy NAME [-c FILE] [--prune] [--resolve-image M] [--push] [--with-registry-auth]
 * [--detach=false] [--dry-run]`
 */
export async function deploy(ctx: Context, args: string[], opts: Record<string, unknown>): Promise<number> {
  const stack = stackName(args);
  const files = Array.isArray(opts.composeFile) ? (opts.composeFile as string[]) : undefined;
  // Through the project cache when there is one: `target` is part of its key.
  const result = await ctx.loadResult({ projectName: stack, target: 'swarm', ...(files && { files }) });
  const { deployStack } = await import('../../stack/deploy.js');
  const { formatStackPlan, formatStackStep, stackPlanJson } = await import('../../stack/plan.js');
  const out = ctx.world.stdout;
  const err = ctx.world.stderr;
  // `stack deploy --dry-run` and the global `berth --dry-run stack deploy` are one.
  const dryRun = opts.dryRun === true || ctx.dryRun;
  const push = opts.push === true ? await pushContext(ctx) : undefined;
  const plan = await withSwarm(ctx, (swarm) =>
    deployStack(swarm, result.project, {
      stack,
      prune: opts.prune === true,
      resolveImage: (opts.resolveImage as 'always' | 'changed' | 'never' | undefined) ?? 'always',
      wait: !detachFlag(opts.detach),
      dryRun,
      parallel: ctx.parallel(),
      env: ctx.world.env,
      waitTimeoutMs: seconds(opts.waitTimeout, 300) * 1000,
      images: result.swarmImages ?? [],
      registryAuth: opts.withRegistryAuth === true,
      ...(push && { push }),
      events: {
        step: (s) => void out.write(`${formatStackStep(s)}\n`),
        progress: (service, text) => void err.write(`${service}: ${text}\n`),
        warning: (text) => void err.write(`warning: ${text}\n`),
      },
    }),
  );
  for (const w of plan.warnings) err.write(`warning: ${w}\n`);
  if (dryRun && opts.format === 'json') {
    out.write(`${JSON.stringify(stackPlanJson(plan))}\n`);
    return 0;
  }
  if (dryRun && plan.steps.length + plan.unchanged.length > 0) out.write(`${formatStackPlan(plan)}\n`);
  else for (const k of plan.unchanged) out.write(`${k}: up to date\n`);
  const changes = plan.steps.filter((s) => s.op !== 'wait-service').length;
  const verb = dryRun ? 'would change' : 'changed';
  err.write(changes === 0 ? `stack ${stack}: up to date, nothing to change\n` : `stack ${stack}: ${verb} ${changes}\n`);
  return 0;
}

/** `berth stack rm NAME`: the stack's services, then its secrets, configs and networks. */
export async function rm(ctx: Context, args: string[]): Promise<number> {
  const stack = stackName(args);
  if (ctx.dryRun)
    throw new UsageError('stack rm has no dry run: nothing was removed', {
      hint: `berth stack services ${stack} lists the services it would remove`,
    });
  const { removeStack } = await import('../../stack/deploy.js');
  const { formatStackStep } = await import('../../stack/plan.js');
  const plan = await withSwarm(ctx, (swarm) =>
    removeStack(swarm, stack, {
      parallel: ctx.parallel(),
      waitTimeoutMs: 60_000,
      events: {
        step: (s) => void ctx.world.stdout.write(`${formatStackStep(s)}\n`),
        progress: () => undefined,
        warning: (text) => void ctx.world.stderr.write(`warning: ${text}\n`),
      },
    }),
  );
  if (plan.steps.length === 0) ctx.world.stderr.write(`nothing found in stack: ${stack}\n`);
  return 0;
}

export interface StackRow {
  Name: string;
  Services: number;
}

/** Every stack on the swarm, by the namespace label of its services. Pure. */
export function stackRows(services: SwarmService[]): StackRow[] {
  const counts = new Map<string, number>();
  for (const s of services) {
    const ns = s.spec.Labels[NAMESPACE_LABEL];
    if (ns) counts.set(ns, (counts.get(ns) ?? 0) + 1);
  }
  return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([Name, Services]) => ({ Name, Services }));
}

/** `berth stack ls [--format table|json]` */
export async function ls(ctx: Context, _args: string[], opts: Record<string, unknown>): Promise<number> {
  const rows = await withSwarm(ctx, async (swarm) => stackRows(await swarm.listServices({ [NAMESPACE_LABEL]: true })));
  if (opts.format === 'json') ctx.world.stdout.write(`${JSON.stringify(rows)}\n`);
  else
    ctx.world.stdout.write(
      table(
        ['NAME', 'SERVICES'],
        rows.map((r) => [r.Name, String(r.Services)]),
      ),
    );
  return 0;
}

export interface ServiceRow {
  ID: string;
  Name: string;
  Mode: string;
  Replicas: string;
  Image: string;
  Ports: string;
}

/** The stack's services with their running and desired task counts. Pure. */
export function serviceRows(services: SwarmService[], tasks: SwarmTask[]): ServiceRow[] {
  return [...services]
    .sort((a, b) => a.spec.Name.localeCompare(b.spec.Name))
    .map((s) => {
      const mine = tasks.filter((t) => t.serviceId === s.id && t.desiredState === 'running');
      const running = mine.filter((t) => t.state === 'running').length;
      const replicated = s.spec.Mode?.Replicated;
      const want = replicated ? (replicated.Replicas ?? 1) : mine.length;
      const ports = (s.spec.EndpointSpec?.Ports ?? [])
        .map((p) => `*:${p.PublishedPort ?? ''}->${p.TargetPort}/${p.Protocol ?? 'tcp'}`)
        .join(', ');
      return {
        ID: s.id.slice(0, 12),
        Name: s.spec.Name,
        Mode: replicated ? 'replicated' : s.spec.Mode?.Global ? 'global' : (Object.keys(s.spec.Mode ?? {})[0] ?? ''),
        Replicas: `${running}/${want}`,
        Image: s.spec.Labels['com.docker.stack.image'] ?? s.spec.TaskTemplate.ContainerSpec.Image,
        Ports: ports,
      };
    });
}

async function stackServices(swarm: SwarmRuntime, stack: string): Promise<SwarmService[]> {
  const services = await swarm.listServices({ [NAMESPACE_LABEL]: stack });
  if (services.length === 0) throw new UsageError(`nothing found in stack: ${stack}`);
  return services;
}

/** `berth stack services NAME [-q] [--format table|json]` */
export async function services(ctx: Context, args: string[], opts: Record<string, unknown>): Promise<number> {
  const stack = stackName(args);
  const rows = await withSwarm(ctx, async (swarm) => {
    const list = await stackServices(swarm, stack);
    return serviceRows(list, await swarm.listTasks({ services: list.map((s) => s.id) }));
  });
  const out = ctx.world.stdout;
  if (opts.quiet) for (const r of rows) out.write(`${r.ID}\n`);
  else if (opts.format === 'json') out.write(`${JSON.stringify(rows)}\n`);
  else
    out.write(
      table(
        ['ID', 'NAME', 'MODE', 'REPLICAS', 'IMAGE', 'PORTS'],
        rows.map((r) => [r.ID, r.Name, r.Mode, r.Replicas, r.Image, r.Ports]),
      ),
    );
  return 0;
}

export interface TaskRow {
  ID: string;
  Name: string;
  Image: string;
  Node: string;
  NodeID: string;
  DesiredState: string;
  CurrentState: string;
  Error: string;
}

/** The stack's tasks, named `<service>.<slot>` as docker names them, newest first within a slot. Pure. */
export function taskRows(services: SwarmService[], tasks: SwarmTask[], nodes: SwarmNode[]): TaskRow[] {
  const names = new Map(services.map((s) => [s.id, s.spec.Name]));
  const hosts = new Map(nodes.map((n) => [n.id, n.hostname]));
  return tasks
    .filter((t) => names.has(t.serviceId))
    .map((t) => ({ t, name: `${names.get(t.serviceId)!}.${t.slot ?? t.nodeId ?? ''}` }))
    .sort((a, b) => a.name.localeCompare(b.name) || b.t.timestamp.localeCompare(a.t.timestamp))
    .map(({ t, name }) => ({
      ID: t.id.slice(0, 12),
      Name: name,
      Image: t.image.replace(/@sha256:[0-9a-f]+$/, ''),
      Node: hosts.get(t.nodeId ?? '') ?? t.nodeId ?? '',
      NodeID: t.nodeId ?? '',
      DesiredState: t.desiredState,
      CurrentState: t.state,
      Error: t.error ?? '',
    }));
}

/** `berth stack ps NAME [-q] [--format table|json]` */
export async function ps(ctx: Context, args: string[], opts: Record<string, unknown>): Promise<number> {
  const stack = stackName(args);
  const rows = await withSwarm(ctx, async (swarm) => {
    const list = await stackServices(swarm, stack);
    const [tasks, nodes] = await Promise.all([swarm.listTasks({ services: list.map((s) => s.id) }), swarm.listNodes()]);
    return taskRows(list, tasks, nodes);
  });
  const out = ctx.world.stdout;
  if (opts.quiet) for (const r of rows) out.write(`${r.ID}\n`);
  else if (opts.format === 'json') out.write(`${JSON.stringify(rows)}\n`);
  else
    out.write(
      table(
        ['ID', 'NAME', 'IMAGE', 'NODE', 'DESIRED STATE', 'CURRENT STATE', 'ERROR'],
        rows.map((r) => [r.ID, r.Name, r.Image, r.Node, r.DesiredState, r.CurrentState, r.Error]),
      ),
    );
  return 0;
}
