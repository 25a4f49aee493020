/**
 * `depends_on: {db: {required: false}}`: which services a run can do without. A service is required when
 * the user named it (or, naming none, when nothing depends on it), or when a required service needs it
 * through anything but an optional `depends_on` (a required one, `links`, `volumes_from`,
 * `network_mode`/`ipc`/`pid: service:x`). Any other service failing (its image, its start, its wait) is
 * a warning: its dependents start without it and the run still succeeds. Pure.
 */
import type { Project, ServiceConfig } from '../config/model.js';
import { serviceDependencies } from '../graph/index.js';

export interface Requirements {
  /** Services whose failure fails the run. */
  required: ReadonlySet<string>;
  /** service -> the dependencies it starts without when they fail. */
  optionalDeps: ReadonlyMap<string, ReadonlySet<string>>;
}

/** What a service cannot start without: every reference but the optional `depends_on` entries. */
export function hardDependencies(s: ServiceConfig): string[] {
  const required = Object.fromEntries(Object.entries(s.depends_on).filter(([, d]) => d.required));
  return serviceDependencies({ ...s, depends_on: required });
}

export function requirements(project: Project, requested: readonly string[] = []): Requirements {
  const services = Object.values(project.services);
  const optionalDeps = new Map<string, Set<string>>();
  for (const s of services) {
    const hard = new Set(hardDependencies(s));
    const soft = Object.keys(s.depends_on).filter((d) => !hard.has(d) && project.services[d] !== undefined);
    if (soft.length > 0) optionalDeps.set(s.name, new Set(soft));
  }
  const dependedOn = new Set(services.flatMap((s) => serviceDependencies(s)));
  const roots = requested.length > 0 ? requested : services.map((s) => s.name).filter((n) => !dependedOn.has(n));
  const required = new Set<string>();
  const todo = [...roots];
  while (todo.length > 0) {
    const n = todo.pop()!;
    const s = project.services[n];
    if (!s || required.has(n)) continue;
    required.add(n);
    todo.push(...hardDependencies(s));
  }
  return { required, optionalDeps };
}
