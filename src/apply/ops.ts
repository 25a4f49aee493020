/**
 * The operations a command asks for, each as: one snapshot of observed state, a pure plan, an apply.
 */
import type { Project } from '../config/model.js';
import { actionTitle, hasChanges, planDown, planUp, projectGraph, serviceImage, type DownOptions, type Plan, type UpOptions } from '../plan/index.js';
import type { Emit, Renderer } from '../progress/events.js';
import type { Runtime } from '../runtime/runtime.js';
import { actionId, applyPlan, type ApplyOptions } from './apply.js';

export interface OpResult {
  plan: Plan;
  changed: boolean;
}

export async function planUpFor(project: Project, rt: Runtime, options: UpOptions): Promise<Plan> {
  const refs = [...new Set(Object.values(project.services).map((s) => serviceImage(project, s)))];
  const observed = await rt.observe(project.name, refs);
  return planUp(project, observed, options);
}

export async function up(project: Project, rt: Runtime, options: UpOptions & ApplyOptions, renderer: Renderer): Promise<OpResult> {
  const plan = await planUpFor(project, rt, options);
  await execute(plan, project, rt, options, renderer);
  return { plan, changed: hasChanges(plan) };
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

async function execute(plan: Plan, project: Project | undefined, rt: Runtime, options: ApplyOptions, renderer: Renderer): Promise<void> {
  const emit: Emit = (e) => renderer.event(e);
  renderer.start(plan.actions.map((a) => ({ id: actionId(a), title: actionTitle(a) })));
  for (const w of plan.warnings) emit({ id: 'warning', title: plan.project, status: 'warning', text: 'Warning', detail: w });
  const graph = project ? projectGraph(project) : { nodes: [], deps: new Map(), dependents: new Map() };
  try {
    await applyPlan(plan, graph, rt, emit, options);
  } finally {
    await renderer.done();
  }
}

