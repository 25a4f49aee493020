/**
 * berth's specs as Engine API request bodies. Pure: no I/O, the API version is a parameter where the
 * engine's shape changed between versions.
 */
import type {
  BlkioSpec,
  ContainerSpec,
  DeviceRequestSpec,
  EndpointSpec,
  LabelFilter,
  MountSpec,
  NetworkSpec,
  VolumeSpec,
} from '../runtime.js';
import type {
  EngineContainerCreateBody,
  EngineEndpointConfig,
  EngineHostConfig,
  EngineMount,
  EngineNetworkCreateBody,
  EngineThrottleDevice,
} from './engine-types.js';
import { compareApiVersions } from './transport.js';

/** `{a: "b", c: true}` -> `["a=b", "c"]`: the engine's `label` filter values. */
export function labelFilterValues(labels: LabelFilter | undefined): string[] | undefined {
  if (!labels) return undefined;
  const out = Object.entries(labels).map(([k, v]) => (v === true ? k : `${k}=${v}`));
  return out.length === 0 ? undefined : out;
}

/** Network modes in which the container gets no endpoints of its own. */
function sharesNetworkStack(mode: string | undefined): boolean {
  return (
    mode === 'host' ||
    mode === 'none' ||
    (mode?.startsWith('container:') ?? false) ||
    (mode?.startsWith('service:') ?? false)
  );
}

/**
 * Which endpoints are attached at create (the engine takes one there on API < 1.44) and which are
 * connected right after. None when the container shares another network stack.
 */
export function splitEndpoints(spec: Pick<ContainerSpec, 'networkMode' | 'endpoints'>): {
  first?: EndpointSpec;
  rest: EndpointSpec[];
} {
  if (sharesNetworkStack(spec.networkMode) || spec.endpoints.length === 0) return { rest: [] };
  const [first, ...rest] = spec.endpoints;
  return { first, rest };
}

/** The network mode sent at create: the spec's, else the first endpoint's network. */
export function networkModeFor(spec: Pick<ContainerSpec, 'networkMode' | 'endpoints'>): string | undefined {
  return spec.networkMode ?? spec.endpoints[0]?.network;
}

/**
 * One endpoint as the engine takes it, at create or connect, as Compose's `createEndpointSettings`
 * fills it. `apiVersion` decides what an older engine cannot take: a MAC address per endpoint before
 * API 1.44 (the primary network's goes into the container config instead), the gateway priority
 * before 1.48 (the loader warns of both). `macAddress`: the service-level one, for the primary endpoint.
 */
export function endpointConfig(
  endpoint: Omit<EndpointSpec, 'network'>,
  apiVersion: string,
  extra: { macAddress?: string } = {},
): EngineEndpointConfig {
  return endpointBody(endpoint, apiLevel(apiVersion), extra);
}

function endpointBody(
  endpoint: Omit<EndpointSpec, 'network'>,
  api: ApiLevel,
  extra: { macAddress?: string },
): EngineEndpointConfig {
  const out: EngineEndpointConfig = {};
  if (endpoint.aliases.length > 0) out.Aliases = [...endpoint.aliases];
  if (endpoint.links?.length) out.Links = [...endpoint.links];
  const ipam = {
    ...(endpoint.ipv4Address !== undefined && { IPv4Address: endpoint.ipv4Address }),
    ...(endpoint.ipv6Address !== undefined && { IPv6Address: endpoint.ipv6Address }),
    ...(endpoint.linkLocalIps?.length && { LinkLocalIPs: [...endpoint.linkLocalIps] }),
  };
  if (Object.keys(ipam).length > 0) out.IPAMConfig = ipam;
  const mac = extra.macAddress ?? endpoint.macAddress;
  if (mac !== undefined && api.modern) out.MacAddress = mac;
  const driverOpts = entriesOf(endpoint.driverOpts);
  if (driverOpts) out.DriverOpts = driverOpts;
  if (endpoint.gwPriority !== undefined && api.gwPriority) out.GwPriority = endpoint.gwPriority;
  return out;
}

/** "8080/tcp" */
export function portKey(port: number, protocol: string | undefined): string {
  return `${port}/${(protocol ?? 'tcp').toLowerCase()}`;
}

/**
 * A bind mount whose host path must be created when missing. `Mounts` with `Type: bind` refuses a
 * missing source on API < 1.42 (no `CreateMountpoint`), so these go through the classic `Binds`
 * list, which creates the folder: `src:dst[:ro][,propagation]`.
 */
export function bindString(m: MountSpec): string {
  const opts: string[] = [];
  if (m.readOnly) opts.push('ro');
  if (m.selinux) opts.push(m.selinux);
  if (m.propagation) opts.push(m.propagation);
  return `${m.source ?? ''}:${m.target}${opts.length > 0 ? `:${opts.join(',')}` : ''}`;
}

/**
 * One mount for `Mounts`; a volume's subpath only from API 1.45 (`subpath`), and a bind's read-only
 * recursion modes only from 1.44 (`modern`), as the engine knows them from there.
 */
export function engineMount(m: MountSpec, subpath = true, modern = true): EngineMount {
  const out: EngineMount = { Type: m.type, Target: m.target };
  if (m.source !== undefined && m.type !== 'tmpfs') out.Source = m.source;
  if (m.readOnly) out.ReadOnly = true;
  if (m.type === 'bind') {
    const bindOptions = engineBindOptions(m, modern);
    if (Object.keys(bindOptions).length > 0) out.BindOptions = bindOptions;
  }
  const volumeOptions = {
    ...(m.noCopy && { NoCopy: true }),
    ...(m.subpath !== undefined && subpath && { Subpath: m.subpath }),
  };
  if (m.type === 'volume' && Object.keys(volumeOptions).length > 0) out.VolumeOptions = volumeOptions;
  if (m.type === 'image' && m.subpath !== undefined) out.ImageOptions = { Subpath: m.subpath };
  if (m.type === 'tmpfs' && (m.tmpfsSize !== undefined || m.tmpfsMode !== undefined)) {
    out.TmpfsOptions = {};
    if (m.tmpfsSize !== undefined) out.TmpfsOptions.SizeBytes = m.tmpfsSize;
    if (m.tmpfsMode !== undefined) out.TmpfsOptions.Mode = m.tmpfsMode;
  }
  return out;
}

/** A bind's options, as Compose's toDockerBindOptions maps `propagation`, `create_host_path` and `recursive`. */
function engineBindOptions(m: MountSpec, modern: boolean): NonNullable<EngineMount['BindOptions']> {
  const out: NonNullable<EngineMount['BindOptions']> = {};
  if (m.propagation) out.Propagation = m.propagation;
  // Only a bind that needs `Mounts` (its recursion mode) comes here with a host path to create (API 1.42).
  if (m.createHostPath && m.recursive !== undefined) out.CreateMountpoint = true;
  if (m.recursive === 'disabled') out.NonRecursive = true;
  if (m.recursive === 'writable' && modern) out.ReadOnlyNonRecursive = true;
  if (m.recursive === 'readonly' && modern) out.ReadOnlyForceRecursive = true;
  return out;
}

/**
 * What the engine's API version allows: `modern`, API 1.44 or later; `annotations`, 1.43 or later;
 * `subpath` (of a volume mount), 1.45; `gwPriority`, `imageMounts` and `enableIpv4`, 1.48 or later.
 */
interface ApiLevel {
  modern: boolean;
  annotations: boolean;
  subpath: boolean;
  gwPriority: boolean;
  imageMounts: boolean;
  enableIpv4: boolean;
}

/** The API level of an engine version ("1.41"). */
function apiLevel(apiVersion: string): ApiLevel {
  return {
    modern: compareApiVersions(apiVersion, '1.44') >= 0,
    annotations: compareApiVersions(apiVersion, '1.43') >= 0,
    subpath: compareApiVersions(apiVersion, '1.45') >= 0,
    gwPriority: compareApiVersions(apiVersion, '1.48') >= 0,
    imageMounts: compareApiVersions(apiVersion, '1.48') >= 0,
    enableIpv4: compareApiVersions(apiVersion, '1.48') >= 0,
  };
}

/**
 * What one spec field puts into an Engine API body: the keys it fills, any of them undefined when the
 * spec leaves it out or the engine's API is too old for it.
 */
type Fill<Body> = (spec: ContainerSpec, api: ApiLevel) => { [K in keyof Body]?: Body[K] | undefined } | undefined;

/** The filled keys of every entry, in table order, leaving out those the spec leaves out. */
function fillFrom<Body extends object>(
  table: Record<string, Fill<Body>>,
  spec: ContainerSpec,
  api: ApiLevel,
): Partial<Body> {
  const out: Partial<Body> = {};
  for (const fill of Object.values(table)) {
    for (const [key, value] of Object.entries(fill(spec, api) ?? {})) {
      if (value !== undefined) Object.assign(out, { [key]: value });
    }
  }
  return out;
}

/** A copy of a list that has entries; none for an empty one. */
function someOf<T>(list: readonly T[] | undefined): T[] | undefined {
  return list?.length ? [...list] : undefined;
}

/** A copy of a map that has entries; none for an empty one. */
function entriesOf(map: Record<string, string> | undefined): Record<string, string> | undefined {
  return map && Object.keys(map).length > 0 ? { ...map } : undefined;
}

/** `Config` of `POST /containers/create`, by the spec field each key comes from (after Image, Env, Labels). */
const CONTAINER_CONFIG: { [K in keyof ContainerSpec]?: Fill<EngineContainerCreateBody> } = {
  hostname: (s) => ({ Hostname: s.hostname }),
  domainname: (s) => ({ Domainname: s.domainname }),
  user: (s) => ({ User: s.user }),
  workingDir: (s) => ({ WorkingDir: s.workingDir }),
  tty: (s) => ({ Tty: s.tty }),
  openStdin: (s) => ({ OpenStdin: s.openStdin }),
  command: (s) => ({ Cmd: s.command && [...s.command] }),
  // An empty entrypoint must reach the engine as [""]: an empty list means "the image's".
  entrypoint: (s) => ({ Entrypoint: s.entrypoint && (s.entrypoint.length === 0 ? [''] : [...s.entrypoint]) }),
  stopSignal: (s) => ({ StopSignal: s.stopSignal }),
  stopTimeoutSec: (s) => ({ StopTimeout: s.stopTimeoutSec }),
  exposedPorts: (s) => ({ ExposedPorts: exposedPorts(s) }),
  healthcheck: (s, api) => s.healthcheck && { Healthcheck: healthcheckBody(s.healthcheck, api.modern) },
  // The MAC address moved from the container config to the endpoint in API 1.44; before, the
  // container config holds the service's, else the primary network's (as Compose does).
  macAddress: (s, api) => ({ MacAddress: api.modern && splitEndpoints(s).first ? undefined : s.macAddress }),
  endpoints: (s, api) => ({
    MacAddress: !api.modern && s.macAddress === undefined ? splitEndpoints(s).first?.macAddress : undefined,
    NetworkingConfig: networkingConfig(s, api),
  }),
};

/**
 * The body of `POST /containers/create` for a spec. Endpoints after the first are not in it: the
 * runtime connects them once the container exists.
 */
export function containerCreateBody(spec: ContainerSpec, apiVersion: string): EngineContainerCreateBody {
  const api = apiLevel(apiVersion);
  const body: EngineContainerCreateBody = {
    Image: spec.image,
    Env: [...spec.env],
    Labels: { ...spec.labels },
    HostConfig: hostConfig(spec, api),
  };
  return Object.assign(body, fillFrom(CONTAINER_CONFIG, spec, api));
}

/** Every port the container exposes: the `expose` ones and the published ones. */
function exposedPorts(spec: ContainerSpec): EngineContainerCreateBody['ExposedPorts'] {
  const exposed: Record<string, Record<string, never>> = {};
  for (const p of spec.exposedPorts ?? []) exposed[portKey(p.port, p.protocol)] = {};
  for (const p of spec.ports) exposed[portKey(p.target, p.protocol)] = {};
  for (const p of spec.portRanges ?? []) exposed[portKey(p.target, p.protocol)] = {};
  return Object.keys(exposed).length > 0 ? exposed : undefined;
}

function healthcheckBody(
  h: NonNullable<ContainerSpec['healthcheck']>,
  modernApi: boolean,
): EngineContainerCreateBody['Healthcheck'] {
  const out: NonNullable<EngineContainerCreateBody['Healthcheck']> = { Test: [...h.test] };
  if (h.intervalNs !== undefined) out.Interval = h.intervalNs;
  if (h.timeoutNs !== undefined) out.Timeout = h.timeoutNs;
  if (h.startPeriodNs !== undefined) out.StartPeriod = h.startPeriodNs;
  // Known from API 1.44; older engines would ignore it anyway.
  if (h.startIntervalNs !== undefined && modernApi) out.StartInterval = h.startIntervalNs;
  if (h.retries !== undefined) out.Retries = h.retries;
  return out;
}

/** The endpoint attached at create, with the service's MAC address on API 1.44 and later. */
function networkingConfig(spec: ContainerSpec, api: ApiLevel): EngineContainerCreateBody['NetworkingConfig'] {
  const { first } = splitEndpoints(spec);
  if (!first) return undefined;
  const extra = api.modern && spec.macAddress !== undefined ? { macAddress: spec.macAddress } : {};
  return { EndpointsConfig: { [first.network]: endpointBody(first, api, extra) } };
}

/** `HostConfig` of `POST /containers/create`, by the spec field each key comes from. */
const HOST_CONFIG: { [K in keyof ContainerSpec]?: Fill<EngineHostConfig> } = {
  ports: (s) => ({ PortBindings: portBindings(s) }),
  mounts: (s, api) => mountsHostConfig(s.mounts, api),
  volumesFrom: (s) => ({ VolumesFrom: someOf(s.volumesFrom) }),
  restartPolicy: (s) => s.restartPolicy && { RestartPolicy: restartPolicy(s.restartPolicy) },
  networkMode: (s) => ({ NetworkMode: networkModeFor(s) }),
  extraHosts: (s) => ({ ExtraHosts: someOf(s.extraHosts) }),
  dns: (s) => ({ Dns: someOf(s.dns) }),
  dnsSearch: (s) => ({ DnsSearch: someOf(s.dnsSearch) }),
  dnsOptions: (s) => ({ DnsOptions: someOf(s.dnsOptions) }),
  capAdd: (s) => ({ CapAdd: someOf(s.capAdd) }),
  capDrop: (s) => ({ CapDrop: someOf(s.capDrop) }),
  privileged: (s) => ({ Privileged: s.privileged }),
  readOnlyRootfs: (s) => ({ ReadonlyRootfs: s.readOnlyRootfs }),
  init: (s) => ({ Init: s.init }),
  tmpfs: (s) => ({ Tmpfs: entriesOf(s.tmpfs) }),
  ipcMode: (s) => ({ IpcMode: s.ipcMode }),
  pidMode: (s) => ({ PidMode: s.pidMode }),
  shmSize: (s) => ({ ShmSize: s.shmSize }),
  securityOpt: (s) => ({ SecurityOpt: someOf(s.securityOpt) }),
  sysctls: (s) => ({ Sysctls: entriesOf(s.sysctls) }),
  ulimits: (s) => ({ Ulimits: someOf(s.ulimits)?.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })) }),
  devices: (s) => ({ Devices: someOf(s.devices)?.map(engineDevice) }),
  logConfig: (s) => s.logConfig && { LogConfig: { Type: s.logConfig.type, Config: { ...s.logConfig.config } } },
  memoryBytes: (s) => ({ Memory: s.memoryBytes }),
  memorySwapBytes: (s) => ({ MemorySwap: s.memorySwapBytes }),
  memoryReservationBytes: (s) => ({ MemoryReservation: s.memoryReservationBytes }),
  memorySwappiness: (s) => ({ MemorySwappiness: s.memorySwappiness }),
  oomKillDisable: (s) => ({ OomKillDisable: s.oomKillDisable }),
  oomScoreAdj: (s) => ({ OomScoreAdj: s.oomScoreAdj }),
  nanoCpus: (s) => ({ NanoCpus: s.nanoCpus }),
  cpuShares: (s) => ({ CpuShares: s.cpuShares }),
  cpuPeriodUs: (s) => ({ CpuPeriod: s.cpuPeriodUs }),
  cpuQuotaUs: (s) => ({ CpuQuota: s.cpuQuotaUs }),
  cpusetCpus: (s) => ({ CpusetCpus: s.cpusetCpus }),
  cpuRealtimePeriodUs: (s) => ({ CpuRealtimePeriod: s.cpuRealtimePeriodUs }),
  cpuRealtimeRuntimeUs: (s) => ({ CpuRealtimeRuntime: s.cpuRealtimeRuntimeUs }),
  cpuCount: (s) => ({ CpuCount: s.cpuCount }),
  cpuPercent: (s) => ({ CpuPercent: s.cpuPercent }),
  pidsLimit: (s) => ({ PidsLimit: s.pidsLimit }),
  blkio: (s) => s.blkio && blkioHostConfig(s.blkio),
  deviceRequests: (s) => ({ DeviceRequests: someOf(s.deviceRequests)?.map(engineDeviceRequest) }),
  cgroupParent: (s) => ({ CgroupParent: s.cgroupParent }),
  cgroupnsMode: (s) => ({ CgroupnsMode: s.cgroupnsMode }),
  utsMode: (s) => ({ UTSMode: s.utsMode }),
  usernsMode: (s) => ({ UsernsMode: s.usernsMode }),
  storageOpt: (s) => ({ StorageOpt: entriesOf(s.storageOpt) }),
  runtime: (s) => ({ Runtime: s.runtime }),
  isolation: (s) => ({ Isolation: s.isolation }),
  groupAdd: (s) => ({ GroupAdd: someOf(s.groupAdd) }),
  deviceCgroupRules: (s) => ({ DeviceCgroupRules: someOf(s.deviceCgroupRules) }),
  // Known from API 1.43: an older engine would drop it without a word (the loader warns instead).
  annotations: (s, api) => ({ Annotations: api.annotations ? entriesOf(s.annotations) : undefined }),
};

function blkioHostConfig(b: BlkioSpec): Partial<EngineHostConfig> {
  const throttles = (list: { path: string; rate: number }[] | undefined): EngineThrottleDevice[] | undefined =>
    someOf(list)?.map((d) => ({ Path: d.path, Rate: d.rate }));
  return {
    BlkioWeight: b.weight,
    BlkioWeightDevice: someOf(b.weightDevice)?.map((d) => ({ Path: d.path, Weight: d.weight })),
    BlkioDeviceReadBps: throttles(b.deviceReadBps),
    BlkioDeviceWriteBps: throttles(b.deviceWriteBps),
    BlkioDeviceReadIOps: throttles(b.deviceReadIOps),
    BlkioDeviceWriteIOps: throttles(b.deviceWriteIOps),
  };
}

function engineDeviceRequest(d: DeviceRequestSpec): NonNullable<EngineHostConfig['DeviceRequests']>[number] {
  return {
    ...(d.driver !== undefined && { Driver: d.driver }),
    ...(d.count !== undefined && { Count: d.count }),
    ...(d.deviceIds !== undefined && { DeviceIDs: [...d.deviceIds] }),
    ...(d.capabilities.length > 0 && { Capabilities: d.capabilities.map((c) => [...c]) }),
    ...(d.options !== undefined && { Options: { ...d.options } }),
  };
}

function hostConfig(spec: ContainerSpec, api: ApiLevel): EngineHostConfig {
  return fillFrom(HOST_CONFIG, spec, api);
}

/** Published ports and port ranges, by container port. */
function portBindings(spec: ContainerSpec): EngineHostConfig['PortBindings'] {
  const bindings: NonNullable<EngineHostConfig['PortBindings']> = {};
  const addBinding = (key: string, hostIp: string | undefined, hostPort: string | undefined): void => {
    const b: { HostIp?: string; HostPort?: string } = {};
    if (hostIp !== undefined) b.HostIp = hostIp;
    b.HostPort = hostPort ?? '';
    (bindings[key] ??= []).push(b);
  };
  for (const p of spec.ports) addBinding(portKey(p.target, p.protocol), p.hostIp, p.hostPort?.toString());
  for (const p of spec.portRanges ?? []) addBinding(portKey(p.target, p.protocol), p.hostIp, p.hostPort);
  return Object.keys(bindings).length > 0 ? bindings : undefined;
}

/**
 * Bind mounts whose host path must be created, or that are relabelled for SELinux (`Mounts` has no
 * such option; Compose sends those as `Binds` too), go to `Binds`, unless a recursion mode needs
 * `Mounts` (it then creates the host path with `CreateMountpoint`, API 1.42); every other mount to `Mounts`. An
 * image mount is left out on an engine older than API 1.48 (the loader warns of it).
 */
function mountsHostConfig(specMounts: MountSpec[], api: ApiLevel): Pick<EngineHostConfig, 'Binds' | 'Mounts'> {
  const binds: string[] = [];
  const mounts: EngineMount[] = [];
  for (const m of specMounts) {
    if (m.type === 'bind' && m.recursive === undefined && (m.createHostPath || m.selinux)) binds.push(bindString(m));
    else if (m.type !== 'image' || api.imageMounts) mounts.push(engineMount(m, api.subpath, api.modern));
  }
  return { Binds: someOf(binds), Mounts: someOf(mounts) };
}

function restartPolicy(policy: NonNullable<ContainerSpec['restartPolicy']>): EngineHostConfig['RestartPolicy'] {
  const out: NonNullable<EngineHostConfig['RestartPolicy']> = { Name: policy.name };
  if (policy.maxRetries !== undefined) out.MaximumRetryCount = policy.maxRetries;
  return out;
}

function engineDevice(
  d: NonNullable<ContainerSpec['devices']>[number],
): NonNullable<EngineHostConfig['Devices']>[number] {
  return { PathOnHost: d.source, PathInContainer: d.target, CgroupPermissions: d.permissions };
}

/** `POST /networks/create`; `EnableIPv4` only from API 1.48, where the engine knows it (the loader warns before). */
export function networkCreateBody(spec: NetworkSpec, apiVersion: string): EngineNetworkCreateBody {
  const body: EngineNetworkCreateBody = { Name: spec.name, CheckDuplicate: true, Labels: { ...spec.labels } };
  if (spec.driver !== undefined) body.Driver = spec.driver;
  if (spec.driverOpts && Object.keys(spec.driverOpts).length > 0) body.Options = { ...spec.driverOpts };
  if (spec.internal !== undefined) body.Internal = spec.internal;
  if (spec.attachable !== undefined) body.Attachable = spec.attachable;
  if (spec.enableIpv6 !== undefined) body.EnableIPv6 = spec.enableIpv6;
  if (spec.enableIpv4 !== undefined && apiLevel(apiVersion).enableIpv4) body.EnableIPv4 = spec.enableIpv4;
  if (spec.ipam) {
    const ipam: NonNullable<EngineNetworkCreateBody['IPAM']> = {
      Config: spec.ipam.config.map((c) => {
        const o: { Subnet?: string; Gateway?: string; IPRange?: string; AuxiliaryAddresses?: Record<string, string> } =
          {};
        if (c.subnet !== undefined) o.Subnet = c.subnet;
        if (c.gateway !== undefined) o.Gateway = c.gateway;
        if (c.ipRange !== undefined) o.IPRange = c.ipRange;
        if (c.auxAddresses && Object.keys(c.auxAddresses).length > 0) o.AuxiliaryAddresses = { ...c.auxAddresses };
        return o;
      }),
    };
    if (spec.ipam.driver !== undefined) ipam.Driver = spec.ipam.driver;
    if (spec.ipam.options && Object.keys(spec.ipam.options).length > 0) ipam.Options = { ...spec.ipam.options };
    body.IPAM = ipam;
  }
  return body;
}

export function volumeCreateBody(spec: VolumeSpec): {
  Name: string;
  Driver?: string;
  DriverOpts?: Record<string, string>;
  Labels: Record<string, string>;
} {
  const body: { Name: string; Driver?: string; DriverOpts?: Record<string, string>; Labels: Record<string, string> } = {
    Name: spec.name,
    Labels: { ...spec.labels },
  };
  if (spec.driver !== undefined) body.Driver = spec.driver;
  if (spec.driverOpts && Object.keys(spec.driverOpts).length > 0) body.DriverOpts = { ...spec.driverOpts };
  return body;
}
