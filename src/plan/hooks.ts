/**
 * Lifecycle hooks (`post_start`, `pre_stop`) as steps of the plan, as Docker Compose runs them: each
 * post_start hook is run in the container, in order, once it has started (a create, a recreate, a
 * start); each pre_stop hook before the container stops for good (`down`, a scale-down, the previous
 * container of a recreate). A hook is an exec (command, user, privileged, working_dir, environment); one
 * that exits non-zero fails, and what waits for it is skipped, as any failed step. Orphans have no
 * service config, so no hooks, as in Compose.
 */
import type { Project, ServiceConfig } from '../config/model.js';
import type { ExecSpec } from '../runtime/runtime.js';
import type { Action } from './plan.js';

export type HookKind = 'post_start' | 'pre_stop';

/** A service hook as the loaded model holds it. */
interface ServiceHook {
  command?: string[];
  user?: string;
  privileged?: boolean;
  working_dir?: string;
  environment?: Record<string, string | null>;
}

/** The service's hooks of one kind, as exec specs (no TTY; the output is read line by line). */
export function serviceHooks(service: ServiceConfig, kind: HookKind): ExecSpec[] {
  const hooks = Array.isArray(service[kind]) ? (service[kind] as ServiceHook[]) : [];
  return hooks
    .filter((h) => Array.isArray(h.command) && h.command.length > 0)
    .map((h) => ({
      command: h.command!,
      tty: false,
      ...(h.user !== undefined && { user: h.user }),
      ...(h.privileged === true && { privileged: true }),
      ...(h.working_dir !== undefined && { workingDir: h.working_dir }),
      ...(h.environment && {
        env: Object.entries(h.environment).map(([k, v]) => (v === null ? k : `${k}=${v}`)),
      }),
    }));
}

/** The plan's actions with each container's hooks beside the action that starts or stops it. */
export function withHooks(actions: Action[], project: Project | undefined): Action[] {
  if (!project || !Object.values(project.services).some(hasHooks)) return actions;
  return actions.flatMap((a) => {
    const service = 'service' in a ? project.services[a.service] : undefined;
    if (!service || !hasHooks(service)) return [a];
    return [...hookActions(a, service, 'pre_stop'), a, ...hookActions(a, service, 'post_start')];
  });
}

const hasHooks = (s: ServiceConfig): boolean =>
  serviceHooks(s, 'post_start').length + serviceHooks(s, 'pre_stop').length > 0;

/** The container an action starts or stops for good (by name or id), if it does. */
function containerOf(a: Action, kind: HookKind): string | undefined {
  if (kind === 'post_start') {
    const starts = a.kind === 'create-container' || a.kind === 'recreate-container' || a.kind === 'check-container';
    if (starts && a.start) return a.target;
    return a.kind === 'start-container' ? a.target : undefined;
  }
  if (a.kind === 'remove-container' && a.stop && a.leftover !== true) return a.id;
  if (a.kind === 'check-container' && a.running) return a.id;
  return a.kind === 'recreate-container' && a.running === true ? a.replaces : undefined;
}

function hookActions(a: Action, service: ServiceConfig, kind: HookKind): Action[] {
  const container = containerOf(a, kind);
  if (container === undefined) return [];
  const hooks = serviceHooks(service, kind);
  return hooks.map((exec, index) => ({
    kind: 'run-hook',
    target: a.target,
    service: service.name,
    hook: kind,
    index,
    container,
    exec,
    reason: `${kind}[${index}]: ${kind === 'post_start' ? 'after it starts' : 'before it stops'}`,
  }));
}
