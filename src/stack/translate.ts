/**
 * The loaded stack as Swarm objects, named and labelled as `docker stack deploy` names and labels them
 * (docker/cli `cli/compose/convert`): services `<stack>_<service>` in the Engine API's `ServiceSpec`
 * shape, overlay networks, secrets and configs, each carrying `com.docker.stack.namespace`, so that
 * `docker stack ls/ps/rm` see a stack berth deployed and berth converges one docker made. Pure: the
 * contents of secrets and configs are read by the caller and handed in.
 */
import type { DeployConfig, Healthcheck, Project, ServiceConfig, ServiceVolume } from '../config/model.js';
import { parseDurationNs } from '../plan/duration.js';
import type {
  SwarmFileReference,
  SwarmNetworkSpec,
  SwarmObjectKind,
  SwarmObjectSpec,
  SwarmServiceSpec,
} from '../runtime/runtime.js';

export const NAMESPACE_LABEL = 'com.docker.stack.namespace';
export const IMAGE_LABEL = 'com.docker.stack.image';

/** A secret or config the stack declares, to create unless the swarm has it. */
export interface DesiredObject {
  kind: SwarmObjectKind;
  key: string;
  spec: SwarmObjectSpec;
}

export interface DesiredStack {
  namespace: string;
  /** By service name (the key in the file). */
  services: Record<string, SwarmServiceSpec>;
  /** The stack's own networks that some service joins. */
  networks: SwarmNetworkSpec[];
  /** Networks declared `external`: they must exist, in swarm scope. */
  externalNetworks: string[];
  objects: DesiredObject[];
  /** Secrets and configs declared `external`: they must exist. */
  externalObjects: { kind: SwarmObjectKind; name: string }[];
}

/** The contents of a declared secret or config (its file, variable or inline content), read by the caller. */
export type ObjectData = (kind: SwarmObjectKind, key: string) => Buffer;

function withNamespace(namespace: string, labels: Record<string, string> | undefined): Record<string, string> {
  return { ...labels, [NAMESPACE_LABEL]: namespace };
}

/** `[]`, `{}` and undefined are all "not set" for the engine: leave them out. */
function some<T>(v: T[] | undefined): T[] | undefined {
  return v && v.length > 0 ? v : undefined;
}

function ns(text: string | undefined): number | undefined {
  return text === undefined ? undefined : parseDurationNs(text);
}

export function translateStack(project: Project, namespace: string, data: ObjectData): DesiredStack {
  const used = new Set(Object.values(project.services).flatMap((s) => Object.keys(s.networks)));
  const networks: SwarmNetworkSpec[] = [];
  const externalNetworks: string[] = [];
  for (const [key, n] of Object.entries(project.networks)) {
    if (!used.has(key)) continue;
    if (n.external) externalNetworks.push(n.name);
    else
      networks.push({
        name: n.name,
        driver: n.driver ?? 'overlay',
        labels: withNamespace(namespace, n.labels),
        ...(n.driver_opts && { driverOpts: n.driver_opts }),
        ...(n.internal && { internal: true }),
        ...(n.attachable && { attachable: true }),
        ...(n.enable_ipv6 && { enableIpv6: true }),
        ...(n.ipam && {
          ipam: {
            ...(n.ipam.driver && { driver: n.ipam.driver }),
            config: (n.ipam.config ?? []).map((c) => ({
              ...(c.subnet && { subnet: c.subnet }),
              ...(c.gateway && { gateway: c.gateway }),
              ...(c.ip_range && { ipRange: c.ip_range }),
            })),
          },
        }),
      });
  }
  const objects: DesiredObject[] = [];
  const externalObjects: DesiredStack['externalObjects'] = [];
  for (const kind of ['secret', 'config'] as const)
    for (const [key, o] of Object.entries((kind === 'secret' ? project.secrets : project.configs) ?? {})) {
      if (o.external) externalObjects.push({ kind, name: o.name });
      else
        objects.push({
          kind,
          key,
          spec: { name: o.name, labels: withNamespace(namespace, o.labels), data: data(kind, key) },
        });
    }
  const services = Object.fromEntries(
    Object.values(project.services).map((s) => [s.name, serviceSpec(project, namespace, s)]),
  );
  return { namespace, services, networks, externalNetworks, objects, externalObjects };
}

/** One service as `docker stack deploy` converts it (convert/service.go `Service`). */
export function serviceSpec(project: Project, namespace: string, s: ServiceConfig): SwarmServiceSpec {
  const deploy: DeployConfig = s.deploy ?? {};
  const image = s.image ?? '';
  const spec: SwarmServiceSpec = {
    Name: `${namespace}_${s.name}`,
    Labels: { ...withNamespace(namespace, deploy.labels), [IMAGE_LABEL]: image },
    TaskTemplate: {
      ContainerSpec: containerSpec(project, namespace, s),
      ...(s.logging?.driver && { LogDriver: { Name: s.logging.driver, Options: s.logging.options ?? {} } }),
      Resources: resources(deploy),
      ...(restartPolicy(s) && { RestartPolicy: restartPolicy(s) }),
      Placement: placement(deploy),
      Networks: networks(project, s),
    },
    Mode: mode(deploy),
    EndpointSpec: {
      Mode: typeof deploy.endpoint_mode === 'string' ? deploy.endpoint_mode.toLowerCase() : 'vip',
      ...(s.ports.length > 0 && {
        Ports: s.ports
          .map((p) => ({
            Protocol: p.protocol,
            TargetPort: p.target,
            ...(p.published !== undefined && { PublishedPort: Number(p.published) }),
            PublishMode: p.mode,
          }))
          .sort((a, b) => a.TargetPort - b.TargetPort || (a.PublishedPort ?? 0) - (b.PublishedPort ?? 0)),
      }),
    },
  };
  const update = updateConfig(deploy.update_config);
  if (update) spec.UpdateConfig = update;
  const rollback = updateConfig(deploy.rollback_config);
  if (rollback) spec.RollbackConfig = rollback;
  return spec;
}

function containerSpec(
  project: Project,
  namespace: string,
  s: ServiceConfig,
): SwarmServiceSpec['TaskTemplate']['ContainerSpec'] {
  return { ...processFields(namespace, s), ...hostFields(project, namespace, s) };
}

/** What runs, as whom, with which environment, and how it stops. */
function processFields(namespace: string, s: ServiceConfig): SwarmServiceSpec['TaskTemplate']['ContainerSpec'] {
  const env = Object.entries(s.environment)
    .map(([k, v]) => (v === null ? k : `${k}=${v}`))
    .sort();
  const stop = ns(s.stop_grace_period);
  return {
    Image: s.image ?? '',
    Labels: withNamespace(namespace, s.labels),
    ...(some(s.entrypoint ?? undefined) && { Command: s.entrypoint! }),
    ...(some(s.command ?? undefined) && { Args: s.command! }),
    ...(s.healthcheck && { Healthcheck: healthcheck(s.healthcheck) }),
    ...(env.length > 0 && { Env: env }),
    ...(s.working_dir && { Dir: s.working_dir }),
    ...(s.user && { User: s.user }),
    ...(stop !== undefined && { StopGracePeriod: stop }),
    ...(s.stop_signal && { StopSignal: s.stop_signal }),
    ...(s.tty && { TTY: true }),
    ...(s.stdin_open && { OpenStdin: true }),
    ...(s.init !== undefined && { Init: s.init }),
    ...(s.oom_score_adj !== undefined && { OomScoreAdj: s.oom_score_adj }),
  };
}

/** What the task sees of its host: names, mounts, secrets, limits, capabilities. */
function hostFields(project: Project, namespace: string, s: ServiceConfig): Record<string, unknown> {
  const ulimits = Object.entries(s.ulimits ?? {})
    .map(([Name, u]) => ({ Name, Soft: u.soft, Hard: u.hard }))
    .sort((a, b) => a.Name.localeCompare(b.Name));
  const dns = { ...(some(s.dns) && { Nameservers: s.dns }), ...(some(s.dns_search) && { Search: s.dns_search }) };
  return {
    ...(s.hostname && { Hostname: s.hostname }),
    ...(some(s.extra_hosts) && { Hosts: s.extra_hosts!.map(hostsEntry) }),
    ...(Object.keys(dns).length > 0 && { DNSConfig: dns }),
    ...(s.volumes.length > 0 && { Mounts: s.volumes.map((v) => mount(project, namespace, v)) }),
    ...(some(s.secrets) && { Secrets: fileRefs(project, 'secret', s) }),
    ...(some(s.configs) && { Configs: fileRefs(project, 'config', s) }),
    ...(s.read_only && { ReadOnly: true }),
    ...(s.isolation && { Isolation: s.isolation }),
    ...(s.sysctls && Object.keys(s.sysctls).length > 0 && { Sysctls: s.sysctls }),
    ...(some(s.cap_add) && { CapabilityAdd: s.cap_add }),
    ...(some(s.cap_drop) && { CapabilityDrop: s.cap_drop }),
    ...(ulimits.length > 0 && { Ulimits: ulimits }),
  };
}

/** `host:ip` (or `host=ip`) -> Swarm's "ip host". */
function hostsEntry(entry: string): string {
  const m = /^([^:=]+)[:=](.*)$/.exec(entry);
  return m ? `${m[2]} ${m[1]}` : entry;
}

function healthcheck(h: Healthcheck): Record<string, unknown> {
  if (h.disable) return { Test: ['NONE'] };
  return {
    ...(h.test && { Test: h.test }),
    ...(ns(h.interval) && { Interval: ns(h.interval) }),
    ...(ns(h.timeout) && { Timeout: ns(h.timeout) }),
    ...(ns(h.start_period) && { StartPeriod: ns(h.start_period) }),
    ...(ns(h.start_interval) && { StartInterval: ns(h.start_interval) }),
    ...(h.retries !== undefined && { Retries: h.retries }),
  };
}

function mount(project: Project, namespace: string, v: ServiceVolume): Record<string, unknown> {
  const base = { Target: v.target, ...(v.read_only && { ReadOnly: true }) };
  if (v.type === 'bind') {
    const propagation = v.bind?.propagation;
    return {
      Type: 'bind',
      Source: v.source,
      ...base,
      ...(propagation && { BindOptions: { Propagation: propagation } }),
    };
  }
  if (v.type === 'tmpfs') {
    const t = v.tmpfs;
    const opts = {
      ...(t?.size !== undefined && { SizeBytes: t.size }),
      ...(t?.mode !== undefined && { Mode: t.mode }),
    };
    return { Type: 'tmpfs', ...base, ...(Object.keys(opts).length > 0 && { TmpfsOptions: opts }) };
  }
  if (v.type !== 'volume' || v.source === undefined) return { Type: v.type, ...base };
  return { Type: 'volume', ...volumeMount(project, namespace, v.source, v.volume?.nocopy === true), ...base };
}

/** A named volume: the stack's own carries the stack label and its driver, as docker's convert/volume.go does. */
function volumeMount(project: Project, namespace: string, key: string, nocopy: boolean): Record<string, unknown> {
  const declared = project.volumes[key];
  if (!declared || declared.external)
    return { Source: declared?.name ?? key, ...(nocopy && { VolumeOptions: { NoCopy: true } }) };
  const driver =
    declared.driver || declared.driver_opts
      ? { Name: declared.driver ?? 'local', Options: declared.driver_opts ?? {} }
      : undefined;
  return {
    Source: declared.name,
    VolumeOptions: {
      ...(nocopy && { NoCopy: true }),
      Labels: withNamespace(namespace, declared.labels),
      ...(driver && { DriverConfig: driver }),
    },
  };
}

function fileRefs(project: Project, kind: SwarmObjectKind, s: ServiceConfig): SwarmFileReference[] {
  const declared = (kind === 'secret' ? project.secrets : project.configs) ?? {};
  const refs = (kind === 'secret' ? s.secrets : s.configs) ?? [];
  return refs
    .map((r) => {
      const name = declared[r.source]?.name ?? r.source;
      const target = r.target ?? (kind === 'config' ? `/${r.source}` : r.source);
      const file = { Name: target, UID: r.uid ?? '0', GID: r.gid ?? '0', Mode: r.mode ?? 0o444 };
      return kind === 'secret' ? { File: file, SecretName: name } : { File: file, ConfigName: name };
    })
    .sort((a, b) => (a.SecretName ?? a.ConfigName ?? '').localeCompare(b.SecretName ?? b.ConfigName ?? ''));
}

function cpus(text: string | undefined): number | undefined {
  return text === undefined ? undefined : Math.round(Number(text) * 1e9);
}

function resources(deploy: DeployConfig): Record<string, unknown> {
  const l = deploy.resources?.limits;
  const r = deploy.resources?.reservations;
  return {
    ...(l && {
      Limits: {
        ...(cpus(l.cpus) && { NanoCPUs: cpus(l.cpus) }),
        ...(l.memory && { MemoryBytes: l.memory }),
        ...(l.pids && { Pids: l.pids }),
      },
    }),
    ...(r && {
      Reservations: { ...(cpus(r.cpus) && { NanoCPUs: cpus(r.cpus) }), ...(r.memory && { MemoryBytes: r.memory }) },
    }),
  };
}

/** `deploy.restart_policy`, else `restart:` as Swarm reads it (convert/service.go `convertRestartPolicy`). */
function restartPolicy(s: ServiceConfig): Record<string, unknown> | undefined {
  const p = s.deploy?.restart_policy;
  if (p)
    return {
      ...(p.condition && { Condition: p.condition }),
      ...(ns(p.delay) !== undefined && { Delay: ns(p.delay) }),
      ...(p.max_attempts !== undefined && { MaxAttempts: p.max_attempts }),
      ...(ns(p.window) !== undefined && { Window: ns(p.window) }),
    };
  const m = /^(always|unless-stopped|on-failure)(?::(\d+))?$/.exec(s.restart ?? '');
  if (!m) return undefined;
  const attempts = Number(m[2] ?? 0);
  return { Condition: m[1] === 'on-failure' ? 'on-failure' : 'any', ...(attempts > 0 && { MaxAttempts: attempts }) };
}

function placement(deploy: DeployConfig): Record<string, unknown> {
  const p = (deploy.placement ?? {}) as {
    constraints?: string[];
    preferences?: { spread: string }[];
    max_replicas_per_node?: number;
  };
  return {
    ...(some(p.constraints) && { Constraints: p.constraints }),
    ...(some(p.preferences) && {
      Preferences: p.preferences!.map((x) => ({ Spread: { SpreadDescriptor: x.spread } })),
    }),
    ...(p.max_replicas_per_node !== undefined && { MaxReplicas: p.max_replicas_per_node }),
  };
}

function networks(
  project: Project,
  s: ServiceConfig,
): { Target: string; Aliases: string[]; DriverOpts?: Record<string, string> }[] {
  return Object.entries(s.networks)
    .map(([key, cfg]) => ({
      Target: project.networks[key]?.name ?? key,
      Aliases: [...(cfg?.aliases ?? []), s.name],
      ...(cfg?.driver_opts && { DriverOpts: cfg.driver_opts }),
    }))
    .sort((a, b) => a.Target.localeCompare(b.Target));
}

function mode(deploy: DeployConfig): NonNullable<SwarmServiceSpec['Mode']> {
  switch (deploy.mode) {
    case 'global':
      return { Global: {} };
    case 'global-job':
      return { GlobalJob: {} };
    case 'replicated-job':
      return {
        ReplicatedJob: {
          ...(deploy.replicas !== undefined && { MaxConcurrent: deploy.replicas, TotalCompletions: deploy.replicas }),
        },
      };
    default:
      return { Replicated: { Replicas: deploy.replicas ?? 1 } };
  }
}

function updateConfig(raw: unknown): Record<string, unknown> | undefined {
  if (raw === undefined || raw === null) return undefined;
  const u = raw as {
    parallelism?: number;
    delay?: string;
    failure_action?: string;
    monitor?: string;
    max_failure_ratio?: number;
    order?: string;
  };
  return {
    Parallelism: u.parallelism ?? 1,
    ...(ns(u.delay) && { Delay: ns(u.delay) }),
    ...(u.failure_action && { FailureAction: u.failure_action }),
    ...(ns(u.monitor) && { Monitor: ns(u.monitor) }),
    ...(u.max_failure_ratio && { MaxFailureRatio: u.max_failure_ratio }),
    ...(u.order && { Order: u.order }),
  };
}
