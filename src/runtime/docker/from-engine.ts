/**
 * Engine API answers as berth's types. Pure. Docker and Podman differences (null lists, other state
 * words, health under another key) are settled here and nowhere else.
 */
import type {
  ContainerDetails,
  ContainerState,
  ContainerSummary,
  HealthState,
  ImageSummary,
  NetworkSummary,
  PublishedPort,
  VolumeSummary,
} from '../runtime.js';
import type {
  EngineContainerInspect,
  EngineContainerSummary,
  EngineHealth,
  EngineImageInspect,
  EngineImageSummary,
  EngineLabels,
  EngineNetwork,
  EnginePort,
  EngineVolume,
} from './engine-types.js';

/**
 * Health as a list call words it inside the status text:
 * Docker "Up 3 seconds (healthy)", "Up 1 second (health: starting)", "Up 2 minutes (unhealthy)";
 * Podman "Up 3 seconds (starting)". No parenthesis (or an exited container): "none".
 */
export function parseHealthFromStatus(status: string | undefined): HealthState {
  if (!status) return 'none';
  const m = /\((?:health:\s*)?(healthy|unhealthy|starting)\)/i.exec(status);
  if (!m) return 'none';
  return m[1]!.toLowerCase() as HealthState;
}

/** A health status word from inspect ("healthy", "starting", "" on Podman without a check). */
export function normalizeHealth(status: string | undefined): HealthState {
  switch ((status ?? '').toLowerCase()) {
    case 'healthy':
      return 'healthy';
    case 'unhealthy':
      return 'unhealthy';
    case 'starting':
      return 'starting';
    default:
      return 'none';
  }
}

/**
 * The engine's state word as berth's. Docker's are berth's; Podman's compatibility API may say
 * "configured"/"initialized" (not started yet), "stopped" (exited) or "stopping".
 */
export function normalizeContainerState(state: string | undefined): ContainerState {
  switch ((state ?? '').toLowerCase()) {
    case 'created':
    case 'configured':
    case 'initialized':
      return 'created';
    case 'running':
    case 'stopping':
      return 'running';
    case 'paused':
      return 'paused';
    case 'restarting':
      return 'restarting';
    case 'removing':
      return 'removing';
    case 'exited':
    case 'stopped':
      return 'exited';
    default:
      return 'dead';
  }
}

export function labelsFrom(labels: EngineLabels): Record<string, string> {
  return labels ? { ...labels } : {};
}

function protocolOf(s: string | undefined): PublishedPort['protocol'] {
  const p = (s ?? 'tcp').toLowerCase();
  return p === 'udp' || p === 'sctp' ? p : 'tcp';
}

export function portsFromList(ports: EnginePort[] | null | undefined): PublishedPort[] {
  return (ports ?? []).map((p) => {
    const out: PublishedPort = { target: p.PrivatePort, protocol: protocolOf(p.Type) };
    if (p.IP) out.hostIp = p.IP;
    if (p.PublicPort) out.hostPort = p.PublicPort;
    return out;
  });
}

/** `NetworkSettings.Ports` of inspect: `{"8080/tcp": [{HostIp, HostPort}]}`, null when only exposed. */
export function portsFromInspect(
  ports: Record<string, { HostIp?: string; HostPort?: string }[] | null> | null | undefined,
): PublishedPort[] {
  const out: PublishedPort[] = [];
  for (const [key, bindings] of Object.entries(ports ?? {})) {
    const [portText, proto] = key.split('/');
    const target = Number(portText);
    if (!Number.isFinite(target)) continue;
    if (!bindings || bindings.length === 0) {
      out.push({ target, protocol: protocolOf(proto) });
      continue;
    }
    for (const b of bindings) {
      const p: PublishedPort = { target, protocol: protocolOf(proto) };
      if (b.HostIp) p.hostIp = b.HostIp;
      const hostPort = Number(b.HostPort);
      if (b.HostPort && Number.isFinite(hostPort)) p.hostPort = hostPort;
      out.push(p);
    }
  }
  return out;
}

function stripSlash(name: string | undefined): string {
  return (name ?? '').replace(/^\//, '');
}

/** A container as the engine's list gives it: its volumes are absent when the engine leaves mounts out. */
export type ListedContainer = Omit<ContainerSummary, 'volumes'> & Partial<Pick<ContainerSummary, 'volumes'>>;

export function containerSummaryFrom(e: EngineContainerSummary): ListedContainer {
  const status = e.Status ?? '';
  return {
    id: e.Id,
    name: stripSlash(e.Names?.[0]),
    image: e.Image ?? '',
    imageId: e.ImageID ?? '',
    labels: labelsFrom(e.Labels),
    state: normalizeContainerState(e.State),
    status,
    health: parseHealthFromStatus(status),
    created: e.Created ?? 0,
    ports: portsFromList(e.Ports),
    networks: Object.keys(e.NetworkSettings?.Networks ?? {}),
    ...(e.HostConfig?.NetworkMode && { networkMode: e.HostConfig.NetworkMode }),
    ...volumesFromList(e.Mounts),
  };
}

/**
 * The volumes a listed container mounts, which a recreate carries over when anonymous. A list without
 * mounts (an engine that leaves them out) says nothing: `volumes` stays absent, and the runtime inspects
 * the container for them (`volumesFromMounts`).
 */
function volumesFromList(mounts: EngineContainerSummary['Mounts']): Partial<Pick<ContainerSummary, 'volumes'>> {
  if (!Array.isArray(mounts)) return {};
  return {
    volumes: mounts.flatMap((m) => (m.Type === 'volume' && m.Name ? [{ name: m.Name, target: m.Destination }] : [])),
  };
}

/** Engine timestamps; Go's zero time ("0001-01-01T00:00:00Z") means never. */
export function timestampFrom(s: string | undefined): string | undefined {
  if (!s || s.startsWith('0001-01-01')) return undefined;
  return s;
}

function toList(v: string[] | string | null | undefined): string[] {
  if (v === null || v === undefined) return [];
  return typeof v === 'string' ? [v] : [...v];
}

/**
 * A status line for an inspected container, since inspect has no human text: "Up (healthy)",
 * "Exited (0)", "Created". Shorter than a list's (no durations) but parsed the same way.
 */
export function statusTextFrom(state: ContainerState, exitCode: number, health: HealthState): string {
  switch (state) {
    case 'running':
      return health === 'none' ? 'Up' : `Up (${health === 'starting' ? 'health: starting' : health})`;
    case 'exited':
      return `Exited (${exitCode})`;
    case 'created':
      return 'Created';
    case 'paused':
      return 'Up (Paused)';
    case 'restarting':
      return `Restarting (${exitCode})`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
  }
}

export function containerDetailsFrom(e: EngineContainerInspect): ContainerDetails {
  const st = e.State ?? {};
  const healthObj: EngineHealth | null | undefined = st.Health ?? st.Healthcheck;
  const state = normalizeContainerState(st.Status);
  const health = normalizeHealth(healthObj?.Status);
  const exitCode = st.ExitCode ?? 0;
  const networks = e.NetworkSettings?.Networks ?? {};
  const mounts = mountsFromInspect(e.Mounts);
  const details: ContainerDetails = {
    id: e.Id,
    name: stripSlash(e.Name),
    image: e.Config?.Image ?? '',
    imageId: e.Image ?? '',
    labels: labelsFrom(e.Config?.Labels),
    state,
    status: statusTextFrom(state, exitCode, health),
    health,
    created: secondsFrom(e.Created),
    ports: portsFromInspect(e.NetworkSettings?.Ports),
    networks: Object.keys(networks),
    exitCode,
    ...processFrom(e.Config),
    mounts,
    volumes: volumesFromMounts(mounts),
    restartCount: e.RestartCount ?? 0,
    networkSettings: networkSettingsFrom(networks),
    tty: e.Config?.Tty === true,
    openStdin: e.Config?.OpenStdin === true,
  };
  return Object.assign(details, healthLogFrom(healthObj), startAndFinishFrom(st));
}

/** An engine timestamp as seconds since the epoch; 0 when missing or unparsable. */
function secondsFrom(text: string | undefined): number {
  const created = text ? Math.floor(Date.parse(text) / 1000) : 0;
  return Number.isFinite(created) ? created : 0;
}

/** What the container runs: its environment, command and entrypoint (null lists on Podman). */
function processFrom(
  config: EngineContainerInspect['Config'],
): Pick<ContainerDetails, 'env' | 'command' | 'entrypoint'> {
  return { env: toList(config?.Env), command: toList(config?.Cmd), entrypoint: toList(config?.Entrypoint) };
}

/** The volumes (named and anonymous) among an inspected container's mounts, as a list reports them. */
export function volumesFromMounts(mounts: ContainerDetails['mounts']): ContainerSummary['volumes'] {
  return mounts.flatMap((m) =>
    m.type === 'volume' && m.name !== undefined ? [{ name: m.name, target: m.target }] : [],
  );
}

function mountsFromInspect(mounts: EngineContainerInspect['Mounts']): ContainerDetails['mounts'] {
  return (mounts ?? []).map((m) => {
    const out: ContainerDetails['mounts'][number] = {
      type: m.Type ?? 'volume',
      source: m.Source ?? '',
      target: m.Destination,
      readOnly: m.RW === false,
    };
    if (m.Name) out.name = m.Name;
    return out;
  });
}

function networkSettingsFrom(
  networks: NonNullable<NonNullable<EngineContainerInspect['NetworkSettings']>['Networks']>,
): ContainerDetails['networkSettings'] {
  const networkSettings: ContainerDetails['networkSettings'] = {};
  for (const [name, ep] of Object.entries(networks)) {
    networkSettings[name] = { ipAddress: ep.IPAddress ?? '', aliases: [...(ep.Aliases ?? [])] };
  }
  return networkSettings;
}

/** The health check's recent results, when it has any. */
function healthLogFrom(healthObj: EngineHealth | null | undefined): Pick<ContainerDetails, 'healthLog'> {
  if (!healthObj?.Log || healthObj.Log.length === 0) return {};
  return { healthLog: healthObj.Log.map((l) => ({ exitCode: l.ExitCode ?? 0, output: l.Output ?? '' })) };
}

/** When the container last started and finished, leaving out Go's zero time. */
function startAndFinishFrom(
  st: NonNullable<EngineContainerInspect['State']>,
): Pick<ContainerDetails, 'startedAt' | 'finishedAt'> {
  const out: Pick<ContainerDetails, 'startedAt' | 'finishedAt'> = {};
  const startedAt = timestampFrom(st.StartedAt);
  if (startedAt) out.startedAt = startedAt;
  const finishedAt = timestampFrom(st.FinishedAt);
  if (finishedAt) out.finishedAt = finishedAt;
  return out;
}

/**
 * The engine's RFC 3339 times drop trailing zeros of the fraction ("…:06.2564538Z") and may carry an
 * offset: as UTC with nine fraction digits, text order is time order. Undefined when unparsable.
 */
export function sortableTime(text: string): string | undefined {
  const m = /^(.+?)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  const ms = m ? Date.parse(`${m[1]}${m[3]}`) : NaN;
  if (!m || Number.isNaN(ms)) return undefined;
  return `${new Date(ms).toISOString().slice(0, 19)}.${(m[2] ?? '').padEnd(9, '0')}Z`;
}

export function networkFrom(e: EngineNetwork): NetworkSummary {
  const created = e.Created === undefined ? undefined : sortableTime(e.Created);
  return {
    id: e.Id,
    name: e.Name,
    driver: e.Driver ?? '',
    labels: labelsFrom(e.Labels),
    containers: Object.keys(e.Containers ?? {}),
    ...(created !== undefined && { created }),
  };
}

export function volumeFrom(e: EngineVolume): VolumeSummary {
  const out: VolumeSummary = {
    name: e.Name,
    driver: e.Driver ?? 'local',
    labels: labelsFrom(e.Labels),
    mountpoint: e.Mountpoint ?? '',
  };
  if (e.Options && Object.keys(e.Options).length > 0) out.options = { ...e.Options };
  if (e.Scope) out.scope = e.Scope;
  return out;
}

/** Docker lists untagged images with "<none>:<none>" / "<none>@<none>": they are no tags. */
function realRefs(refs: string[] | null | undefined): string[] {
  return (refs ?? []).filter((r) => !r.startsWith('<none>'));
}

export function imageSummaryFrom(e: EngineImageSummary): ImageSummary {
  return {
    id: e.Id,
    repoTags: realRefs(e.RepoTags),
    repoDigests: realRefs(e.RepoDigests),
    labels: labelsFrom(e.Labels),
    created: e.Created ?? 0,
    size: e.Size ?? 0,
  };
}

export function imageInspectFrom(e: EngineImageInspect): ImageSummary {
  return {
    id: e.Id,
    repoTags: realRefs(e.RepoTags),
    repoDigests: realRefs(e.RepoDigests),
    labels: labelsFrom(e.Config?.Labels),
    created: secondsFrom(e.Created),
    size: e.Size ?? 0,
  };
}
