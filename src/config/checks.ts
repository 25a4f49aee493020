/**
 * The semantic checks the schema cannot express (references to undeclared volumes, networks,
 * secrets, configs and services; settings that exclude each other), as tables keyed by the document
 * path each check is about. A table's order is the order its issues are reported in.
 */
import { didYouMean, type Issues } from './issues.js';
import type { ServiceConfig } from './model.js';
import { isMapping, type PathSeg, type Positions } from './positions.js';
import type { Lookup } from './template.js';
import type { PathKind } from './files.js';

type Obj = Record<string, unknown>;

/** Adds one issue at the key or the value `obj[key]` is written at. */
export type Report = (
  obj: object,
  key: PathSeg,
  path: PathSeg[],
  message: string,
  hint?: string,
  which?: 'key' | 'value',
) => void;

/** The top-level resources the stack declares, as written. */
export interface Declared {
  networks: Record<string, Obj>;
  volumes: Record<string, Obj>;
  secrets: Record<string, Obj>;
  configs: Record<string, Obj>;
}

/** What every check sees: the whole stack as written, and where issues and warnings go. */
export interface Checking {
  /** Every service as written, enabled or not. */
  services: Record<string, Obj>;
  enabled: Set<string>;
  declared: Declared;
  /** container_name -> the first enabled service that set it. */
  containerNames: Map<string, string>;
  report: Report;
  lookup: Lookup;
  warnings: string[];
  /** A warning at the key or value `obj[key]` is written at, naming its document path. */
  warnAt: (obj: object, key: PathSeg, path: PathSeg[], message: string, which?: 'key' | 'value') => void;
  /** What is at a host path (journaled, for the project cache). */
  pathKind: (path: string) => PathKind;
  /** `config --no-interpolate`: values may still hold `${VAR}`. */
  raw: boolean;
  /** Loaded for `stack deploy`: Swarm makes secrets and configs, with their uid, gid and mode. */
  swarm: boolean;
  /** False for `config --no-normalize`: a service that names no network is not put on `default`. */
  normalize: boolean;
}

/** One enabled service under check: its normalized form (which checks may trim) and its mapping as written. */
export interface ServiceUnderCheck {
  name: string;
  svc: ServiceConfig;
  raw: Obj;
}

type ServiceCheck = (s: ServiceUnderCheck, c: Checking) => void;

const SERVICE_REF = /^service:(.+)$/;

const at = (name: string, ...rest: PathSeg[]): PathSeg[] => ['services', name, ...rest];

/** A service needs something to run: an image, a build, or a provider. */
function needsImageOrBuild({ name, svc, raw }: ServiceUnderCheck, c: Checking): void {
  if (svc.image !== undefined || svc.build !== undefined || raw.provider !== undefined) return;
  c.report(
    c.services,
    name,
    at(name),
    `service "${name}" has neither an image nor a build context`,
    'add "image:" or "build:"',
    'key',
  );
}

/** A container name is one container's: not with replicas, not on two services. */
function checkContainerName({ name, svc, raw }: ServiceUnderCheck, c: Checking): void {
  if (svc.container_name === undefined) return;
  const replicas = svc.scale ?? svc.deploy?.replicas ?? 1;
  if (replicas > 1) {
    const via = svc.scale !== undefined ? 'scale' : 'deploy.replicas';
    c.report(
      raw,
      'container_name',
      at(name, 'container_name'),
      `service "${name}" sets "container_name" and runs ${replicas} containers (${via}), but a container name must be unique`,
      'remove "container_name", or run a single container',
    );
  }
  const other = c.containerNames.get(svc.container_name);
  if (other === undefined) {
    c.containerNames.set(svc.container_name, name);
    return;
  }
  c.report(
    raw,
    'container_name',
    at(name, 'container_name'),
    `container name "${svc.container_name}" is already used by service "${other}"`,
    'give each service its own container_name',
  );
}

const RESTART_POLICIES = ['no', 'always', 'on-failure', 'unless-stopped'];
const RESTART = /^(no|always|unless-stopped|on-failure(:[0-9]+)?)?$/;

/**
 * `restart:` is a plain string in the schema (as in Compose's), but the engine knows four policies:
 * anything else must not quietly become "no".
 */
function checkRestart({ name, raw }: ServiceUnderCheck, c: Checking): void {
  const value = raw.restart;
  if (typeof value !== 'string' || RESTART.test(value) || (c.raw && value.includes('$'))) return;
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
  c.report(raw, 'restart', at(name, 'restart'), message, hint);
}

function didYouMeanSuffix(word: string): string {
  const candidate = didYouMean(word, RESTART_POLICIES);
  return candidate === undefined ? '' : `; ${candidate}`;
}

const RESTART_CONDITIONS = ['none', 'on-failure', 'any'];
/** What Compose also maps, beside the Compose spec's three conditions. */
const ENGINE_POLICIES = ['no', 'always', 'unless-stopped'];

/** `deploy.restart_policy.condition` becomes the engine's restart policy: an unknown one must not become "no". */
function checkRestartCondition({ name, raw }: ServiceUnderCheck, c: Checking): void {
  const policy = mappingAt(raw, 'deploy', 'restart_policy');
  const condition = policy?.condition;
  if (typeof condition !== 'string' || (c.raw && condition.includes('$'))) return;
  if (RESTART_CONDITIONS.includes(condition) || ENGINE_POLICIES.includes(condition)) return;
  const suggestion = didYouMean(condition, RESTART_CONDITIONS);
  c.report(
    policy!,
    'condition',
    at(name, 'deploy', 'restart_policy', 'condition'),
    `"${condition}" is not a restart condition`,
    `use one of: none, on-failure, any${suggestion === undefined ? '' : `; ${suggestion}`}`,
  );
}

/** A service-level key and the `deploy.resources` field that is the same engine setting. */
const SAME_SETTING: readonly [keyof ServiceConfig, 'limits' | 'reservations', 'cpus' | 'memory' | 'pids'][] = [
  ['cpus', 'limits', 'cpus'],
  ['mem_limit', 'limits', 'memory'],
  ['mem_reservation', 'reservations', 'memory'],
  ['pids_limit', 'limits', 'pids'],
];

/** Two spellings of one setting with two values: Compose refuses the stack rather than pick one. */
function checkDistinctResources({ name, svc, raw }: ServiceUnderCheck, c: Checking): void {
  if (c.raw) return;
  for (const [key, kind, field] of SAME_SETTING) {
    const own = Number(svc[key] ?? 0);
    const deployed = svc.deploy?.resources?.[kind]?.[field as 'memory'];
    if (own === 0 || deployed === undefined || Number(deployed) === own) continue;
    c.report(
      mappingAt(raw, 'deploy', 'resources', kind)!,
      field,
      at(name, 'deploy', 'resources', kind, field),
      `"${key}" and "deploy.resources.${kind}.${field}" set distinct values`,
      'they are one engine setting: keep one of them, or give both the same value',
    );
  }
}

/** The mapping at `path` under `obj`, if every step is a mapping. */
function mappingAt(obj: Obj, ...path: string[]): Obj | undefined {
  let cur: unknown = obj;
  for (const k of path) cur = isMapping(cur) ? cur[k] : undefined;
  return isMapping(cur) ? cur : undefined;
}

/**
 * `networks` excludes `network_mode`; without either a service joins `default`; any other network
 * must be declared at the top level.
 */
function checkNetworks({ name, svc, raw }: ServiceUnderCheck, c: Checking): void {
  if (svc.network_mode !== undefined && isMapping(raw.networks) && Object.keys(raw.networks).length > 0) {
    c.report(
      raw,
      'network_mode',
      at(name, 'network_mode'),
      '"network_mode" and "networks" cannot both be set',
      'remove one of them',
    );
  }
  if (c.normalize && svc.network_mode === undefined && Object.keys(svc.networks).length === 0)
    svc.networks = { default: null };
  const declared = c.declared.networks;
  for (const net of Object.keys(svc.networks)) {
    if (net === 'default' || declared[net]) continue;
    c.report(
      raw.networks as object,
      net,
      at(name, 'networks', net),
      `service "${name}" uses network "${net}", which is not declared under the top-level "networks"`,
      didYouMean(net, Object.keys(declared)) ?? `declare it: networks: { ${net}: {} }`,
      'key',
    );
  }
}

/** A named volume must be declared at the top level (a path would be a bind mount). */
function checkVolumeRefs({ name, svc, raw }: ServiceUnderCheck, c: Checking): void {
  const declared = c.declared.volumes;
  svc.volumes.forEach((v, i) => {
    if (v.type !== 'volume' || v.source === undefined || declared[v.source]) return;
    c.report(
      raw.volumes as object,
      i,
      at(name, 'volumes', i),
      `service "${name}" uses volume "${v.source}", which is not declared under the top-level "volumes"`,
      didYouMean(v.source, Object.keys(declared)) ??
        `declare it: volumes: { ${v.source}: {} }, or write a path ("./${v.source}") for a bind mount`,
    );
  });
}

/**
 * A secret or config a service uses must be declared at the top level. One copied in (from
 * `environment` or `content`) cannot be written into a read-only root file system: an error, as in
 * Compose. One from a `file` is bind-mounted as it is: its `uid`, `gid` and `mode` are not applied
 * outside Swarm, which Compose warns about too.
 */
function refsDeclared(kind: 'secrets' | 'configs'): ServiceCheck {
  return ({ name, svc, raw }, c) => {
    const declared = c.declared[kind];
    const singular = kind.slice(0, -1);
    (svc[kind] ?? []).forEach((ref, i) => {
      const def = declared[ref.source];
      if (!def) {
        c.report(
          raw[kind] as object,
          i,
          at(name, kind, i),
          `service "${name}" uses ${singular} "${ref.source}", which is not declared under the top-level "${kind}"`,
          didYouMean(ref.source, Object.keys(declared)),
        );
        return;
      }
      if (c.swarm) return;
      const entry = (raw[kind] as unknown[])[i];
      const copied = def.environment !== undefined || def.content !== undefined;
      if (copied && svc.read_only === true)
        c.report(
          raw[kind] as object,
          i,
          at(name, kind, i),
          `cannot create ${singular} "${ref.source}" in read-only service "${name}": only "file" works with read_only`,
          `use "file:" for ${singular} "${ref.source}", or remove read_only`,
        );
      if (copied || def.file === undefined || !isMapping(entry)) return;
      for (const field of ['uid', 'gid', 'mode'] as const) {
        if (entry[field] === undefined) continue;
        c.warnAt(
          entry,
          field,
          at(name, kind, i, field),
          `not applied: ${singular} "${ref.source}" comes from a file, which is bind-mounted as it is; ${field} applies outside Swarm only to one from "environment"${kind === 'configs' ? ' or "content"' : ''}`,
          'key',
        );
      }
    });
  };
}

/**
 * A service cannot depend on itself or on a service the stack lacks (unless `required: false`);
 * a dependency on a service left out by profiles, or an optional one on a missing service, is dropped.
 */
function checkDependsOn({ name, svc, raw }: ServiceUnderCheck, c: Checking): void {
  for (const [dep, d] of Object.entries(svc.depends_on)) {
    const report = (message: string, hint?: string): void =>
      c.report(raw.depends_on as object, dep, at(name, 'depends_on', dep), message, hint, 'key');
    if (dep === name) report(`service "${name}" depends on itself`);
    else if (c.services[dep]) {
      if (!c.enabled.has(dep)) delete svc.depends_on[dep];
    } else if (d.required)
      report(`service "${name}" depends on undefined service "${dep}"`, didYouMean(dep, Object.keys(c.services)));
    else delete svc.depends_on[dep];
  }
}

/** `service:x` in network_mode, ipc or pid must name a service of the stack. */
function serviceRef(key: 'network_mode' | 'ipc' | 'pid'): ServiceCheck {
  return ({ name, svc, raw }, c) => {
    const value = svc[key];
    const m = value === undefined ? null : SERVICE_REF.exec(value);
    if (!m || c.services[m[1]!]) return;
    c.report(
      raw,
      key,
      at(name, key),
      `"${value!}" refers to undefined service "${m[1]!}"`,
      didYouMean(m[1]!, Object.keys(c.services)),
    );
  };
}

/** Each link names a service of the stack. */
function checkLinks({ name, svc, raw }: ServiceUnderCheck, c: Checking): void {
  (svc.links ?? []).forEach((l, i) => {
    const target = l.split(':')[0]!;
    if (c.services[target]) return;
    c.report(
      raw.links as object,
      i,
      at(name, 'links', i),
      `link to undefined service "${target}"`,
      didYouMean(target, Object.keys(c.services)),
    );
  });
}

/** Each volumes_from names a service of the stack, or a container (`container:x`). */
function checkVolumesFrom({ name, svc, raw }: ServiceUnderCheck, c: Checking): void {
  (svc.volumes_from ?? []).forEach((vf, i) => {
    const target = vf.split(':')[0]!;
    if (vf.startsWith('container:') || c.services[target]) return;
    c.report(
      raw.volumes_from as object,
      i,
      at(name, 'volumes_from', i),
      `volumes_from refers to undefined service "${target}"`,
      didYouMean(target, Object.keys(c.services)),
    );
  });
}

const SYNCS = new Set(['sync', 'sync+restart', 'sync+exec']);

/**
 * `develop.watch` rules that could never work, as Compose refuses them when watching starts: a sync
 * without a target, a rebuild of a service that is not built, a `sync+exec` without a command.
 */
function checkWatchRules({ name, svc, raw }: ServiceUnderCheck, c: Checking): void {
  const written = isMapping(raw.develop) && Array.isArray(raw.develop.watch) ? (raw.develop.watch as unknown[]) : [];
  (svc.develop?.watch ?? []).forEach((w, i) => {
    const rule = isMapping(written[i]) ? written[i] : raw;
    const path = at(name, 'develop', 'watch', i);
    if (SYNCS.has(w.action) && !w.target)
      c.report(
        rule,
        'action',
        [...path, 'action'],
        `action "${w.action}" needs a "target"`,
        'add the path in the container the files go to, as "target:"',
      );
    if (w.action === 'rebuild' && svc.build === undefined)
      c.report(
        rule,
        'action',
        [...path, 'action'],
        `service "${name}" has no "build:": action "rebuild" cannot rebuild it`,
        'add "build:", or use "sync+restart" or "restart"',
      );
    if (w.action === 'sync+exec' && !w.exec?.command?.length)
      c.report(
        rule,
        'action',
        [...path, 'action'],
        'action "sync+exec" needs an "exec" with a "command"',
        'add "exec: {command: ...}"',
      );
  });
}

/** The checks of each enabled service, in the order their issues are reported. */
export const SERVICE_CHECKS: Readonly<Record<string, ServiceCheck>> = {
  'services.*': needsImageOrBuild,
  'services.*.container_name': checkContainerName,
  'services.*.restart': checkRestart,
  'services.*.deploy.restart_policy.condition': checkRestartCondition,
  'services.*.deploy.resources': checkDistinctResources,
  'services.*.networks': checkNetworks,
  'services.*.volumes': checkVolumeRefs,
  'services.*.secrets': refsDeclared('secrets'),
  'services.*.configs': refsDeclared('configs'),
  'services.*.depends_on': checkDependsOn,
  'services.*.network_mode': serviceRef('network_mode'),
  'services.*.ipc': serviceRef('ipc'),
  'services.*.pid': serviceRef('pid'),
  'services.*.links': checkLinks,
  'services.*.volumes_from': checkVolumesFrom,
  'services.*.develop.watch': checkWatchRules,
};

/** Runs every service check on one enabled service. */
export function checkService(s: ServiceUnderCheck, c: Checking): void {
  for (const check of Object.values(SERVICE_CHECKS)) check(s, c);
}

type ResourceKind = keyof Declared;

/** One top-level resource under check: `<kind>.<key>`, as written. */
interface ResourceUnderCheck {
  kind: ResourceKind;
  key: string;
  def: Obj;
}

type ResourceCheck = (r: ResourceUnderCheck, c: Checking) => void;

/** An external resource is only referenced, never created: nothing but its name may be set. */
function externalOnlyNamed({ kind, key, def }: ResourceUnderCheck, c: Checking): void {
  if (def.external !== true) return;
  const singular = kind.slice(0, -1);
  for (const field of Object.keys(def)) {
    if (field === 'external' || field === 'name' || field.startsWith('x-')) continue;
    c.report(
      def,
      field,
      [kind, key, field],
      `conflicting parameters "external" and "${field}" specified for ${singular} "${key}"`,
      `an external ${singular} already exists and is not created by berth: remove "${field}", or remove "external"`,
      'key',
    );
  }
}

/** The keys of the secrets or configs that enabled services use. */
function usedByEnabled(kind: ResourceKind, c: Checking): Set<string> {
  const used = new Set<string>();
  for (const name of c.enabled) {
    const refs = c.services[name]?.[kind];
    if (!Array.isArray(refs)) continue;
    for (const r of refs) if (isMapping(r) && typeof r.source === 'string') used.add(r.source);
  }
  return used;
}

/**
 * A secret or config says where its content comes from. One a service uses must have it, before
 * anything is created: a variable that is set, a file that exists (Compose finds out only when the
 * engine refuses the mount, or the copy, after the containers before it were made). An unused one
 * with an unset variable is a warning.
 */
function needsSource({ kind, key, def }: ResourceUnderCheck, c: Checking): void {
  const singular = kind.slice(0, -1);
  const sources = ['file', 'environment', 'content', 'external'].filter(
    (k) => def[k] !== undefined && def[k] !== false,
  );
  if (sources.length === 0)
    c.report(
      c.declared[kind],
      key,
      [kind, key],
      `${singular} "${key}" needs one of "file", "environment"${kind === 'configs' ? ', "content"' : ''} or "external"`,
      undefined,
      'key',
    );
  const used = usedByEnabled(kind, c).has(key);
  if (typeof def.environment === 'string' && c.lookup(def.environment) === undefined) {
    if (used)
      c.report(
        def,
        'environment',
        [kind, key, 'environment'],
        `environment variable ${def.environment} required by ${singular} "${key}" is not set`,
        `set ${def.environment} in the shell or in .env`,
      );
    else c.warnings.push(`${singular} "${key}": environment variable ${def.environment} is not set`);
  }
  if (used && !c.raw && typeof def.file === 'string' && c.pathKind(def.file) === 'missing')
    c.report(
      def,
      'file',
      [kind, key, 'file'],
      `file ${def.file} required by ${singular} "${key}" does not exist`,
      'create it, or point "file" at an existing one',
    );
}

/**
 * The checks of the top-level resources, in the order their issues are reported; each runs on every
 * entry of the collection its path starts with.
 */
export const RESOURCE_CHECKS: Readonly<Record<string, ResourceCheck>> = {
  'networks.*.external': externalOnlyNamed,
  'volumes.*.external': externalOnlyNamed,
  'secrets.*.external': externalOnlyNamed,
  'configs.*.external': externalOnlyNamed,
  'secrets.*': needsSource,
  'configs.*': needsSource,
};

/** Runs every resource check on every declared resource of its kind. */
export function checkResources(c: Checking): void {
  for (const [path, check] of Object.entries(RESOURCE_CHECKS)) {
    const kind = path.split('.')[0] as ResourceKind;
    for (const [key, def] of Object.entries(c.declared[kind])) check({ kind, key, def }, c);
  }
}

/** Where `report` puts an issue: the position of `obj[key]` (its key or its value), in the stack's files. */
export function reporter(positions: Positions, issues: Issues, fallbackFile: string | undefined): Report {
  return (obj, key, path, message, hint, which = 'value') => {
    const pos = which === 'key' ? positions.keyAt(obj, key) : positions.valueAt(obj, key);
    issues.add(pos, path, message, hint, fallbackFile);
  };
}
