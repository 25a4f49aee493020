/**
 * `berth build` as a plan: one build step per image the selected services build, ordered by what their
 * Dockerfiles start FROM (read by config/ and handed in), so that builds run through the same walker as
 * everything else. Pure.
 */
import type { Project } from '../config/model.js';
import { withDependencies } from '../graph/index.js';
import { serviceImage } from './desired.js';
import { linked, projectGraph, type Action, type Plan } from './plan.js';

export interface BuildPlanOptions {
  /** The services named (all when empty). */
  services: readonly string[];
  /** Also build the services these depend on (`--with-dependencies`). */
  withDependencies?: boolean;
  /** Service -> the images its Dockerfile starts FROM. */
  buildBases: Record<string, string[]>;
}

export function planBuild(project: Project, options: BuildPlanOptions): Plan {
  const graph = projectGraph(project);
  const selected =
    options.services.length === 0
      ? new Set(graph.nodes)
      : options.withDependencies
        ? withDependencies(graph, [...options.services])
        : new Set(options.services);
  const actions: Extract<Action, { kind: 'build-image' }>[] = [];
  for (const s of Object.values(project.services)) {
    if (!selected.has(s.name) || !s.build) continue;
    const ref = serviceImage(project, s);
    const known = actions.find((a) => a.target === ref);
    if (known) known.services.push(s.name);
    else
      actions.push({
        kind: 'build-image',
        target: ref,
        builds: s.name,
        services: [s.name],
        reason: `service ${s.name}`,
      });
  }
  const steps = linked(actions, { project, graph, direction: 'up', buildBases: options.buildBases });
  return { project: project.name, actions, steps, warnings: [] };
}
