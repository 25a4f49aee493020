/**
 * The operations a command asks for, each as: one snapshot of observed state, a pure plan, an apply.
 */
import type { Project, ServiceConfig } from '../config/model.js';
import { ApplyError, ExternalResourceMissingError } from '../errors.js';
import {
  actionTitle,
  hasChanges,
  planDown,
  planUp,
  serviceImage,
  type DownOptions,
  type Plan,
  type UpOptions,
  withBuildBases,
} from '../plan/index.js';
import { usesApiSocket, withApiSocket } from '../plan/api-socket.js';
import type { Emit, Renderer } from '../progress/events.js';
import type { Runtime } from '../runtime/runtime.js';
import { actionId, applyPlan, type ApplyOptions } from './apply.js';
import { buildSpecsFor, imageTagTimes, type BuildOptions } from './images.js';
import { requirements, type Requirements } from './optional.js';
import { waitForService, type Readiness, type WaitCondition } from './wait.js';

import { VolumeRecreateRefusedError } from '../errors.js';

export interface OpResult {
  plan: Plan;
  changed: boolean;
}

export async function planUpFor(given: Project, rt: Runtime, options: UpOptions): Promise<Plan> {
  const project = await withEngineHandoffs(given, rt);
  const refs = [...new Set(Object.values(project.services).map((s) => serviceImage(project, s)))];
  const [observed] = await Promise.all([rt.observe(project.name, refs), checkExternals(project, rt)]);
  return planUp(project, observed, { ...options, ...(await imageTagTimes(project, rt, options, observed.images)) });
}

/**
 * The project as its containers are to be made: the services that set `use_api_socket` handed the
 * engine's socket and the registry logins (plan/api-socket.ts), which only the runtime knows.
 */
export async function withEngineHandoffs(project: Project, rt: Runtime): Promise<Project> {
  return usesApiSocket(project) ? withApiSocket(project, await rt.apiSocket()) : project;
}

/**
 * External networks and volumes carry no project label, so the snapshot does not see them: ask by name
 * for those the services (default: all the stack's) use.
 */
export async function checkExternals(
  project: Project,
  rt: Runtime,
  services: readonly ServiceConfig[] = Object.values(project.services),
): Promise<void> {
  const used = new Set(
    services.flatMap((s) => [
      ...Object.keys(s.networks).map((k) => `n:${k}`),
      ...s.volumes.flatMap((v) => (v.type === 'volume' && v.source !== undefined ? [`v:${v.source}`] : [])),
    ]),
  );
  const checks: Promise<void>[] = [];
  for (const [key, n] of Object.entries(project.networks)) {
    if (!n.external || !used.has(`n:${key}`)) continue;
    checks.push(
      rt.listNetworks({ name: n.name }).then((found) => {
        if (found.length === 0)
          throw new ExternalResourceMissingError(`network ${n.name} is declared as external, but could not be found`, {
            hint: `create it first: docker network create ${n.name}`,
          });
      }),
    );
  }
  for (const [key, v] of Object.entries(project.volumes)) {
    if (!v.external || !used.has(`v:${key}`)) continue;
    checks.push(
      rt.listVolumes({ name: v.name }).then((found) => {
        if (found.length === 0)
          throw new ExternalResourceMissingError(`volume ${v.name} is declared as external, but could not be found`, {
            hint: `create it first: docker volume create ${v.name}`,
          });
      }),
    );
  }
  await Promise.all(checks);
}

export interface WaitOptions {
  /** `--wait`: after applying, wait until every started service is running, and healthy where it has a healthcheck. */
  wait?: boolean;
  /** `--wait-timeout` in seconds. */
  waitTimeoutSec?: number;
}

/** Whether `up` may recreate a volume whose driver or driver options changed, which loses its data. */
export interface VolumeConsent {
  /** `-y`/`--yes`: agree without asking. */
  yes?: boolean;
  /** Ask the user (yes or no); absent when there is nobody to ask (no terminal), which means no. */
  confirm?: (question: string) => Promise<boolean>;
}

/** Every volume recreate in the plan agreed to (`-y`, or asked one by one), else a refusal before anything changed. */
export async function consentToVolumeRecreates(plan: Plan, consent: VolumeConsent): Promise<void> {
  if (consent.yes) return;
  const refused: string[] = [];
  for (const a of plan.actions) {
    if (a.kind !== 'recreate-volume') continue;
    const what = `volume ${a.target}: ${a.reason.replace(/ \(data in it would be lost\)$/, '')}`;
    if (
      consent.confirm &&
      (await consent.confirm(
        `${what}: the stack file no longer matches it. Recreate it (the data in it will be lost)? [y/N] `,
      ))
    )
      continue;
    refused.push(what);
  }
  if (refused.length === 0) return;
  throw new VolumeRecreateRefusedError(
    `${refused.join('; ')}: recreating ${refused.length === 1 ? 'it' : 'them'} would lose the data in ${refused.length === 1 ? 'it' : 'them'}; nothing was changed`,
    {
      hint: 'run berth up -y to recreate (the data will be lost), or undo the change in the stack file to keep it',
    },
  );
}

export async function up(
  project: Project,
  rt: Runtime,
  options: UpOptions & ApplyOptions & WaitOptions & BuildOptions & VolumeConsent,
  renderer: Renderer,
): Promise<OpResult> {
  let plan = await planUpFor(project, rt, options);
  await consentToVolumeRecreates(plan, options);
  // Builds run in the order of their Dockerfiles' FROM lines, read only when the plan builds something.
  if (plan.actions.some((a) => a.kind === 'build-image') && options.buildBases === undefined) {
    const { readBuildBases } = await import('../config/dockerfile.js');
    plan = withBuildBases(plan, project, await readBuildBases(project, options.env));
  }
  if (plan.actions.some((a) => a.kind === 'build-image'))
    options = { ...options, buildSpecs: buildSpecsFor(project, plan.actions, options) };
  const needs = options.requirements ?? requirements(project, options.services);
  options = { ...options, requirements: needs };
  const services =
    options.wait && !options.noStart
      ? [...new Set(plan.actions.flatMap((a) => ('service' in a && project.services[a.service] ? [a.service] : [])))]
      : [];
  await executePlan(plan, rt, options, renderer, async (emit) => {
    if (services.length > 0) await waitReady(project, services, rt, emit, options.waitTimeoutSec, needs);
  });
  return { plan, changed: hasChanges(plan) };
}

/**
 * What `up --wait` asks of a service, as Docker Compose does: running (healthy, when it has a
 * healthcheck), or completed successfully when another service depends on it that way (a one-shot job).
 */
export function waitConditionFor(project: Project, service: string): WaitCondition {
  const oneShot = Object.values(project.services).some(
    (s) => s.depends_on[service]?.condition === 'service_completed_successfully',
  );
  return oneShot ? 'service_completed_successfully' : 'running_or_healthy';
}

const READY_TEXT: Record<Readiness, string> = { healthy: 'Healthy', running: 'Running', completed: 'Completed' };

/**
 * `up --wait`: every service the plan touched must become ready. A service the run can do without
 * (`required: false`) that does not is a warning; any other fails the command, naming the container and
 * why (exited with its code, restarting in a crash loop, unhealthy with its last healthcheck output).
 */
async function waitReady(
  project: Project,
  services: string[],
  rt: Runtime,
  emit: Emit,
  timeoutSec: number | undefined,
  needs: Requirements,
): Promise<void> {
  // Stops every wait: at the timeout, or at the first required service that fails.
  const controller = new AbortController();
  let timedOut = false;
  const timer =
    timeoutSec !== undefined
      ? setTimeout(() => {
          timedOut = true;
          controller.abort();
        }, timeoutSec * 1000)
      : undefined;
  const failures: { target: string; error: Error }[] = [];
  try {
    await Promise.all(
      services.map(async (name) => {
        const id = `ready:${name}`;
        const condition = waitConditionFor(project, name);
        const healthcheck =
          project.services[name]!.healthcheck?.test !== undefined && !project.services[name]!.healthcheck?.disable;
        emit({
          id,
          title: name,
          status: 'working',
          text: 'Waiting',
          detail:
            condition === 'service_completed_successfully'
              ? 'for completion'
              : healthcheck
                ? 'for healthy'
                : 'for running',
        });
        try {
          const readiness = await waitForService(rt, project.name, name, condition, controller.signal);
          emit({ id, title: name, status: 'done', text: READY_TEXT[readiness] });
        } catch (err) {
          if (controller.signal.aborted && !timedOut) {
            emit({ id, title: name, status: 'skipped', text: 'Stopped waiting', detail: 'another service failed' });
            return;
          }
          const error = timedOut
            ? new Error(`not ready after ${timeoutSec}s`)
            : err instanceof Error
              ? err
              : new Error(String(err));
          if (!needs.required.has(name)) {
            emit({
              id,
              title: name,
              status: 'warning',
              text: 'Warning',
              detail: `${error.message} (not required: going on)`,
            });
            return;
          }
          emit({ id, title: name, status: 'failed', text: 'Error', detail: error.message });
          failures.push({ target: name, error });
          controller.abort();
        }
      }),
    );
  } finally {
    if (timer) clearTimeout(timer);
  }
  if (failures.length > 0) throw new ApplyError(failures);
}

export async function planDownFor(
  projectName: string,
  project: Project | undefined,
  rt: Runtime,
  options: DownOptions,
): Promise<Plan> {
  const observed = await rt.observe(projectName, []);
  return planDown(projectName, observed, project, options);
}

export async function down(
  projectName: string,
  project: Project | undefined,
  rt: Runtime,
  options: DownOptions & ApplyOptions,
  renderer: Renderer,
): Promise<OpResult> {
  const plan = await planDownFor(projectName, project, rt, options);
  await executePlan(plan, rt, options, renderer);
  return { plan, changed: hasChanges(plan) };
}

/** Runs a plan with its progress: the warnings, then each operation, then `after` (the waits of `up --wait`). */
export async function executePlan(
  plan: Plan,
  rt: Runtime,
  options: ApplyOptions,
  renderer: Renderer,
  after?: (emit: Emit) => Promise<void>,
): Promise<void> {
  const emit: Emit = (e) => renderer.event(e);
  renderer.start(plan.actions.map((a) => ({ id: actionId(a), title: actionTitle(a) })));
  for (const w of plan.warnings)
    emit({ id: 'warning', title: plan.project, status: 'warning', text: 'Warning', detail: w });
  try {
    await applyPlan(plan, rt, emit, options);
    await after?.(emit);
  } finally {
    await renderer.done();
  }
}
