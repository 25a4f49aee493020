/**
 * The merged, long-form tree -> the `Project` model: profiles, env_file, defaults (the `default`
 * network), engine-side names, and the semantic checks the schema cannot express (references to
 * undeclared volumes, networks, secrets, configs and services).
 */
import type { FileReader } from './files.js';
import { parseDotenv, DotenvError, unsetWarning, type DotenvUnset } from './dotenv.js';
import { didYouMean, type Issues } from './issues.js';
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
}

const SERVICE_REF = /^service:(.+)$/;

export function normalizeProject(input: NormalizeInput): Project {
  const { root, positions, issues } = input;
  const services = (isMapping(root.services) ? root.services : {}) as Record<string, Obj>;
  const err = (
    obj: object,
    key: PathSeg,
    path: PathSeg[],
    message: string,
    hint?: string,
    which: 'key' | 'value' = 'value',
  ): void => {
    const pos = which === 'key' ? positions.keyAt(obj, key) : positions.valueAt(obj, key);
    issues.add(pos, path, message, hint, input.configFiles[0]);
  };

  // Profiles: services without profiles are always on; then whatever enabled services depend on.
  const active = new Set(input.profiles);
  const enabled = new Set<string>();
  for (const [name, s] of Object.entries(services)) {
    const profiles = Array.isArray(s.profiles) ? (s.profiles as string[]) : [];
    if (profiles.length === 0 || active.has('*') || profiles.some((p) => active.has(p))) enabled.add(name);
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

  const out: Project = {
    name: input.name,
    working_dir: input.workingDir,
    config_files: input.configFiles,
    services: {},
    networks: {},
    volumes: {},
  };
  const disabled: Record<string, ServiceConfig> = {};

  const declared = {
    networks: (isMapping(root.networks) ? root.networks : {}) as Record<string, Obj>,
    volumes: (isMapping(root.volumes) ? root.volumes : {}) as Record<string, Obj>,
    secrets: (isMapping(root.secrets) ? root.secrets : {}) as Record<string, Obj>,
    configs: (isMapping(root.configs) ? root.configs : {}) as Record<string, Obj>,
  };
  let usesDefault = false;
  const containerNames = new Map<string, string>();

  for (const [name, raw] of Object.entries(services)) {
    const svc = service(name, raw, input);
    if (!enabled.has(name)) {
      disabled[name] = svc;
      continue;
    }
    out.services[name] = svc;
    const path = (...rest: PathSeg[]): PathSeg[] => ['services', name, ...rest];

    if (svc.image === undefined && svc.build === undefined && raw.provider === undefined) {
      err(
        services,
        name,
        path(),
        `service "${name}" has neither an image nor a build context`,
        'add "image:" or "build:"',
        'key',
      );
    }

    const replicas = svc.scale ?? svc.deploy?.replicas ?? 1;
    if (svc.container_name !== undefined && replicas > 1) {
      const via = svc.scale !== undefined ? 'scale' : 'deploy.replicas';
      err(
        raw,
        'container_name',
        path('container_name'),
        `service "${name}" sets "container_name" and runs ${replicas} containers (${via}), but a container name must be unique`,
        'remove "container_name", or run a single container',
      );
    }
    if (svc.container_name !== undefined) {
      const other = containerNames.get(svc.container_name);
      if (other !== undefined)
        err(
          raw,
          'container_name',
          path('container_name'),
          `container name "${svc.container_name}" is already used by service "${other}"`,
          'give each service its own container_name',
        );
      else containerNames.set(svc.container_name, name);
    }

    checkRestart(name, raw, input);

    if (svc.network_mode !== undefined && isMapping(raw.networks) && Object.keys(raw.networks).length > 0) {
      err(
        raw,
        'network_mode',
        path('network_mode'),
        '"network_mode" and "networks" cannot both be set',
        'remove one of them',
      );
    }
    if (svc.network_mode === undefined && Object.keys(svc.networks).length === 0) svc.networks = { default: null };
    for (const net of Object.keys(svc.networks)) {
      if (net === 'default') {
        usesDefault = true;
        continue;
      }
      if (!declared.networks[net]) {
        err(
          raw.networks as object,
          net,
          path('networks', net),
          `service "${name}" uses network "${net}", which is not declared under the top-level "networks"`,
          didYouMean(net, Object.keys(declared.networks)) ?? `declare it: networks: { ${net}: {} }`,
          'key',
        );
      }
    }
    svc.volumes.forEach((v, i) => {
      if (v.type === 'volume' && v.source !== undefined && !declared.volumes[v.source]) {
        err(
          raw.volumes as object,
          i,
          path('volumes', i),
          `service "${name}" uses volume "${v.source}", which is not declared under the top-level "volumes"`,
          didYouMean(v.source, Object.keys(declared.volumes)) ??
            `declare it: volumes: { ${v.source}: {} }, or write a path ("./${v.source}") for a bind mount`,
        );
      }
    });
    for (const kind of ['secrets', 'configs'] as const) {
      (svc[kind] ?? []).forEach((ref, i) => {
        if (!declared[kind][ref.source]) {
          err(
            raw[kind] as object,
            i,
            path(kind, i),
            `service "${name}" uses ${kind.slice(0, -1)} "${ref.source}", which is not declared under the top-level "${kind}"`,
            didYouMean(ref.source, Object.keys(declared[kind])),
          );
        }
      });
    }
    for (const [dep, d] of Object.entries(svc.depends_on)) {
      if (dep === name) {
        err(
          raw.depends_on as object,
          dep,
          path('depends_on', dep),
          `service "${name}" depends on itself`,
          undefined,
          'key',
        );
      } else if (!services[dep]) {
        if (d.required)
          err(
            raw.depends_on as object,
            dep,
            path('depends_on', dep),
            `service "${name}" depends on undefined service "${dep}"`,
            didYouMean(dep, Object.keys(services)),
            'key',
          );
        else delete svc.depends_on[dep];
      } else if (!enabled.has(dep)) {
        delete svc.depends_on[dep];
      }
    }
    const refs: [string, string | undefined][] = [
      ['network_mode', svc.network_mode],
      ['ipc', svc.ipc],
      ['pid', svc.pid],
    ];
    for (const [key, v] of refs) {
      const m = v === undefined ? null : SERVICE_REF.exec(v);
      if (m && !services[m[1]!])
        err(
          raw,
          key,
          path(key),
          `"${v!}" refers to undefined service "${m[1]!}"`,
          didYouMean(m[1]!, Object.keys(services)),
        );
    }
    (svc.links ?? []).forEach((l, i) => {
      const target = l.split(':')[0]!;
      if (!services[target])
        err(
          raw.links as object,
          i,
          path('links', i),
          `link to undefined service "${target}"`,
          didYouMean(target, Object.keys(services)),
        );
    });
    (svc.volumes_from ?? []).forEach((vf, i) => {
      if (vf.startsWith('container:')) return;
      const target = vf.split(':')[0]!;
      if (!services[target])
        err(
          raw.volumes_from as object,
          i,
          path('volumes_from', i),
          `volumes_from refers to undefined service "${target}"`,
          didYouMean(target, Object.keys(services)),
        );
    });
  }

  reportCycles(out.services, services, input);

  // An external resource is only referenced, never created: nothing but its name may be set.
  for (const kind of ['networks', 'volumes', 'secrets', 'configs'] as const) {
    for (const [key, def] of Object.entries(declared[kind])) {
      if (def.external !== true) continue;
      for (const field of Object.keys(def)) {
        if (field === 'external' || field === 'name' || field.startsWith('x-')) continue;
        err(
          def,
          field,
          [kind, key, field],
          `conflicting parameters "external" and "${field}" specified for ${kind.slice(0, -1)} "${key}"`,
          `an external ${kind.slice(0, -1)} already exists and is not created by berth: remove "${field}", or remove "external"`,
          'key',
        );
      }
    }
  }

  for (const [key, n] of Object.entries(declared.networks))
    out.networks[key] = resource<NetworkConfig>(key, n, input.name);
  if (usesDefault && !out.networks.default) out.networks.default = { name: `${input.name}_default` };
  for (const [key, v] of Object.entries(declared.volumes))
    out.volumes[key] = resource<VolumeConfig>(key, v, input.name);
  if (isMapping(root.secrets))
    out.secrets = Object.fromEntries(
      Object.entries(declared.secrets).map(([k, v]) => [k, resource<SecretConfig>(k, v, input.name)]),
    );
  if (isMapping(root.configs))
    out.configs = Object.fromEntries(
      Object.entries(declared.configs).map(([k, v]) => [k, resource<SecretConfig>(k, v, input.name)]),
    );
  for (const [kind, group] of [
    ['secrets', declared.secrets],
    ['configs', declared.configs],
  ] as const) {
    for (const [key, def] of Object.entries(group)) {
      const sources = ['file', 'environment', 'content', 'external'].filter(
        (k) => def[k] !== undefined && def[k] !== false,
      );
      if (sources.length === 0)
        err(
          group,
          key,
          [kind, key],
          `${kind.slice(0, -1)} "${key}" needs one of "file", "environment"${kind === 'configs' ? ', "content"' : ''} or "external"`,
          undefined,
          'key',
        );
      if (typeof def.environment === 'string' && input.lookup(def.environment) === undefined) {
        input.warnings.push(`${kind.slice(0, -1)} "${key}": environment variable ${def.environment} is not set`);
      }
    }
  }
  if (Object.keys(disabled).length > 0) out.disabled_services = disabled;
  const ext = Object.fromEntries(Object.entries(root).filter(([k]) => k.startsWith('x-')));
  if (Object.keys(ext).length > 0) out.extensions = ext;
  return out;
}

const RESTART_POLICIES = ['no', 'always', 'on-failure', 'unless-stopped'];
const RESTART = /^(no|always|unless-stopped|on-failure(:[0-9]+)?)?$/;

/**
 * `restart:` is a plain string in the schema (as in Compose's), but the engine knows four policies:
 * anything else must not quietly become "no".
 */
function checkRestart(name: string, raw: Obj, input: NormalizeInput): void {
  const value = raw.restart;
  if (typeof value !== 'string' || RESTART.test(value) || (input.raw && value.includes('$'))) return;
  const policy = value.split(':')[0]!;
  let message = `"${value}" is not a restart policy`;
  let hint = `use one of: no, always, on-failure[:N] (give up after N retries), unless-stopped${didYouMeanSuffix(policy)}`;
  if (policy === 'on-failure') {
    message = `"${value}": the number of retries must be a whole number`;
    hint = 'write "on-failure" or "on-failure:N", for example "on-failure:5"';
  } else if (RESTART_POLICIES.includes(policy)) {
    message = `"${value}": only on-failure takes a number of retries`;
    hint = `write "${policy}", or "on-failure:N" to give up after N retries`;
  }
  input.issues.add(
    input.positions.valueAt(raw, 'restart'),
    ['services', name, 'restart'],
    message,
    hint,
    input.configFiles[0],
  );
}

function didYouMeanSuffix(word: string): string {
  const c = didYouMean(word, RESTART_POLICIES);
  return c === undefined ? '' : `; ${c}`;
}

function resource<T>(key: string, def: Obj, project: string): T {
  const out: Obj = {};
  for (const [k, v] of Object.entries(def)) if (!k.startsWith('x-')) put(out, k, v);
  const external = def.external === true;
  out.name = typeof def.name === 'string' ? def.name : external ? key : `${project}_${key}`;
  if (!external) delete out.external;
  const ext = Object.fromEntries(Object.entries(def).filter(([k]) => k.startsWith('x-')));
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
