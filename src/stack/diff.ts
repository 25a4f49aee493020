/**
 * A desired service spec against the one the swarm holds, field by field, in the stack file's words
 * (`environment.FOO changed`, `image app:1→app:2`, `deploy.replicas 1→3`). One table keyed by the
 * compose key: each entry reads its part of a spec and says what the swarm takes for "not set" (a
 * restart policy of `any` after 5s, a stop grace period of 10s, ...), so a spec that `docker stack
 * deploy` wrote (which spells some defaults out) and berth's (which leaves them out) compare equal.
 * Values are never printed, except an image and a replica count: an environment value may be a secret.
 */
import type { SwarmServiceSpec } from '../runtime/runtime.js';
import { IMAGE_LABEL, NAMESPACE_LABEL } from './translate.js';

type Obj = Record<string, unknown>;

/** What the comparison needs besides the two specs: a network's name by its id (the swarm stores ids). */
export interface DiffContext {
  networkName(idOrName: string): string;
}

/** Drops what the engine treats as unset (undefined, null, false, 0, "", [], {}), and sorts keys. */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(canonical).filter((v) => v !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    const out: Obj = {};
    for (const k of Object.keys(value).sort()) {
      const v = canonical((value as Obj)[k]);
      if (v !== undefined) out[k] = v;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  if (value === null || value === false || value === 0 || value === '') return undefined;
  return value;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

const cs = (s: SwarmServiceSpec): Obj => s.TaskTemplate.ContainerSpec;
const tt = (s: SwarmServiceSpec): Obj => s.TaskTemplate;

/** Default values the swarm fills in or acts on when a field is unset. */
const RESTART_DEFAULT = { Condition: 'any', Delay: 5e9, MaxAttempts: 0 };
const UPDATE_DEFAULT = {
  Parallelism: 1,
  FailureAction: 'pause',
  Monitor: 5e9,
  MaxFailureRatio: 0,
  Order: 'stop-first',
};

function withDefaults(value: unknown, defaults: Obj): Obj {
  return { ...defaults, ...((canonical(value) as Obj | undefined) ?? {}) };
}

function fileRefs(refs: unknown): unknown {
  return ((refs as Obj[] | undefined) ?? [])
    .map((r) => ({ name: r.SecretName ?? r.ConfigName, file: r.File }))
    .sort((a, b) => String(a.name).localeCompare(String(b.name)));
}

function sortedBy(items: unknown, key: (o: Obj) => string): Obj[] {
  return [...((items as Obj[] | undefined) ?? [])].sort((a, b) => key(a).localeCompare(key(b)));
}

/** A compared field: its name in the file, and the part of a spec it reads (with the swarm's defaults). */
interface Field {
  name: string;
  get(spec: SwarmServiceSpec, ctx: DiffContext): unknown;
  /** Says what changed; default: `<name> changed`. */
  describe?(desired: unknown, current: unknown): string[];
}

/** Per-key reasons for two string maps: `<prefix>.KEY changed|added|removed`. */
function keyReasons(prefix: string, desired: unknown, current: unknown): string[] {
  const d = (desired as Record<string, string> | undefined) ?? {};
  const c = (current as Record<string, string> | undefined) ?? {};
  const keys = [...new Set([...Object.keys(d), ...Object.keys(c)])].sort();
  return keys.flatMap((k) => {
    if (!(k in c)) return [`${prefix}.${k} added`];
    if (!(k in d)) return [`${prefix}.${k} removed`];
    return d[k] === c[k] ? [] : [`${prefix}.${k} changed`];
  });
}

function envMap(env: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of (env as string[] | undefined) ?? []) {
    const i = e.indexOf('=');
    out[i < 0 ? e : e.slice(0, i)] = i < 0 ? '\0unset' : e.slice(i + 1);
  }
  return out;
}

function without(labels: unknown, ...keys: string[]): Record<string, string> {
  const out = { ...((labels as Record<string, string> | undefined) ?? {}) };
  for (const k of keys) delete out[k];
  return out;
}

const FIELDS: Field[] = [
  {
    name: 'environment',
    get: (s) => envMap(cs(s).Env),
    describe: (d, c) => keyReasons('environment', d, c),
  },
  { name: 'command', get: (s) => cs(s).Args },
  { name: 'entrypoint', get: (s) => cs(s).Command },
  {
    name: 'labels',
    get: (s) => without(cs(s).Labels, NAMESPACE_LABEL),
    describe: (d, c) => keyReasons('labels', d, c),
  },
  {
    name: 'deploy.labels',
    get: (s) => without(s.Labels, NAMESPACE_LABEL, IMAGE_LABEL),
    describe: (d, c) => keyReasons('deploy.labels', d, c),
  },
  { name: 'hostname', get: (s) => cs(s).Hostname },
  { name: 'user', get: (s) => cs(s).User },
  { name: 'working_dir', get: (s) => cs(s).Dir },
  { name: 'tty', get: (s) => cs(s).TTY },
  { name: 'stdin_open', get: (s) => cs(s).OpenStdin },
  { name: 'stop_signal', get: (s) => cs(s).StopSignal },
  { name: 'stop_grace_period', get: (s) => cs(s).StopGracePeriod ?? 10e9 },
  { name: 'healthcheck', get: (s) => cs(s).Healthcheck },
  { name: 'volumes', get: (s) => cs(s).Mounts },
  { name: 'secrets', get: (s) => fileRefs(cs(s).Secrets) },
  { name: 'configs', get: (s) => fileRefs(cs(s).Configs) },
  { name: 'extra_hosts', get: (s) => cs(s).Hosts },
  { name: 'dns', get: (s) => cs(s).DNSConfig },
  { name: 'read_only', get: (s) => cs(s).ReadOnly },
  { name: 'init', get: (s) => cs(s).Init },
  { name: 'sysctls', get: (s) => cs(s).Sysctls },
  { name: 'cap_add', get: (s) => cs(s).CapabilityAdd },
  { name: 'cap_drop', get: (s) => cs(s).CapabilityDrop },
  { name: 'ulimits', get: (s) => sortedBy(cs(s).Ulimits, (u) => String(u.Name)) },
  { name: 'isolation', get: (s) => (cs(s).Isolation === 'default' ? undefined : cs(s).Isolation) },
  { name: 'oom_score_adj', get: (s) => cs(s).OomScoreAdj },
  { name: 'logging', get: (s) => tt(s).LogDriver },
  { name: 'deploy.resources', get: (s) => tt(s).Resources },
  { name: 'deploy.restart_policy', get: (s) => withDefaults(tt(s).RestartPolicy, RESTART_DEFAULT) },
  {
    name: 'deploy.placement',
    get: (s) => {
      const p = (tt(s).Placement as Obj | undefined) ?? {};
      // The docker CLI adds the image's platforms when it pins a digest: not part of the file.
      return { Constraints: p.Constraints, Preferences: p.Preferences, MaxReplicas: p.MaxReplicas };
    },
  },
  {
    name: 'networks',
    get: (s, ctx) =>
      sortedBy(
        (tt(s).Networks as Obj[] | undefined)?.map((n) => ({
          Target: ctx.networkName(String(n.Target)),
          Aliases: [...((n.Aliases as string[] | undefined) ?? [])].sort(),
          DriverOpts: n.DriverOpts,
        })),
        (n) => String(n.Target),
      ),
  },
  { name: 'deploy.mode', get: (s) => Object.keys(canonical(s.Mode ?? { Replicated: {} }) ?? { Replicated: {} }) },
  {
    name: 'deploy.replicas',
    get: (s) => (s.Mode?.Replicated ? (s.Mode.Replicated.Replicas ?? 1) : undefined),
    describe: (d, c) => [`deploy.replicas ${String(c)}→${String(d)}`],
  },
  { name: 'deploy.update_config', get: (s) => withDefaults(s.UpdateConfig, UPDATE_DEFAULT) },
  { name: 'deploy.rollback_config', get: (s) => withDefaults(s.RollbackConfig, UPDATE_DEFAULT) },
  { name: 'deploy.endpoint_mode', get: (s) => s.EndpointSpec?.Mode ?? 'vip' },
  {
    name: 'ports',
    get: (s) =>
      [...(s.EndpointSpec?.Ports ?? [])]
        .map((p) => ({ ...p, Protocol: p.Protocol ?? 'tcp', PublishMode: p.PublishMode ?? 'ingress' }))
        .sort((a, b) => a.TargetPort - b.TargetPort || a.Protocol.localeCompare(b.Protocol)),
  },
];

/** The image as the file names it: the stack label, else the spec's image. */
export function fileImage(spec: SwarmServiceSpec): string {
  return spec.Labels[IMAGE_LABEL] ?? spec.TaskTemplate.ContainerSpec.Image;
}

/**
 * Why `desired` differs from `current`, one reason per changed field (none: nothing to update). The
 * image is compared as the file names it (the stack label), and by the pinned image when the caller
 * resolved one.
 */
export function serviceChanges(desired: SwarmServiceSpec, current: SwarmServiceSpec, ctx: DiffContext): string[] {
  const reasons: string[] = [];
  const was = fileImage(current);
  const now = fileImage(desired);
  if (was !== now) reasons.push(`image ${was}→${now}`);
  else if (desired.TaskTemplate.ContainerSpec.Image !== current.TaskTemplate.ContainerSpec.Image)
    reasons.push('image digest changed');
  for (const f of FIELDS) {
    const d = f.get(desired, ctx);
    const c = f.get(current, ctx);
    if (same(d, c)) continue;
    reasons.push(...(f.describe ? f.describe(d, c) : [`${f.name} changed`]));
  }
  return reasons;
}
