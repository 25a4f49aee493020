/**
 * The merged, long-form tree -> the `Project` model: profiles, env_file, defaults (the `default`
 * network), engine-side names. The semantic checks the schema cannot express run here as the tables
 * of `checks.ts`, plus the dependency cycles between services.
 */
import { checkResources, checkService, reporter, type Checking, type Declared } from './checks.js';
import type { FileReader } from './files.js';
import { parseDotenv, DotenvError, unsetWarning, type DotenvUnset } from './dotenv.js';
import { located, type Issues } from './issues.js';
import type {
  DependsOn,
  NetworkConfig,
  Project,
  SecretConfig,
  ServiceConfig,
  ServiceVolume,
  VolumeConfig,
} from './model.js';
import { isMapping, put, type PathSeg, type Positions } from './positions.js';
import type { Lookup } from './template.js';

type Obj = Record<string, unknown>;

export interface NormalizeInput {
  root: Obj;
  name: string;
  workingDir: string;
  configFiles: string[];
  profiles: string[];
  lookup: Lookup;
  positions: Positions;
  issues: Issues;
  warnings: string[];
  /** Sources of files read here (env files), for code frames. */
  sources: Map<string, string>;
  files: FileReader;
  /** `config --no-interpolate`: values may still hold `${VAR}`, checked only once interpolated. */
  raw?: boolean;
  /** Loaded for `stack deploy`: secrets and configs are Swarm objects, not files berth copies or mounts. */
  swarm?: boolean;
  /** False for `config --no-normalize`: no implicit `default` network, no names made from keys. */
  normalize?: boolean;
}

const SERVICE_REF = /^service:(.+)$/;

export function normalizeProject(input: NormalizeInput): Project {
  const { root } = input;
  const services = mappingOf(root.services);
  const checking: Checking = {
    services,
    enabled: enabledServices(services, input.profiles),
    declared: declaredResources(root),
    containerNames: new Map(),
    report: reporter(input.positions, input.issues, input.configFiles[0]),
    lookup: input.lookup,
    warnings: input.warnings,
    warnAt: (obj, key, path, message, which = 'value') => {
      const pos = which === 'key' ? input.positions.keyAt(obj, key) : input.positions.valueAt(obj, key);
      input.warnings.push(located(pos, path, message));
    },
    pathKind: (path) => input.files.kind(path),
    raw: input.raw === true,
    swarm: input.swarm === true,
    normalize: input.normalize !== false,
  };
  const out: Project = {
    name: input.name,
    working_dir: input.workingDir,
    config_files: input.configFiles,
    services: {},
    networks: {},
    volumes: {},
  };
  const disabled: Record<string, ServiceConfig> = {};
  for (const [name, raw] of Object.entries(services)) {
    const svc = service(name, raw, input);
    if (!checking.enabled.has(name)) {
      disabled[name] = svc;
      continue;
    }
    out.services[name] = svc;
    checkService({ name, svc, raw }, checking);
  }
  reportCycles(out.services, services, input);
  checkResources(checking);
  addResources(out, checking.declared, root, usesDefaultNetwork(out.services), checking.normalize);
  if (Object.keys(disabled).length > 0) out.disabled_services = disabled;
  if (isMapping(root.models)) out.models = root.models;
  const ext = extensionsOf(root);
  if (Object.keys(ext).length > 0) out.extensions = ext;
  return out;
}

function mappingOf(v: unknown): Record<string, Obj> {
  return (isMapping(v) ? v : {}) as Record<string, Obj>;
}

/** `x-*` keys of a mapping. */
function extensionsOf(def: Obj): Obj {
  return Object.fromEntries(Object.entries(def).filter(([k]) => k.startsWith('x-')));
}

/** Profiles: services without profiles are always on; then whatever enabled services depend on. */
function enabledServices(services: Record<string, Obj>, profiles: string[]): Set<string> {
  const active = new Set(profiles);
  const enabled = new Set<string>();
  for (const [name, s] of Object.entries(services)) {
    const own = Array.isArray(s.profiles) ? (s.profiles as string[]) : [];
    if (own.length === 0 || active.has('*') || own.some((p) => active.has(p))) enabled.add(name);
  }
  const queue = [...enabled];
  while (queue.length > 0) {
    const s = services[queue.pop()!]!;
    for (const dep of Object.keys(isMapping(s.depends_on) ? s.depends_on : {})) {
      const d = (s.depends_on as Record<string, DependsOn>)[dep]!;
      if (services[dep] && !enabled.has(dep) && d.required !== false) {
        enabled.add(dep);
        queue.push(dep);
      }
    }
  }
  return enabled;
}

function declaredResources(root: Obj): Declared {
  return {
    networks: mappingOf(root.networks),
    volumes: mappingOf(root.volumes),
    secrets: mappingOf(root.secrets),
    configs: mappingOf(root.configs),
  };
}

/** Whether an enabled service joins the `default` network (every service that sets no network does). */
function usesDefaultNetwork(services: Record<string, ServiceConfig>): boolean {
  return Object.values(services).some((svc) => Object.keys(svc.networks).includes('default'));
}

/**
 * The top-level networks, volumes, secrets and configs, with their engine-side names. Not normalized
 * (`config --no-normalize`): as written, without the implicit `default` network or names from keys.
 */
function addResources(out: Project, declared: Declared, root: Obj, usesDefault: boolean, normalize: boolean): void {
  const prefix = normalize ? out.name : undefined;
  for (const [key, n] of Object.entries(declared.networks)) out.networks[key] = resource<NetworkConfig>(key, n, prefix);
  if (normalize && usesDefault && !out.networks.default) out.networks.default = { name: `${out.name}_default` };
  for (const [key, v] of Object.entries(declared.volumes)) out.volumes[key] = resource<VolumeConfig>(key, v, prefix);
  if (isMapping(root.secrets)) out.secrets = resources<SecretConfig>(declared.secrets, prefix);
  if (isMapping(root.configs)) out.configs = resources<SecretConfig>(declared.configs, prefix);
}

function resources<T>(defs: Record<string, Obj>, project: string | undefined): Record<string, T> {
  return Object.fromEntries(Object.entries(defs).map(([k, v]) => [k, resource<T>(k, v, project)]));
}

/** One definition, named by its `name`, else (normalizing: `project` given) as Compose names it from its key. */
function resource<T>(key: string, def: Obj, project: string | undefined): T {
  const out: Obj = {};
  for (const [k, v] of Object.entries(def)) if (!k.startsWith('x-')) put(out, k, v);
  const external = def.external === true;
  if (typeof def.name === 'string') out.name = def.name;
  else if (project !== undefined) out.name = external ? key : `${project}_${key}`;
  if (!external) delete out.external;
  const ext = extensionsOf(def);
  if (Object.keys(ext).length > 0) out.extensions = ext;
  return out as unknown as T;
}

function service(name: string, raw: Obj, input: NormalizeInput): ServiceConfig {
  const s: Obj = {};
  const extensions: Obj = {};
  for (const [k, v] of Object.entries(raw)) {
    if (k === 'extends') continue;
    if (k.startsWith('x-')) put(extensions, k, v);
    else put(s, k, v);
  }
  const svc = s as ServiceConfig;
  svc.name = name;
  svc.environment = environment(name, raw, input);
  svc.ports ??= [];
  svc.volumes ??= [] as ServiceVolume[];
  svc.networks ??= {};
  svc.depends_on ??= {};
  svc.labels = labels(name, raw, input);
  if (svc.network_mode !== undefined) svc.networks = {};
  if (Object.keys(extensions).length > 0) svc.extensions = extensions;
  return svc;
}

function readText(path: string, files: FileReader): string | undefined {
  try {
    return files.readText(path);
  } catch {
    return undefined;
  }
}

/** env_file entries (in order, later wins), then `environment`; bare keys resolved from the shell. */
function environment(name: string, raw: Obj, input: NormalizeInput): Record<string, string | null> {
  const env: Record<string, string | null> = {};
  const files = Array.isArray(raw.env_file)
    ? (raw.env_file as { path: string; required: boolean; format?: string }[])
    : [];
  files.forEach((f, i) => {
    const text = readText(f.path, input.files);
    if (text === undefined) {
      if (f.required) {
        input.issues.add(
          input.positions.valueAt(raw.env_file as object, i),
          ['services', name, 'env_file', i],
          `env file ${f.path} not found`,
          'create it, or mark it optional with "required: false"',
        );
      }
      return;
    }
    // No code frame for an env file: it would print the values on the lines around an error.
    try {
      const onUnset = (u: DotenvUnset): void => void input.warnings.push(unsetWarning(f.path, u));
      const vars = parseDotenv(text, {
        lookup: input.lookup,
        onUnset,
        ...(f.format === 'raw' ? { format: 'raw' as const } : {}),
      });
      for (const [k, v] of Object.entries(vars)) put(env, k, v);
    } catch (e) {
      if (!(e instanceof DotenvError)) throw e;
      input.issues.add({ file: f.path, line: e.line, column: e.column }, '', e.message);
    }
  });
  const own = isMapping(raw.environment) ? (raw.environment as Record<string, string | null>) : {};
  for (const [k, v] of Object.entries(own)) {
    if (v === null) {
      const fromShell = input.lookup(k);
      put(env, k, fromShell ?? (Object.prototype.hasOwnProperty.call(env, k) ? env[k]! : null));
    } else {
      put(env, k, v);
    }
  }
  return env;
}

/** label_file entries, then `labels`. */
function labels(name: string, raw: Obj, input: NormalizeInput): Record<string, string> {
  const out: Record<string, string> = {};
  const files = Array.isArray(raw.label_file) ? (raw.label_file as string[]) : [];
  files.forEach((f, i) => {
    const text = readText(f, input.files);
    if (text === undefined) {
      input.issues.add(
        input.positions.valueAt(raw.label_file as object, i),
        ['services', name, 'label_file', i],
        `label file ${f} not found`,
      );
      return;
    }
    try {
      for (const [k, v] of Object.entries(
        parseDotenv(text, { onUnset: (u) => void input.warnings.push(unsetWarning(f, u)) }),
      ))
        put(out, k, v);
    } catch (e) {
      if (!(e instanceof DotenvError)) throw e;
      input.issues.add({ file: f, line: e.line, column: e.column }, '', e.message);
    }
  });
  const own = isMapping(raw.labels) ? (raw.labels as Record<string, string>) : {};
  for (const [k, v] of Object.entries(own)) put(out, k, v);
  return out;
}

/** One "a needs b" reference, with where it is written. */
interface Edge {
  to: string;
  /** Document path of the reference. */
  path: PathSeg[];
  /** The container object and key holding it (for its position). */
  at: [object, PathSeg];
  which: 'key' | 'value';
}

/**
 * Edges of one service: depends_on, links, volumes_from and network_mode/ipc/pid `service:x`,
 * as the graph layer sees them, each with the place it is written.
 */
function serviceEdges(name: string, svc: ServiceConfig, raw: Obj): Edge[] {
  const edges: Edge[] = [];
  const path = (...rest: PathSeg[]): PathSeg[] => ['services', name, ...rest];
  for (const dep of Object.keys(svc.depends_on)) {
    if (isMapping(raw.depends_on))
      edges.push({ to: dep, path: path('depends_on', dep), at: [raw.depends_on, dep], which: 'key' });
  }
  (svc.links ?? []).forEach((l, i) => {
    if (Array.isArray(raw.links))
      edges.push({ to: l.split(':')[0]!, path: path('links', i), at: [raw.links, i], which: 'value' });
  });
  (svc.volumes_from ?? []).forEach((vf, i) => {
    if (vf.startsWith('container:') || !Array.isArray(raw.volumes_from)) return;
    edges.push({ to: vf.split(':')[0]!, path: path('volumes_from', i), at: [raw.volumes_from, i], which: 'value' });
  });
  for (const key of ['network_mode', 'ipc', 'pid'] as const) {
    const v = svc[key];
    const m = typeof v === 'string' ? SERVICE_REF.exec(v) : null;
    if (m) edges.push({ to: m[1]!, path: path(key), at: [raw, key], which: 'value' });
  }
  return edges.filter((e) => e.to !== name);
}

/**
 * Dependency cycles between the enabled services: each is reported once, at the reference that
 * closes it (the last edge of the cycle found walking the services in file order).
 */
function reportCycles(enabled: Record<string, ServiceConfig>, raws: Record<string, Obj>, input: NormalizeInput): void {
  const edges = new Map<string, Edge[]>();
  for (const [name, svc] of Object.entries(enabled))
    edges.set(
      name,
      serviceEdges(name, svc, raws[name]!).filter((e) => enabled[e.to] !== undefined),
    );
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const reported = new Set<string>();
  const visit = (n: string): void => {
    state.set(n, 'visiting');
    stack.push(n);
    for (const e of edges.get(n) ?? []) {
      const s = state.get(e.to);
      if (s === 'done') continue;
      if (s === undefined) {
        visit(e.to);
        continue;
      }
      const cycle = [...stack.slice(stack.indexOf(e.to)), e.to];
      const members = cycle.slice(0, -1);
      const key = [...members].sort().join('\u0000');
      if (reported.has(key)) continue;
      reported.add(key);
      const [obj, k] = e.at;
      const pos = e.which === 'key' ? input.positions.keyAt(obj, k) : input.positions.valueAt(obj, k);
      input.issues.add(
        pos,
        e.path,
        `dependency cycle: ${cycle.join(' -> ')}`,
        'services cannot wait for each other: remove one of the depends_on, links, volumes_from or "service:" references in the cycle',
        input.configFiles[0],
      );
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of edges.keys()) if (!state.has(n)) visit(n);
}
