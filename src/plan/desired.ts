/**
 * Desired state: what the engine should hold for a project, in the runtime's terms. Pure: a function of
 * the `Project` alone (plus the container number and the version string).
 */
import type {
  DeviceRequestConfig,
  NetworkConfig,
  Project,
  SecretConfig,
  ServiceConfig,
  ServiceSecret,
  VolumeConfig,
} from '../config/model.js';
import type {
  ContainerSpec,
  ContainerSummary,
  EndpointSpec,
  InjectedFile,
  MountSpec,
  NetworkSpec,
  PublishedPort,
  VolumeSpec,
  VolumeSummary,
} from '../runtime/runtime.js';
import { parseDurationNs } from './duration.js';
import { canonical, encodeConfig, hashedConfig, hashOf } from './hash.js';
import { COMPOSE_COMPAT_VERSION, Label } from './labels.js';

export function containerName(project: Project, service: ServiceConfig, number: number): string {
  return service.container_name ?? `${project.name}-${service.name}-${number}`;
}

/** The image a service runs: `image:`, or `<project>-<service>` for a build-only service. */
export function serviceImage(project: Project, service: ServiceConfig): string {
  return service.image ?? `${project.name}-${service.name}`;
}

/** How many containers the service should have. */
export function desiredReplicas(service: ServiceConfig, override?: number): number {
  return override ?? service.scale ?? service.deploy?.replicas ?? 1;
}

export function networkSpec(project: Project, key: string, net: NetworkConfig, berthVersion: string): NetworkSpec {
  const spec: NetworkSpec = {
    name: net.name,
    labels: {
      ...net.labels,
      [Label.project]: project.name,
      [Label.network]: key,
      [Label.version]: COMPOSE_COMPAT_VERSION,
      [Label.berthVersion]: berthVersion,
    },
  };
  if (net.driver !== undefined) spec.driver = net.driver;
  if (net.driver_opts) spec.driverOpts = net.driver_opts;
  if (net.internal !== undefined) spec.internal = net.internal;
  if (net.attachable !== undefined) spec.attachable = net.attachable;
  if (net.enable_ipv6 !== undefined) spec.enableIpv6 = net.enable_ipv6;
  if (net.enable_ipv4 !== undefined) spec.enableIpv4 = net.enable_ipv4;
  if (net.ipam) {
    spec.ipam = {
      config: (net.ipam.config ?? []).map((c) => ({
        ...(c.subnet !== undefined && { subnet: c.subnet }),
        ...(c.gateway !== undefined && { gateway: c.gateway }),
        ...(c.ip_range !== undefined && { ipRange: c.ip_range }),
        ...(c.aux_addresses !== undefined && { auxAddresses: c.aux_addresses }),
      })),
      ...(net.ipam.driver !== undefined && { driver: net.ipam.driver }),
      ...(net.ipam.options !== undefined && { options: net.ipam.options }),
    };
  }
  return spec;
}

export function volumeSpec(project: Project, key: string, vol: VolumeConfig, berthVersion: string): VolumeSpec {
  return {
    name: vol.name,
    ...(vol.driver !== undefined && { driver: vol.driver }),
    ...(vol.driver_opts !== undefined && { driverOpts: vol.driver_opts }),
    labels: {
      ...vol.labels,
      [Label.project]: project.name,
      [Label.volume]: key,
      [Label.version]: COMPOSE_COMPAT_VERSION,
      [Label.volumeHash]: volumeHash(vol),
      [Label.berthVersion]: berthVersion,
    },
  };
}

/**
 * The hash of what a volume is made with and the engine cannot change afterwards: its driver (`local`
 * when unset) and driver options. Labels are left out: they change no data, so a label change alone is
 * reported, never a reason to delete a volume (see `volumeDrift`). Only a hash goes into the label, no
 * option value (a driver option may hold a password).
 */
export function volumeHash(vol: VolumeConfig): string {
  return hashOf(
    canonical({ driver: vol.driver ?? 'local', driver_opts: vol.driver_opts ?? {} }) as Record<string, unknown>,
  );
}

/** How an existing volume differs from the stack: the fields to recreate it for, and labels the engine cannot change. */
export interface VolumeDrift {
  /** `driver`, `driver_opts.o`, ...; empty when only labels differ. */
  fields: string[];
  /** `labels.backup`, ...: user labels that differ (never a reason to recreate by themselves). */
  labels: string[];
}

/**
 * Compare a volume berth created with the stack's declaration. A volume without berth's hash label
 * (made by Docker Compose or an older berth) is never drift: what it was made with is unknown. Field
 * names come from comparing the options the engine reports; values never appear.
 */
export function volumeDrift(vol: VolumeConfig, observed: VolumeSummary): VolumeDrift | undefined {
  const recorded = observed.labels[Label.volumeHash];
  if (recorded === undefined) return undefined;
  const fields: string[] = [];
  if (recorded !== volumeHash(vol)) {
    if (observed.driver !== (vol.driver ?? 'local')) fields.push('driver');
    const before = observed.options ?? {};
    const after = vol.driver_opts ?? {};
    for (const k of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
      if (before[k] !== after[k]) fields.push(`driver_opts.${k}`);
    }
    if (fields.length === 0) fields.push('config');
  }
  const userLabels = (labels: Record<string, string>): Record<string, string> =>
    Object.fromEntries(
      Object.entries(labels).filter(([k]) => !k.startsWith('com.docker.compose.') && !k.startsWith('dev.berth.')),
    );
  const before = userLabels(observed.labels);
  const after = userLabels(vol.labels ?? {});
  const labels = [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .sort()
    .filter((k) => before[k] !== after[k])
    .map((k) => `labels.${k}`);
  return fields.length === 0 && labels.length === 0 ? undefined : { fields, labels };
}

const ANONYMOUS_VOLUME = /^[0-9a-f]{64}$/;

/**
 * How a container's named volumes differ from what the stack now says, beyond its config hash (the
 * service names a volume by its key, so the hash cannot see either): a volume mounted under another name
 * than the stack now gives it (`volume data: p_old→p_new`), and a volume now declared external that the
 * container's `dev.berth.external-volumes` label does not list yet (`volume data: now external`), which a
 * later `down -v` without the stack file relies on to spare it.
 */
export function volumeMountChanges(
  project: Project,
  service: ServiceConfig,
  existing: Pick<ContainerSummary, 'labels' | 'volumes'>,
): string[] {
  const out: string[] = [];
  const markedExternal = new Set((existing.labels[Label.externalVolumes] ?? '').split(','));
  for (const v of service.volumes) {
    if (v.type !== 'volume' || v.source === undefined) continue;
    const declared = project.volumes[v.source];
    const mounted = existing.volumes?.find((m) => m.target === v.target);
    if (!declared || !mounted || ANONYMOUS_VOLUME.test(mounted.name)) continue;
    if (mounted.name !== declared.name) out.push(`volume ${v.source}: ${mounted.name}→${declared.name}`);
    else if (declared.external && !markedExternal.has(declared.name)) out.push(`volume ${v.source}: now external`);
  }
  return out;
}

/** The external volumes a service mounts, by engine name (for the container label `dev.berth.external-volumes`). */
function externalVolumeNames(project: Project, service: ServiceConfig): string[] {
  const names = service.volumes.flatMap((v) => {
    const declared = v.type === 'volume' && v.source !== undefined ? project.volumes[v.source] : undefined;
    return declared?.external ? [declared.name] : [];
  });
  return [...new Set(names)].sort();
}

/** Labels every container of the service carries (the hash among them). */
export function containerLabels(
  project: Project,
  service: ServiceConfig,
  number: number,
  berthVersion: string,
): Record<string, string> {
  const config = hashedConfig(service);
  const externals = externalVolumeNames(project, service);
  return {
    ...service.labels,
    [Label.project]: project.name,
    [Label.service]: service.name,
    [Label.number]: String(number),
    [Label.oneoff]: 'False',
    [Label.configHash]: hashOf(config),
    [Label.workingDir]: project.working_dir,
    [Label.configFiles]: project.config_files.join(','),
    [Label.version]: COMPOSE_COMPAT_VERSION,
    [Label.image]: serviceImage(project, service),
    [Label.dependsOn]: Object.entries(service.depends_on)
      .map(([name, d]) => `${name}:${d.condition}:${d.restart}`)
      .join(','),
    [Label.berthConfig]: encodeConfig(config),
    [Label.berthVersion]: berthVersion,
    ...(externals.length > 0 && { [Label.externalVolumes]: externals.join(',') }),
  };
}

export function containerSpec(
  project: Project,
  service: ServiceConfig,
  number: number,
  berthVersion: string,
): ContainerSpec {
  const spec: ContainerSpec = {
    name: containerName(project, service, number),
    image: serviceImage(project, service),
    env: Object.entries(service.environment)
      .filter((e): e is [string, string] => e[1] !== null)
      .map(([k, v]) => `${k}=${v}`),
    labels: containerLabels(project, service, number, berthVersion),
    ports: [],
    mounts: mounts(project, service),
    endpoints: endpoints(project, service),
  };
  for (const fill of Object.values(SPEC_FIELDS)) fill(spec, service);
  const files = injectedFiles(project, service);
  if (files.length > 0) spec.files = files;
  return spec;
}

/** Sets the fields of a container spec that one service key maps to; sets nothing when the key is unset. */
type SpecFiller = (spec: ContainerSpec, service: ServiceConfig) => void;

/**
 * How each service key reaches the container spec, one small function per key: a new key is one more
 * entry. The functions run in this order, which is the order the spec's fields appear in.
 */
const SPEC_FIELDS = {
  command: (spec, s) => {
    if (s.command !== undefined) spec.command = s.command ?? [];
  },
  entrypoint: (spec, s) => {
    if (s.entrypoint !== undefined) spec.entrypoint = s.entrypoint ?? [];
  },
  hostname: (spec, s) => {
    if (s.hostname !== undefined) spec.hostname = s.hostname;
  },
  domainname: (spec, s) => {
    if (s.domainname !== undefined) spec.domainname = s.domainname;
  },
  user: (spec, s) => {
    if (s.user !== undefined) spec.user = s.user;
  },
  working_dir: (spec, s) => {
    if (s.working_dir !== undefined) spec.workingDir = s.working_dir;
  },
  tty: (spec, s) => {
    if (s.tty !== undefined) spec.tty = s.tty;
  },
  stdin_open: (spec, s) => {
    if (s.stdin_open !== undefined) spec.openStdin = s.stdin_open;
  },
  stop_signal: (spec, s) => {
    if (s.stop_signal !== undefined) spec.stopSignal = s.stop_signal;
  },
  stop_grace_period: (spec, s) => {
    const grace = parseDurationNs(s.stop_grace_period);
    if (grace !== undefined) spec.stopTimeoutSec = Math.ceil(grace / 1e9);
  },
  healthcheck: (spec, s) => {
    const healthcheck = s.healthcheck && healthcheckSpec(s.healthcheck);
    if (healthcheck) spec.healthcheck = healthcheck;
  },
  ports: (spec, s) => {
    for (const p of s.ports) addPort(spec, p);
  },
  expose: (spec, s) => {
    if (s.expose?.length) spec.exposedPorts = s.expose.map(exposedPort);
  },
  restart: (spec, s) => {
    if (s.restart !== undefined) spec.restartPolicy = restartPolicy(s.restart);
  },
  network_mode: (spec, s) => {
    if (s.network_mode !== undefined) spec.networkMode = s.network_mode;
  },
  volumes_from: (spec, s) => {
    if (s.volumes_from?.length) spec.volumesFrom = s.volumes_from;
  },
  extra_hosts: (spec, s) => {
    if (s.extra_hosts?.length) spec.extraHosts = s.extra_hosts.map(hostEntry);
  },
  dns: (spec, s) => {
    if (s.dns) spec.dns = s.dns;
  },
  dns_search: (spec, s) => {
    if (s.dns_search) spec.dnsSearch = s.dns_search;
  },
  dns_opt: (spec, s) => {
    if (s.dns_opt) spec.dnsOptions = s.dns_opt;
  },
  cap_add: (spec, s) => {
    if (s.cap_add) spec.capAdd = s.cap_add;
  },
  cap_drop: (spec, s) => {
    if (s.cap_drop) spec.capDrop = s.cap_drop;
  },
  privileged: (spec, s) => {
    if (s.privileged !== undefined) spec.privileged = s.privileged;
  },
  read_only: (spec, s) => {
    if (s.read_only !== undefined) spec.readOnlyRootfs = s.read_only;
  },
  init: (spec, s) => {
    if (s.init !== undefined) spec.init = s.init;
  },
  tmpfs: (spec, s) => {
    if (s.tmpfs?.length) spec.tmpfs = Object.fromEntries(s.tmpfs.map(tmpfsEntry));
  },
  ipc: (spec, s) => {
    if (s.ipc !== undefined) spec.ipcMode = s.ipc;
  },
  pid: (spec, s) => {
    if (s.pid !== undefined) spec.pidMode = s.pid;
  },
  shm_size: (spec, s) => {
    if (s.shm_size !== undefined) spec.shmSize = s.shm_size;
  },
  security_opt: (spec, s) => {
    if (s.security_opt) spec.securityOpt = s.security_opt;
  },
  sysctls: (spec, s) => {
    if (s.sysctls) spec.sysctls = s.sysctls;
  },
  ulimits: (spec, s) => {
    if (s.ulimits) spec.ulimits = Object.entries(s.ulimits).map(([name, l]) => ({ name, soft: l.soft, hard: l.hard }));
  },
  logging: (spec, s) => {
    if (s.logging?.driver !== undefined || s.logging?.options) {
      spec.logConfig = { type: s.logging.driver ?? '', config: s.logging.options ?? {} };
    }
  },
  mem_limit: (spec, s) => {
    if (s.mem_limit) spec.memoryBytes = s.mem_limit;
  },
  memswap_limit: (spec, s) => {
    if (s.memswap_limit) spec.memorySwapBytes = s.memswap_limit;
  },
  mem_reservation: (spec, s) => {
    if (s.mem_reservation) spec.memoryReservationBytes = s.mem_reservation;
  },
  // As Compose: 0 is "unset" (the engine's default), not "never swap".
  mem_swappiness: (spec, s) => {
    if (s.mem_swappiness) spec.memorySwappiness = s.mem_swappiness;
  },
  oom_kill_disable: (spec, s) => {
    if (s.oom_kill_disable !== undefined) spec.oomKillDisable = s.oom_kill_disable;
  },
  oom_score_adj: (spec, s) => {
    if (s.oom_score_adj) spec.oomScoreAdj = s.oom_score_adj;
  },
  cpus: (spec, s) => {
    if (s.cpus) spec.nanoCpus = nanoCpus(s.cpus);
  },
  cpu_shares: (spec, s) => {
    if (s.cpu_shares) spec.cpuShares = s.cpu_shares;
  },
  cpu_period: (spec, s) => {
    if (s.cpu_period) spec.cpuPeriodUs = s.cpu_period;
  },
  cpu_quota: (spec, s) => {
    if (s.cpu_quota) spec.cpuQuotaUs = s.cpu_quota;
  },
  cpuset: (spec, s) => {
    if (s.cpuset) spec.cpusetCpus = s.cpuset;
  },
  cpu_rt_period: (spec, s) => {
    const us = microseconds(s.cpu_rt_period);
    if (us) spec.cpuRealtimePeriodUs = us;
  },
  cpu_rt_runtime: (spec, s) => {
    const us = microseconds(s.cpu_rt_runtime);
    if (us) spec.cpuRealtimeRuntimeUs = us;
  },
  cpu_count: (spec, s) => {
    if (s.cpu_count) spec.cpuCount = s.cpu_count;
  },
  cpu_percent: (spec, s) => {
    if (s.cpu_percent) spec.cpuPercent = s.cpu_percent;
  },
  pids_limit: (spec, s) => {
    if (s.pids_limit) spec.pidsLimit = s.pids_limit;
  },
  blkio_config: (spec, s) => {
    const blkio = s.blkio_config && blkioSpec(s.blkio_config);
    if (blkio) spec.blkio = blkio;
  },
  // After the service-level keys: a limit or reservation under `deploy.resources` wins, as in Compose.
  deploy: (spec, s) => {
    deployLimits(spec, s.deploy?.resources?.limits);
    deployReservations(spec, s.deploy?.resources?.reservations);
    // `deploy.restart_policy` wins over `restart:`, as in Compose.
    if (s.deploy?.restart_policy) spec.restartPolicy = deployRestartPolicy(s.deploy.restart_policy);
  },
  // After deploy, as Compose orders the device requests: reserved devices, CDI devices, gpus.
  devices: (spec, s) => {
    const [cdi, paths] = partition(s.devices ?? [], (d) => d.source === d.target && CDI_NAME.test(d.source));
    if (paths.length > 0)
      spec.devices = paths.map((d) => ({ source: d.source, target: d.target, permissions: d.permissions ?? 'rwm' }));
    if (cdi.length > 0)
      (spec.deviceRequests ??= []).push({ driver: 'cdi', deviceIds: cdi.map((d) => d.source), capabilities: [] });
  },
  gpus: (spec, s) => {
    if (s.gpus) (spec.deviceRequests ??= []).push(...gpuRequests(s.gpus));
  },
  cgroup_parent: (spec, s) => {
    if (s.cgroup_parent) spec.cgroupParent = s.cgroup_parent;
  },
  cgroup: (spec, s) => {
    if (s.cgroup) spec.cgroupnsMode = s.cgroup;
  },
  uts: (spec, s) => {
    if (s.uts) spec.utsMode = s.uts;
  },
  userns_mode: (spec, s) => {
    if (s.userns_mode) spec.usernsMode = s.userns_mode;
  },
  storage_opt: (spec, s) => {
    if (s.storage_opt && Object.keys(s.storage_opt).length > 0)
      spec.storageOpt = Object.fromEntries(Object.entries(s.storage_opt).map(([k, v]) => [k, String(v)]));
  },
  runtime: (spec, s) => {
    if (s.runtime) spec.runtime = s.runtime;
  },
  isolation: (spec, s) => {
    if (s.isolation) spec.isolation = s.isolation;
  },
  group_add: (spec, s) => {
    if (s.group_add?.length) spec.groupAdd = s.group_add;
  },
  device_cgroup_rules: (spec, s) => {
    if (s.device_cgroup_rules?.length) spec.deviceCgroupRules = s.device_cgroup_rules;
  },
  annotations: (spec, s) => {
    if (s.annotations && Object.keys(s.annotations).length > 0) spec.annotations = s.annotations;
  },
  platform: (spec, s) => {
    if (s.platform !== undefined) spec.platform = s.platform;
  },
  mac_address: (spec, s) => {
    if (s.mac_address !== undefined) spec.macAddress = s.mac_address;
  },
} satisfies Partial<Record<keyof ServiceConfig, SpecFiller>>;

/** The service keys `SPEC_FIELDS` turns into container settings (for the test that no key is forgotten). */
export const SPEC_FIELD_KEYS: readonly string[] = Object.keys(SPEC_FIELDS);

/** A CDI device name, `vendor.com/class=name`: the engine asks its CDI driver for it, by that name. */
const CDI_NAME =
  /^[A-Za-z](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?\/[A-Za-z](?:[A-Za-z0-9_-]*[A-Za-z0-9])?=[A-Za-z0-9](?:[A-Za-z0-9_.:-]*[A-Za-z0-9])?$/;

/** The items `test` holds for, and the others, each in their order. */
function partition<T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((i) => !test(i))];
}

/** CPUs (0.5) as the engine's billionths of a CPU. */
function nanoCpus(cpus: number | string): number {
  return Math.round(Number(cpus) * 1e9);
}

/** `cpu_rt_*`: a number is microseconds already; a duration string ("400ms") is converted. */
function microseconds(v: number | string | undefined): number | undefined {
  if (v === undefined || typeof v === 'number') return v;
  const ns = parseDurationNs(v);
  return ns === undefined ? undefined : Math.round(ns / 1e3);
}

type Deploy = NonNullable<ServiceConfig['deploy']>;
type Resources = NonNullable<Deploy['resources']>;

/** `deploy.resources.limits`: memory, cpus and pids, each only when set (non-zero), over the service-level key. */
function deployLimits(spec: ContainerSpec, limits: Resources['limits']): void {
  if (limits?.memory) spec.memoryBytes = limits.memory;
  if (limits?.cpus !== undefined && Number(limits.cpus) !== 0) spec.nanoCpus = nanoCpus(limits.cpus);
  if (limits?.pids !== undefined && limits.pids > 0) spec.pidsLimit = limits.pids;
}

/**
 * `deploy.resources.reservations`: memory, and devices as device requests. A CPU reservation is for the
 * Swarm scheduler: no container setting holds it.
 */
function deployReservations(spec: ContainerSpec, reservations: Resources['reservations']): void {
  if (reservations?.memory) spec.memoryReservationBytes = reservations.memory;
  for (const d of reservations?.devices ?? []) {
    (spec.deviceRequests ??= []).push(deviceRequest(d, d.capabilities ?? []));
  }
}

/** One device request; without a count or device ids, all devices (-1), as the Compose spec says. */
function deviceRequest(
  d: DeviceRequestConfig,
  capabilities: string[],
): NonNullable<ContainerSpec['deviceRequests']>[number] {
  const request: NonNullable<ContainerSpec['deviceRequests']>[number] = { capabilities: [capabilities] };
  if (d.driver !== undefined) request.driver = d.driver;
  if (d.count !== undefined) request.count = d.count;
  else if (!d.device_ids?.length) request.count = -1;
  if (d.device_ids?.length) request.deviceIds = d.device_ids;
  if (d.options && Object.keys(d.options).length > 0) request.options = d.options;
  return request;
}

/** `gpus: all` or a list: device requests with the `gpu` capability added to each. */
function gpuRequests(gpus: NonNullable<ServiceConfig['gpus']>): NonNullable<ContainerSpec['deviceRequests']> {
  const list = gpus === 'all' ? [{ count: -1 }] : gpus;
  return list.map((g) => deviceRequest(g, [...(g.capabilities ?? []), 'gpu']));
}

/**
 * `deploy.restart_policy`: Swarm's conditions as the engine's policies (`any` is `always`, `none` is
 * `no`). Without a condition Compose sends an empty policy, which the engine takes as `no` (the
 * config checks refuse any other condition).
 */
function deployRestartPolicy(
  policy: NonNullable<Deploy['restart_policy']>,
): NonNullable<ContainerSpec['restartPolicy']> {
  switch (policy.condition) {
    case 'on-failure':
      return policy.max_attempts ? { name: 'on-failure', maxRetries: policy.max_attempts } : { name: 'on-failure' };
    case 'any':
    case 'always':
      return { name: 'always' };
    case 'unless-stopped':
      return { name: 'unless-stopped' };
    default:
      return { name: 'no' };
  }
}

/** The block I/O settings; undefined when none is set. */
function blkioSpec(b: NonNullable<ServiceConfig['blkio_config']>): ContainerSpec['blkio'] {
  const out: NonNullable<ContainerSpec['blkio']> = {};
  if (b.weight) out.weight = b.weight;
  if (b.weight_device?.length) out.weightDevice = b.weight_device.map((d) => ({ path: d.path, weight: d.weight }));
  const rates = (list: { path: string; rate: number }[] | undefined): { path: string; rate: number }[] | undefined =>
    list?.length ? list.map((d) => ({ path: d.path, rate: d.rate })) : undefined;
  const throttles = {
    deviceReadBps: rates(b.device_read_bps),
    deviceWriteBps: rates(b.device_write_bps),
    deviceReadIOps: rates(b.device_read_iops),
    deviceWriteIOps: rates(b.device_write_iops),
  };
  for (const [k, v] of Object.entries(throttles)) if (v) Object.assign(out, { [k]: v });
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The engine's healthcheck for `healthcheck:`; undefined when it has no test (the image's then applies). */
function healthcheckSpec(h: NonNullable<ServiceConfig['healthcheck']>): ContainerSpec['healthcheck'] {
  const test = h.disable ? ['NONE'] : h.test;
  if (!test) return undefined;
  const healthcheck: NonNullable<ContainerSpec['healthcheck']> = { test };
  const set = (k: 'intervalNs' | 'timeoutNs' | 'startPeriodNs' | 'startIntervalNs', v: string | undefined): void => {
    const ns = parseDurationNs(v);
    if (ns !== undefined) healthcheck[k] = ns;
  };
  set('intervalNs', h.interval);
  set('timeoutNs', h.timeout);
  set('startPeriodNs', h.start_period);
  set('startIntervalNs', h.start_interval);
  if (h.retries !== undefined) healthcheck.retries = h.retries;
  return healthcheck;
}

/** One `ports:` entry: a published range goes to `portRanges`, a single port to `ports`. */
function addPort(spec: ContainerSpec, p: ServiceConfig['ports'][number]): void {
  const range = p.published?.includes('-') ? p.published : undefined;
  if (range) {
    (spec.portRanges ??= []).push({
      target: p.target,
      protocol: p.protocol,
      hostPort: range,
      ...(p.host_ip !== undefined && { hostIp: p.host_ip }),
    });
    return;
  }
  const port: PublishedPort = { target: p.target, protocol: p.protocol };
  if (p.host_ip !== undefined) port.hostIp = p.host_ip;
  if (p.published !== undefined && p.published !== '') port.hostPort = Number(p.published);
  spec.ports.push(port);
}

/** `8080` or `8080/udp`. */
function exposedPort(entry: string): NonNullable<ContainerSpec['exposedPorts']>[number] {
  const [port, protocol] = entry.split('/');
  return { port: Number(port), protocol: protocol ?? 'tcp' };
}

/** `/run` or `/run:size=64m`: the path and its options. */
function tmpfsEntry(entry: string): [string, string] {
  const i = entry.indexOf(':');
  return i < 0 ? [entry, ''] : [entry.slice(0, i), entry.slice(i + 1)];
}

function restartPolicy(text: string): NonNullable<ContainerSpec['restartPolicy']> {
  const [name, retries] = text.split(':');
  switch (name) {
    case 'always':
    case 'unless-stopped':
      return { name };
    case 'on-failure':
      return retries ? { name, maxRetries: Number(retries) } : { name };
    default:
      return { name: 'no' };
  }
}

/** The engine wants `host:ip`; Compose's canonical form is `host=ip`. */
function hostEntry(entry: string): string {
  const eq = entry.indexOf('=');
  return eq < 0 ? entry : `${entry.slice(0, eq)}:${entry.slice(eq + 1)}`;
}

function mounts(project: Project, service: ServiceConfig): MountSpec[] {
  const out: MountSpec[] = [];
  for (const v of service.volumes) {
    const m = volumeMount(project, v);
    if (m) out.push(m);
  }
  // File-based secrets and configs are bind-mounted read-only, as Compose does outside Swarm.
  for (const ref of fileReferences(project, service)) {
    if (ref.def.file === undefined || ref.def.environment !== undefined || ref.def.content !== undefined) continue;
    out.push({ type: 'bind', source: ref.def.file, target: ref.target, readOnly: true });
  }
  return out;
}

type ServiceVolume = ServiceConfig['volumes'][number];

/** The mount of one `volumes:` entry; undefined for the types no Linux container mounts (npipe, cluster). */
function volumeMount(project: Project, v: ServiceVolume): MountSpec | undefined {
  switch (v.type) {
    case 'volume':
      return namedVolumeMount(project, v);
    case 'bind':
      return bindMount(v);
    case 'tmpfs':
      return tmpfsMount(v);
    case 'image':
      return imageMount(v);
    default:
      return undefined;
  }
}

/** `type: image`: the image's file system, read-only, at the target (optionally one path of it). */
function imageMount(v: Extract<ServiceVolume, { type: 'npipe' | 'cluster' | 'image' }>): MountSpec | undefined {
  if (v.source === undefined) return undefined;
  const m: MountSpec = { type: 'image', source: v.source, target: v.target };
  const subpath = (v.image as { subpath?: unknown } | undefined)?.subpath;
  if (typeof subpath === 'string' && subpath !== '') m.subpath = subpath;
  if (v.read_only) m.readOnly = true;
  return m;
}

function namedVolumeMount(project: Project, v: Extract<ServiceVolume, { type: 'volume' }>): MountSpec {
  const m: MountSpec = { type: 'volume', target: v.target };
  if (v.source !== undefined) m.source = project.volumes[v.source]?.name ?? v.source;
  if (v.read_only) m.readOnly = true;
  if (v.volume?.nocopy) m.noCopy = true;
  if (v.volume?.subpath) m.subpath = v.volume.subpath;
  return m;
}

function bindMount(v: Extract<ServiceVolume, { type: 'bind' }>): MountSpec {
  const m: MountSpec = {
    type: 'bind',
    source: v.source,
    target: v.target,
    createHostPath: v.bind?.create_host_path ?? true,
  };
  if (v.read_only) m.readOnly = true;
  if (v.bind?.propagation !== undefined) m.propagation = v.bind.propagation;
  if (v.bind?.selinux !== undefined) m.selinux = v.bind.selinux;
  if (v.bind?.recursive !== undefined && v.bind.recursive !== 'enabled') m.recursive = v.bind.recursive;
  return m;
}

function tmpfsMount(v: Extract<ServiceVolume, { type: 'tmpfs' }>): MountSpec {
  const m: MountSpec = { type: 'tmpfs', target: v.target };
  if (v.tmpfs?.size !== undefined) m.tmpfsSize = v.tmpfs.size;
  if (v.tmpfs?.mode !== undefined) m.tmpfsMode = v.tmpfs.mode;
  if (v.read_only) m.readOnly = true;
  return m;
}

/** One `secrets:` or `configs:` entry of a service, with its declaration and where it goes in the container. */
interface FileReference {
  kind: 'secrets' | 'configs';
  ref: ServiceSecret;
  def: SecretConfig;
  target: string;
}

/**
 * The secrets and configs a service uses, declared ones only, each at its target: a secret at
 * `/run/secrets/<source>` or its target (relative: under `/run/secrets/`), a config at `/<source>`
 * or its target (relative: under `/`), as Compose places them.
 */
function fileReferences(project: Project, service: ServiceConfig): FileReference[] {
  const out: FileReference[] = [];
  for (const kind of ['secrets', 'configs'] as const) {
    const base = kind === 'secrets' ? '/run/secrets/' : '/';
    for (const ref of service[kind] ?? []) {
      const def = project[kind]?.[ref.source];
      if (!def) continue;
      const target = !ref.target
        ? `${base}${ref.source}`
        : ref.target.startsWith('/')
          ? ref.target
          : `${base}${ref.target}`;
      out.push({ kind, ref, def, target });
    }
  }
  return out;
}

/**
 * The secrets and configs copied into the container, as Compose copies them (pkg/compose/secrets.go):
 * those from `environment` (the value the load resolved, `Project.file_values`) or `content`, with the
 * entry's mode (default 0444), uid and gid.
 */
function injectedFiles(project: Project, service: ServiceConfig): InjectedFile[] {
  const out: InjectedFile[] = [];
  for (const { kind, ref, def, target } of fileReferences(project, service)) {
    const content = def.environment !== undefined ? project.file_values?.[kind][ref.source] : def.content;
    if (content === undefined) continue;
    out.push({
      target,
      content,
      mode: ref.mode ?? 0o444,
      uid: ref.uid === undefined ? 0 : Number.parseInt(ref.uid, 10) || 0,
      gid: ref.gid === undefined ? 0 : Number.parseInt(ref.gid, 10) || 0,
    });
  }
  return out;
}

/**
 * The networks a service joins, the primary one first (highest `priority`, then by key, as Compose
 * orders them), each with what Compose's `createEndpointSettings` sets: aliases, addresses, link-local
 * addresses, MAC address, driver options, gateway priority, and the links.
 */
function endpoints(project: Project, service: ServiceConfig): EndpointSpec[] {
  if (service.network_mode !== undefined) return [];
  const entries = Object.entries(service.networks).sort(
    ([a, x], [b, y]) => (y?.priority ?? 0) - (x?.priority ?? 0) || a.localeCompare(b),
  );
  const links = serviceLinks(project, service);
  return entries.map(([key, cfg]) => {
    const ep: EndpointSpec = {
      network: project.networks[key]?.name ?? key,
      aliases: [service.name, ...(cfg?.aliases ?? [])],
    };
    if (cfg?.ipv4_address !== undefined) ep.ipv4Address = cfg.ipv4_address;
    if (cfg?.ipv6_address !== undefined) ep.ipv6Address = cfg.ipv6_address;
    if (cfg?.link_local_ips?.length) ep.linkLocalIps = cfg.link_local_ips;
    if (cfg?.mac_address !== undefined) ep.macAddress = cfg.mac_address;
    const driverOpts = endpointDriverOpts(cfg);
    if (driverOpts) ep.driverOpts = driverOpts;
    if (cfg?.gw_priority !== undefined) ep.gwPriority = cfg.gw_priority;
    if (links.length > 0) ep.links = links;
    return ep;
  });
}

/**
 * An endpoint's driver options: `driver_opts`, and `interface_name` as Compose sends it, the option the
 * engine names the container's interface by.
 */
function endpointDriverOpts(cfg: ServiceConfig['networks'][string]): Record<string, string> | undefined {
  const opts = Object.fromEntries(Object.entries(cfg?.driver_opts ?? {}).map(([k, v]) => [k, String(v)]));
  if (cfg?.interface_name !== undefined) opts['com.docker.network.endpoint.ifname'] = cfg.interface_name;
  return Object.keys(opts).length > 0 ? opts : undefined;
}

/**
 * `links` and `external_links` as the engine's `container:alias` pairs, as Compose's `getLinks` makes
 * them: each container of a linked service under the link's alias (the service's name when none) and
 * under `<service>-<n>` and `<project>-<service>-<n>`; an external container under its alias. Compose
 * writes the linking container's number in those two names; berth writes the linked one's, so that
 * `db-2` is db's second container whichever container asks.
 */
function serviceLinks(project: Project, service: ServiceConfig): string[] {
  const out: string[] = [];
  for (const link of service.links ?? []) {
    const [name = '', alias = name] = link.split(':');
    const linked = project.services[name];
    if (!linked) continue;
    for (let n = 1; n <= desiredReplicas(linked); n++) {
      const container = containerName(project, linked, n);
      out.push(`${container}:${alias}`, `${container}:${name}-${n}`, `${container}:${project.name}-${name}-${n}`);
    }
  }
  for (const link of service.external_links ?? []) {
    const [name = '', alias = name] = link.split(':');
    out.push(`${name}:${alias}`);
  }
  return [...new Set(out)];
}

/** A volume mounted by a container: its name and where. */
export interface MountedVolume {
  name: string;
  target: string;
}

/** The engine names an anonymous volume with 64 hex digits; a volume of the project carries its label instead. */
export function isAnonymousVolumeName(name: string): boolean {
  return /^[0-9a-f]{64}$/.test(name);
}

/** `/data/`, `/data/./` and `/data` are one mount point. */
function mountPoint(target: string): string {
  const parts: string[] = [];
  for (const p of target.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return `/${parts.join('/')}`;
}

/**
 * Anonymous volumes survive a recreate: every anonymous volume of the old container, whether the stack
 * file declared it (`- /data`) or the image did (`VOLUME /cache`), is mounted by name at the same target
 * in the new one, unless the new spec mounts something else there (a named volume, a bind, a tmpfs).
 * `old` holds the old container's anonymous volumes only.
 */
export function carryAnonymousVolumes(
  spec: Pick<ContainerSpec, 'mounts' | 'tmpfs'>,
  old: MountedVolume[],
): MountSpec[] {
  const previous = new Map(old.map((v) => [mountPoint(v.target), v.name]));
  const taken = new Set(Object.keys(spec.tmpfs ?? {}).map(mountPoint));
  const mounts = spec.mounts.map((m) => {
    const at = mountPoint(m.target);
    taken.add(at);
    const name = previous.get(at);
    return m.type === 'volume' && m.source === undefined && name !== undefined ? { ...m, source: name } : m;
  });
  for (const [at, name] of [...previous].sort(([a], [b]) => a.localeCompare(b))) {
    if (!taken.has(at)) mounts.push({ type: 'volume', source: name, target: at });
  }
  return mounts;
}
