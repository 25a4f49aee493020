/**
 * The dependency graph between services: names and edges only. An edge `a -> b` means "a needs b":
 * b is started before a and stopped after it.
 */
import { DependencyCycleError } from '../errors.js';

export interface Graph {
  readonly nodes: readonly string[];
  /** node -> the nodes it depends on */
  readonly deps: ReadonlyMap<string, readonly string[]>;
  /** node -> the nodes that depend on it */
  readonly dependents: ReadonlyMap<string, readonly string[]>;
}

/** What a service references, as edges: depends_on, links, volumes_from, network_mode/ipc/pid `service:x`. */
export interface ServiceRefs {
  depends_on?: Record<string, unknown>;
  links?: string[];
  volumes_from?: string[];
  network_mode?: string;
  ipc?: string;
  pid?: string;
}

/** Names of the services `svc` needs started first. References to services outside the stack are ignored. */
export function serviceDependencies(svc: ServiceRefs): string[] {
  const out = new Set<string>(Object.keys(svc.depends_on ?? {}));
  for (const link of svc.links ?? []) out.add(link.split(':')[0]!);
  for (const from of svc.volumes_from ?? []) {
    if (!from.startsWith('container:')) out.add(from.split(':')[0]!);
  }
  for (const mode of [svc.network_mode, svc.ipc, svc.pid]) {
    if (mode?.startsWith('service:')) out.add(mode.slice('service:'.length));
  }
  return [...out];
}

/** Build a graph; throws DependencyCycleError naming the cycle. Edges to unknown nodes are dropped. */
export function buildGraph(edges: Record<string, readonly string[]>): Graph {
  const nodes = Object.keys(edges).sort();
  const known = new Set(nodes);
  const deps = new Map<string, string[]>();
  const dependents = new Map<string, string[]>(nodes.map((n) => [n, []]));
  for (const n of nodes) {
    const ds = [...new Set(edges[n]!.filter((d) => known.has(d)))].sort();
    deps.set(n, ds);
    for (const d of ds) dependents.get(d)!.push(n);
  }
  const cycle = findCycle(nodes, deps);
  if (cycle) throw new DependencyCycleError(cycle);
  return { nodes, deps, dependents };
}

function findCycle(nodes: string[], deps: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    const s = state.get(n);
    if (s === 'done') return undefined;
    if (s === 'visiting') return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, 'visiting');
    stack.push(n);
    for (const d of deps.get(n) ?? []) {
      const c = visit(d);
      if (c) return c;
    }
    stack.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of nodes) {
    const c = visit(n);
    if (c) return c;
  }
  return undefined;
}

/** The given nodes plus everything they (transitively) depend on. */
export function withDependencies(graph: Graph, roots: Iterable<string>): Set<string> {
  const out = new Set<string>();
  const todo = [...roots];
  while (todo.length > 0) {
    const n = todo.pop()!;
    if (out.has(n)) continue;
    out.add(n);
    todo.push(...(graph.deps.get(n) ?? []));
  }
  return out;
}

/** Nodes in an order where every node comes after its dependencies (ties by name). */
export function topoOrder(graph: Graph): string[] {
  const out: string[] = [];
  const done = new Set<string>();
  const visit = (n: string): void => {
    if (done.has(n)) return;
    done.add(n);
    for (const d of graph.deps.get(n) ?? []) visit(d);
    out.push(n);
  };
  for (const n of graph.nodes) visit(n);
  return out;
}
