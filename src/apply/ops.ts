/**
 * The operations a command asks for, each as: one snapshot of observed state, a pure plan, an apply.
 */
import type { Project } from '../config/model.js';
import { ApplyError, ExternalResourceMissingError } from '../errors.js';
import { actionTitle, hasChanges, Label, planDown, planUp, projectGraph, serviceImage, type DownOptions, type Plan, type UpOptions } from '../plan/index.js';
import type { Emit, Renderer } from '../progress/events.js';
import type { Runtime } from '../runtime/runtime.js';
import { actionId, applyPlan, type ApplyOptions } from './apply.js';
import { waitForDependency } from './wait.js';
import { buildSpecsFor, imageTagTimes, type BuildOptions } from './images.js';

import { VolumeRecreateRefusedError } from '../errors.js';

export interface OpResult {
  plan: Plan;
  changed: boolean;
}

export async function planUpFor(project: Project, rt: Runtime, options: UpOptions): Promise<Plan> {
  const refs = [...new Set(Object.values(project.services).map((s) => serviceImage(project, s)))];
  const [observed] = await Promise.all([rt.observe(project.name, refs), checkExternals(project, rt)]);
  return planUp(project, observed, { ...options, ...(await imageTagTimes(project, rt, options, observed.images)) });
}

/** External networks and volumes carry no project label, so the snapshot does not see them: ask by name. */
async function checkExternals(project: Project, rt: Runtime): Promise<void> {
  const used = new Set(Object.values(project.services).flatMap((s) => [
    ...Object.keys(s.networks).map((k) => `n:${k}`),
    ...s.volumes.flatMap((v) => (v.type === 'volume' && v.source !== undefined ? [`v:${v.source}`] : [])),
  ]));
  const checks: Promise<void>[] = [];
  for (const [key, n] of Object.entries(project.networks)) {
    if (!n.external || !used.has(`n:${key}`)) continue;
    checks.push(rt.listNetworks({ name: n.name }).then((found) => {
      if (found.length === 0) throw new ExternalResourceMissingError(`network ${n.name} is declared as external, but could not be found`, { hint: `create it first: docker network create ${n.name}` });
    }));
  }
  for (const [key, v] of Object.entries(project.volumes)) {
    if (!v.external || !used.has(`v:${key}`)) continue;
    checks.push(rt.listVolumes({ name: v.name }).then((found) => {
      if (found.length === 0) throw new ExternalResourceMissingError(`volume ${v.name} is declared as external, but could not be found`, { hint: `create it first: docker volume create ${v.name}` });
    }));
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
    if (consent.confirm && (await consent.confirm(`${what}: the stack file no longer matches it. Recreate it (the data in it will be lost)? [y/N] `))) continue;
    refused.push(what);
  }
  if (refused.length === 0) return;
  throw new VolumeRecreateRefusedError(`${refused.join('; ')}: recreating ${refused.length === 1 ? 'it' : 'them'} would lose the data in ${refused.length === 1 ? 'it' : 'them'}; nothing was changed`, {
    hint: 'run berth up -y to recreate (the data will be lost), or undo the change in the stack file to keep it',
  });
}

export async function up(project: Project, rt: Runtime, options: UpOptions & ApplyOptions & WaitOptions & BuildOptions & VolumeConsent, renderer: Renderer): Promise<OpResult> {
  const plan = await planUpFor(project, rt, options);
  await consentToVolumeRecreates(plan, options);
  if (plan.actions.some((a) => a.kind === 'build-image')) options = { ...options, buildSpecs: buildSpecsFor(project, plan.actions, options) };
  const services = options.wait && !options.noStart ? [...new Set(plan.actions.flatMap((a) => ('service' in a && project.services[a.service] ? [a.service] : [])))] : [];
  await execute(plan, project, rt, options, renderer, async (emit) => {
    if (services.length > 0) await waitReady(project, services, rt, emit, options.waitTimeoutSec);
  });
  return { plan, changed: hasChanges(plan) };
}

async function waitReady(project: Project, services: string[], rt: Runtime, emit: Emit, timeoutSec: number | undefined): Promise<void> {
  const controller = new AbortController();
  const timer = timeoutSec !== undefined ? setTimeout(() => controller.abort(), timeoutSec * 1000) : undefined;
  try {
    await Promise.all(services.map(async (name) => {
      const id = `ready:${name}`;
      const healthy = project.services[name]!.healthcheck?.test !== undefined && !project.services[name]!.healthcheck?.disable;
      emit({ id, title: name, status: 'working', text: 'Waiting', detail: healthy ? 'for healthy' : 'for running' });
      try {
        if (healthy) await waitForDependency(rt, project.name, name, 'service_healthy', controller.signal);
        else await waitRunning(rt, project.name, name);
      } catch (err) {
        const message = controller.signal.aborted ? `not ready after ${timeoutSec}s` : err instanceof Error ? err.message : String(err);
        emit({ id, title: name, status: 'failed', text: 'Error', detail: message });
        throw new ApplyError([{ target: name, error: new Error(message) }]);
      }
      emit({ id, title: name, status: 'done', text: healthy ? 'Healthy' : 'Running' });
    }));
  } finally {
    if (timer) clearTimeout(timer);
  }
}

async function waitRunning(rt: Runtime, projectName: string, service: string): Promise<void> {
  const containers = await rt.listContainers({ all: true, labels: { [Label.project]: projectName, [Label.service]: service, [Label.oneoff]: 'False' } });
  const down = containers.filter((c) => c.state !== 'running');
  if (down.length > 0) throw new Error(`${down.map((c) => c.name).join(', ')} ${down.length === 1 ? 'is' : 'are'} not running (${down[0]!.status})`);
}

export async function planDownFor(projectName: string, project: Project | undefined, rt: Runtime, options: DownOptions): Promise<Plan> {
  const observed = await rt.observe(projectName, []);
  return planDown(projectName, observed, project, options);
}

export async function down(projectName: string, project: Project | undefined, rt: Runtime, options: DownOptions & ApplyOptions, renderer: Renderer): Promise<OpResult> {
  const plan = await planDownFor(projectName, project, rt, options);
  await execute(plan, project, rt, options, renderer);
  return { plan, changed: hasChanges(plan) };
}

async function execute(
  plan: Plan,
  project: Project | undefined,
  rt: Runtime,
  options: ApplyOptions,
  renderer: Renderer,
  after?: (emit: Emit) => Promise<void>,
): Promise<void> {
  const emit: Emit = (e) => renderer.event(e);
  renderer.start(plan.actions.map((a) => ({ id: actionId(a), title: actionTitle(a) })));
  for (const w of plan.warnings) emit({ id: 'warning', title: plan.project, status: 'warning', text: 'Warning', detail: w });
  const graph = project ? projectGraph(project) : { nodes: [], deps: new Map(), dependents: new Map() };
  try {
    await applyPlan(plan, graph, rt, emit, options);
    await after?.(emit);
  } finally {
    await renderer.done();
  }
}

