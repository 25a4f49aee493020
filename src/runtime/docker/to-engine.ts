/**
 * berth's specs as Engine API request bodies. Pure: no I/O, the API version is a parameter where the
 * engine's shape changed between versions.
 */
import type { ContainerSpec, EndpointSpec, LabelFilter, MountSpec, NetworkSpec, VolumeSpec } from '../runtime.js';
import type {
  EngineContainerCreateBody,
  EngineEndpointConfig,
  EngineHostConfig,
  EngineMount,
  EngineNetworkCreateBody,
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

export function endpointConfig(
  endpoint: Omit<EndpointSpec, 'network'>,
  extra: { macAddress?: string } = {},
): EngineEndpointConfig {
  const out: EngineEndpointConfig = {};
  if (endpoint.aliases.length > 0) out.Aliases = [...endpoint.aliases];
  if (endpoint.ipv4Address !== undefined || endpoint.ipv6Address !== undefined) {
    out.IPAMConfig = {};
    if (endpoint.ipv4Address !== undefined) out.IPAMConfig.IPv4Address = endpoint.ipv4Address;
    if (endpoint.ipv6Address !== undefined) out.IPAMConfig.IPv6Address = endpoint.ipv6Address;
  }
  if (extra.macAddress !== undefined) out.MacAddress = extra.macAddress;
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
  if (m.propagation) opts.push(m.propagation);
  return `${m.source ?? ''}:${m.target}${opts.length > 0 ? `:${opts.join(',')}` : ''}`;
}

export function engineMount(m: MountSpec): EngineMount {
  const out: EngineMount = { Type: m.type, Target: m.target };
  if (m.source !== undefined && m.type !== 'tmpfs') out.Source = m.source;
  if (m.readOnly) out.ReadOnly = true;
  if (m.type === 'bind' && m.propagation) out.BindOptions = { Propagation: m.propagation };
  if (m.type === 'volume' && m.noCopy) out.VolumeOptions = { NoCopy: true };
  if (m.type === 'tmpfs' && (m.tmpfsSize !== undefined || m.tmpfsMode !== undefined)) {
    out.TmpfsOptions = {};
    if (m.tmpfsSize !== undefined) out.TmpfsOptions.SizeBytes = m.tmpfsSize;
    if (m.tmpfsMode !== undefined) out.TmpfsOptions.Mode = m.tmpfsMode;
  }
  return out;
}

/**
 * The body of `POST /containers/create` for a spec. Endpoints after the first are not in it: the
 * runtime connects them once the container exists.
 */
export function containerCreateBody(spec: ContainerSpec, apiVersion: string): EngineContainerCreateBody {
  const modernEndpoints = compareApiVersions(apiVersion, '1.44') >= 0;
  const body: EngineContainerCreateBody = {
    Image: spec.image,
    Env: [...spec.env],
    Labels: { ...spec.labels },
    HostConfig: hostConfig(spec),
  };
  if (spec.hostname !== undefined) body.Hostname = spec.hostname;
  if (spec.domainname !== undefined) body.Domainname = spec.domainname;
  if (spec.user !== undefined) body.User = spec.user;
  if (spec.workingDir !== undefined) body.WorkingDir = spec.workingDir;
  if (spec.tty !== undefined) body.Tty = spec.tty;
  if (spec.openStdin !== undefined) body.OpenStdin = spec.openStdin;
  if (spec.command !== undefined) body.Cmd = [...spec.command];
  // An empty entrypoint must reach the engine as [""]: an empty list means "the image's".
  if (spec.entrypoint !== undefined) body.Entrypoint = spec.entrypoint.length === 0 ? [''] : [...spec.entrypoint];
  if (spec.stopSignal !== undefined) body.StopSignal = spec.stopSignal;
  if (spec.stopTimeoutSec !== undefined) body.StopTimeout = spec.stopTimeoutSec;

  const exposed: Record<string, Record<string, never>> = {};
  for (const p of spec.exposedPorts ?? []) exposed[portKey(p.port, p.protocol)] = {};
  for (const p of spec.ports) exposed[portKey(p.target, p.protocol)] = {};
  for (const p of spec.portRanges ?? []) exposed[portKey(p.target, p.protocol)] = {};
  if (Object.keys(exposed).length > 0) body.ExposedPorts = exposed;

  if (spec.healthcheck) {
    const h = spec.healthcheck;
    body.Healthcheck = { Test: [...h.test] };
    if (h.intervalNs !== undefined) body.Healthcheck.Interval = h.intervalNs;
    if (h.timeoutNs !== undefined) body.Healthcheck.Timeout = h.timeoutNs;
    if (h.startPeriodNs !== undefined) body.Healthcheck.StartPeriod = h.startPeriodNs;
    // Known from API 1.44; older engines would ignore it anyway.
    if (h.startIntervalNs !== undefined && modernEndpoints) body.Healthcheck.StartInterval = h.startIntervalNs;
    if (h.retries !== undefined) body.Healthcheck.Retries = h.retries;
  }

  const { first } = splitEndpoints(spec);
  // The MAC address moved from the container config to the endpoint in API 1.44.
  if (spec.macAddress !== undefined && !(modernEndpoints && first)) body.MacAddress = spec.macAddress;
  if (first) {
    const extra = modernEndpoints && spec.macAddress !== undefined ? { macAddress: spec.macAddress } : {};
    body.NetworkingConfig = { EndpointsConfig: { [first.network]: endpointConfig(first, extra) } };
  }
  return body;
}

function hostConfig(spec: ContainerSpec): EngineHostConfig {
  const hc: EngineHostConfig = {};

  const bindings: NonNullable<EngineHostConfig['PortBindings']> = {};
  const addBinding = (key: string, hostIp: string | undefined, hostPort: string | undefined): void => {
    const b: { HostIp?: string; HostPort?: string } = {};
    if (hostIp !== undefined) b.HostIp = hostIp;
    b.HostPort = hostPort ?? '';
    (bindings[key] ??= []).push(b);
  };
  for (const p of spec.ports) addBinding(portKey(p.target, p.protocol), p.hostIp, p.hostPort?.toString());
  for (const p of spec.portRanges ?? []) addBinding(portKey(p.target, p.protocol), p.hostIp, p.hostPort);
  if (Object.keys(bindings).length > 0) hc.PortBindings = bindings;

  const binds: string[] = [];
  const mounts: EngineMount[] = [];
  for (const m of spec.mounts) {
    if (m.type === 'bind' && m.createHostPath) binds.push(bindString(m));
    else mounts.push(engineMount(m));
  }
  if (binds.length > 0) hc.Binds = binds;
  if (mounts.length > 0) hc.Mounts = mounts;
  if (spec.volumesFrom && spec.volumesFrom.length > 0) hc.VolumesFrom = [...spec.volumesFrom];

  if (spec.restartPolicy) {
    hc.RestartPolicy = { Name: spec.restartPolicy.name };
    if (spec.restartPolicy.maxRetries !== undefined) hc.RestartPolicy.MaximumRetryCount = spec.restartPolicy.maxRetries;
  }
  const mode = networkModeFor(spec);
  if (mode !== undefined) hc.NetworkMode = mode;

  if (spec.extraHosts?.length) hc.ExtraHosts = [...spec.extraHosts];
  if (spec.dns?.length) hc.Dns = [...spec.dns];
  if (spec.dnsSearch?.length) hc.DnsSearch = [...spec.dnsSearch];
  if (spec.dnsOptions?.length) hc.DnsOptions = [...spec.dnsOptions];
  if (spec.capAdd?.length) hc.CapAdd = [...spec.capAdd];
  if (spec.capDrop?.length) hc.CapDrop = [...spec.capDrop];
  if (spec.privileged !== undefined) hc.Privileged = spec.privileged;
  if (spec.readOnlyRootfs !== undefined) hc.ReadonlyRootfs = spec.readOnlyRootfs;
  if (spec.init !== undefined) hc.Init = spec.init;
  if (spec.tmpfs && Object.keys(spec.tmpfs).length > 0) hc.Tmpfs = { ...spec.tmpfs };
  if (spec.ipcMode !== undefined) hc.IpcMode = spec.ipcMode;
  if (spec.pidMode !== undefined) hc.PidMode = spec.pidMode;
  if (spec.shmSize !== undefined) hc.ShmSize = spec.shmSize;
  if (spec.securityOpt?.length) hc.SecurityOpt = [...spec.securityOpt];
  if (spec.sysctls && Object.keys(spec.sysctls).length > 0) hc.Sysctls = { ...spec.sysctls };
  if (spec.ulimits?.length) hc.Ulimits = spec.ulimits.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard }));
  if (spec.devices?.length) {
    hc.Devices = spec.devices.map((d) => ({
      PathOnHost: d.source,
      PathInContainer: d.target,
      CgroupPermissions: d.permissions,
    }));
  }
  if (spec.logConfig) hc.LogConfig = { Type: spec.logConfig.type, Config: { ...spec.logConfig.config } };
  if (spec.memoryBytes !== undefined) hc.Memory = spec.memoryBytes;
  if (spec.nanoCpus !== undefined) hc.NanoCpus = spec.nanoCpus;
  if (spec.pidsLimit !== undefined) hc.PidsLimit = spec.pidsLimit;
  return hc;
}

export function networkCreateBody(spec: NetworkSpec): EngineNetworkCreateBody {
  const body: EngineNetworkCreateBody = { Name: spec.name, CheckDuplicate: true, Labels: { ...spec.labels } };
  if (spec.driver !== undefined) body.Driver = spec.driver;
  if (spec.driverOpts && Object.keys(spec.driverOpts).length > 0) body.Options = { ...spec.driverOpts };
  if (spec.internal !== undefined) body.Internal = spec.internal;
  if (spec.attachable !== undefined) body.Attachable = spec.attachable;
  if (spec.enableIpv6 !== undefined) body.EnableIPv6 = spec.enableIpv6;
  if (spec.ipam) {
    const ipam: NonNullable<EngineNetworkCreateBody['IPAM']> = {
      Config: spec.ipam.config.map((c) => {
        const o: { Subnet?: string; Gateway?: string; IPRange?: string } = {};
        if (c.subnet !== undefined) o.Subnet = c.subnet;
        if (c.gateway !== undefined) o.Gateway = c.gateway;
        if (c.ipRange !== undefined) o.IPRange = c.ipRange;
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
