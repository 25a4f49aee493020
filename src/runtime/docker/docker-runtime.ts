/**
 * The `Runtime` interface on the Docker Engine API. Each method is one or a few HTTP calls; shapes are
 * translated by the pure helpers in `to-engine.ts` and `from-engine.ts`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BuildContextError,
  BuildError,
  ConflictError,
  EngineError,
  NameConflictError,
  NotFoundError,
  RegistryAuthError,
  ResourceInUseError,
  type ResourceUser,
  UsageError,
} from '../../errors.js';
import type {
  ApiSocketHandoff,
  BuildProgress,
  BuildSpec,
  RegistryAuth,
  ContainerDetails,
  ContainerSpec,
  ContainerStats,
  ContainerSummary,
  EndpointSpec,
  EngineEvent,
  EngineInfo,
  ExecSpec,
  LogLine,
  LogOptions,
  PathStat,
  PutArchiveOptions,
  ProcessIO,
  ProcessList,
  ImageSummary,
  LabelFilter,
  NetworkSpec,
  NetworkSummary,
  ObservedState,
  PullProgress,
  Runtime,
  VolumeSpec,
  VolumeSummary,
} from '../runtime.js';
import type {
  EngineContainerInspect,
  EngineContainerSummary,
  EngineImageInspect,
  EngineImageSummary,
  EngineNetwork,
  EngineVersion,
  EngineVolume,
} from './engine-types.js';
import {
  containerDetailsFrom,
  containerSummaryFrom,
  imageInspectFrom,
  imageSummaryFrom,
  networkFrom,
  volumeFrom,
  volumesFromMounts,
  type ListedContainer,
} from './from-engine.js';
import { familiarRef, isImageId } from '../image-ref.js';
import { matchImageRefs } from './image-ref.js';
import { getArchive, putArchive, statContainerPath } from './archive.js';
import { engineEvents } from './events.js';
import { injectedFilesTar } from './inject.js';
import { attachToContainer, execInContainer } from './exec.js';
import { containerLogs } from './logs.js';
import { containerStats } from './stats.js';
import { PullProgressTracker, pullQuery, type PullMessage } from './pull.js';
import {
  CredentialStore,
  dockerConfigWith,
  encodeAuthConfigs,
  encodeAuthHeader,
  redact,
  registryHost,
} from './auth.js';
import { BuildTracker, buildQuery, type BuildMessage } from './build.js';
import { buildkitQuery, buildkitWarnings, checkBuildkitSpec, type Builder } from './buildkit.js';
import { jsonStream, type JsonStreamRequest } from './json-stream.js';
import { isAuthFailure, splitTag } from './push.js';
import { holderOf, renameSettled } from './names.js';
import { ensureNetwork } from './networks.js';
import { classifyRemoval, pollUntil, type PollTiming } from './removal.js';
import { portTakenOr } from './engine-errors.js';
import {
  containerCreateBody,
  endpointConfig,
  labelFilterValues,
  networkCreateBody,
  splitEndpoints,
  volumeCreateBody,
} from './to-engine.js';
import { encodeFilters, pathSegment, type Transport } from './transport.js';

export const PROJECT_LABEL = 'com.docker.compose.project';

/** "3f2a…" (64 hex) -> its 12-character short form, for messages; names stay as they are. */
export function shortRef(idOrName: string): string {
  return /^[0-9a-f]{64}$/.test(idOrName) ? idOrName.slice(0, 12) : idOrName;
}

/** How long removals wait for the engine; injected for tests. */
export interface RemovalTiming extends PollTiming {
  /** How long to wait for another client's removal of a container to finish. */
  removalTimeoutMs: number;
  /** How long a network or volume the engine still counts as used, by nothing there, is tried again. */
  staleUseMs: number;
}

const defaultTiming: RemovalTiming = {
  now: () => Date.now(),
  sleep: (ms) => sleep(ms),
  removalTimeoutMs: 60_000,
  staleUseMs: 3_000,
};

export class DockerRuntime implements Runtime {
  /** The engine's OS, asked once, for stats samples that do not carry theirs. */
  private engineOs?: Promise<string>;

  constructor(
    private readonly transport: Transport,
    /** Registry credentials (the Docker config file and its helpers); none: anonymous. */
    private readonly credentials?: CredentialStore,
    private readonly timing: RemovalTiming = defaultTiming,
    /** Which builder `buildImage` uses; asked at each build, so a bad DOCKER_BUILDKIT fails only builds. */
    private readonly chooseBuilder: () => Builder = () => 'buildkit',
  ) {}

  get endpoint(): string {
    return this.transport.where;
  }

  async connect(): Promise<void> {
    await this.transport.apiVersion();
  }

  async apiSocket(): Promise<ApiSocketHandoff> {
    if (!this.transport.where.startsWith('unix://'))
      throw new UsageError(
        `use_api_socket can only be used with an engine behind a unix socket: the engine is at ${this.transport.where}`,
        { hint: 'run berth on the engine\'s host, or mount the socket with a "volumes:" entry' },
      );
    const auths = (await this.credentials?.allCredentials()) ?? {};
    return { socketPath: this.transport.where.slice('unix://'.length), dockerConfig: dockerConfigWith(auths) };
  }

  async info(): Promise<EngineInfo> {
    const apiVersion = await this.transport.apiVersion();
    const v = await this.transport.json<EngineVersion>({
      method: 'GET',
      path: '/version',
      operation: 'read engine version',
    });
    return { apiVersion, version: v.Version ?? '', os: v.Os ?? '', arch: v.Arch ?? '' };
  }

  async observe(project: string, imageRefs: string[]): Promise<ObservedState> {
    const labels: LabelFilter = { [PROJECT_LABEL]: project };
    const [containers, networks, volumes, images] = await Promise.all([
      this.listContainers({ labels, all: true }),
      this.listNetworks({ labels }),
      this.listVolumes({ labels }),
      this.imageIds(imageRefs),
    ]);
    return { containers, networks, volumes, images };
  }

  /** One list call for every named reference; an inspect only for those the list cannot answer. */
  private async imageIds(refs: string[]): Promise<Record<string, string>> {
    const unique = [...new Set(refs)];
    if (unique.length === 0) return {};
    // The engine's reference filter matches the familiar form ("busybox:latest", not docker.io/library/…).
    const names = [...new Set(unique.filter((r) => !isImageId(r)).map(familiarRef))];
    const listed = names.length === 0 ? [] : await this.listImagesByFilter({ reference: names });
    const { found, unmatched } = matchImageRefs(unique, listed);
    const inspected = await Promise.all(unmatched.map(async (ref) => [ref, await this.inspectImage(ref)] as const));
    for (const [ref, img] of inspected) if (img) found[ref] = img.id;
    return found;
  }

  async listContainers(filter: {
    labels?: LabelFilter;
    all?: boolean;
    name?: string;
    volume?: string;
  }): Promise<ContainerSummary[]> {
    const filters = encodeFilters({
      label: labelFilterValues(filter.labels),
      name: filter.name === undefined ? undefined : [filter.name],
      volume: filter.volume === undefined ? undefined : [filter.volume],
    });
    const list = await this.transport.json<EngineContainerSummary[] | null>({
      method: 'GET',
      path: '/containers/json',
      query: { all: filter.all ?? false, filters },
      operation: 'list containers',
    });
    const listed = (list ?? []).map(containerSummaryFrom);
    // The engine's name filter is a pattern match: keep only the exact name.
    return this.withVolumes(filter.name === undefined ? listed : listed.filter((c) => c.name === filter.name));
  }

  /**
   * Every listed container with its volumes: an engine whose list leaves mounts out has each such
   * container inspected for them (one gone meanwhile is left out, as a list a moment later would).
   */
  private async withVolumes(listed: ListedContainer[]): Promise<ContainerSummary[]> {
    const complete = await Promise.all(
      listed.map(async (c): Promise<ContainerSummary | undefined> => {
        if (c.volumes !== undefined) return { ...c, volumes: c.volumes };
        const mounts = await this.inspectContainer(c.id).then(
          (d) => d.mounts,
          (err: unknown) => {
            if (err instanceof NotFoundError) return undefined;
            throw err;
          },
        );
        return mounts === undefined ? undefined : { ...c, volumes: volumesFromMounts(mounts) };
      }),
    );
    return complete.filter((c): c is ContainerSummary => c !== undefined);
  }

  async inspectContainer(idOrName: string): Promise<ContainerDetails> {
    const e = await this.transport.json<EngineContainerInspect>({
      method: 'GET',
      path: `/containers/${pathSegment(idOrName)}/json`,
      operation: `inspect container ${shortRef(idOrName)}`,
    });
    return containerDetailsFrom(e);
  }

  /**
   * Creates the container attached to its first endpoint, then connects the others. When a connect
   * fails the half-made container is removed again, so that a retry does not meet a name conflict. A
   * name another container holds is a NameConflictError naming that container.
   */
  async createContainer(spec: ContainerSpec): Promise<string> {
    const apiVersion = await this.transport.apiVersion();
    const operation = `create container ${spec.name}`;
    const created = await this.transport
      .json<{ Id: string; Warnings?: string[] | null }>({
        method: 'POST',
        path: '/containers/create',
        query: { name: spec.name, platform: spec.platform },
        body: {
          ...containerCreateBody(spec, apiVersion),
          ...(spec.stdinOnce && { AttachStdin: true, StdinOnce: true }),
        },
        operation,
      })
      .catch(async (err: unknown) => {
        if (!(err instanceof ConflictError)) throw err;
        const conflict = new NameConflictError(err.status, err.engineMessage, operation);
        const holder = await holderOf((name) => this.inspectContainer(name), spec.name, this.timing);
        if (holder !== undefined) conflict.holder = holder;
        throw conflict;
      });
    const { rest } = splitEndpoints(spec);
    try {
      for (const ep of rest) await this.connectNetwork(ep.network, created.Id, ep);
      if (spec.files?.length) await putArchive(this.transport, created.Id, '/', injectedFilesTar(spec.files));
    } catch (err) {
      await this.removeContainer(created.Id, { force: true }).catch(() => undefined);
      throw err;
    }
    return created.Id;
  }

  /** A published port taken on the host is a PortTakenError. */
  async startContainer(id: string): Promise<void> {
    await this.transport
      .request({
        method: 'POST',
        path: `/containers/${pathSegment(id)}/start`,
        operation: `start container ${shortRef(id)}`,
        accept: [304],
      })
      .catch((err: unknown) => {
        throw portTakenOr(err);
      });
  }

  async stopContainer(id: string, timeoutSec?: number): Promise<void> {
    await this.transport.request({
      method: 'POST',
      path: `/containers/${pathSegment(id)}/stop`,
      query: { t: timeoutSec },
      operation: `stop container ${shortRef(id)}`,
      // 304: already stopped.
      accept: [304],
      // The engine answers after the grace period; without one we cannot know how long that is.
      timeoutMs: timeoutSec === undefined ? 0 : (timeoutSec + 60) * 1000,
      long: true,
    });
  }

  async killContainer(id: string, signal?: string): Promise<void> {
    await this.transport.request({
      method: 'POST',
      path: `/containers/${pathSegment(id)}/kill`,
      query: { signal },
      operation: `kill container ${shortRef(id)}`,
    });
  }

  /**
   * Done once the container is gone: already gone is done; a removal already under way (another client,
   * the engine's own `--rm`) is waited for, and tried again should it fail.
   */
  async removeContainer(id: string, options: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    const operation = `remove container ${shortRef(id)}`;
    const remove = async (): Promise<void> => {
      await this.transport.request({
        method: 'DELETE',
        path: `/containers/${pathSegment(id)}`,
        query: { force: options.force, v: options.volumes },
        operation,
      });
    };
    try {
      await remove();
      return;
    } catch (err) {
      const verdict = classifyRemoval(err);
      if (verdict.kind === 'gone') return;
      if (verdict.kind !== 'in-progress') throw err;
    }
    const gone = await pollUntil(
      async () => {
        const state = await this.containerState(id);
        if (state === undefined) return true;
        if (state === 'removing') return false;
        // The other removal failed and left the container: remove it ourselves.
        try {
          await remove();
          return true;
        } catch (err) {
          const verdict = classifyRemoval(err);
          if (verdict.kind === 'gone') return true;
          if (verdict.kind === 'in-progress') return false;
          throw err;
        }
      },
      this.timing.removalTimeoutMs,
      this.timing,
    );
    if (!gone) {
      const seconds = Math.round(this.timing.removalTimeoutMs / 1000);
      const err = new ConflictError(
        409,
        `removal of container ${shortRef(id)} is already in progress and not finished after ${seconds}s`,
        operation,
      );
      err.hint = `see what the engine is doing with it: docker inspect ${shortRef(id)}`;
      throw err;
    }
  }

  /** The container's state, `undefined` when it is gone. */
  private async containerState(id: string): Promise<string | undefined> {
    try {
      return (await this.inspectContainer(id)).state;
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  async pauseContainer(id: string): Promise<void> {
    await this.transport.request({
      method: 'POST',
      path: `/containers/${pathSegment(id)}/pause`,
      operation: `pause container ${shortRef(id)}`,
    });
  }

  async unpauseContainer(id: string): Promise<void> {
    await this.transport.request({
      method: 'POST',
      path: `/containers/${pathSegment(id)}/unpause`,
      operation: `unpause container ${shortRef(id)}`,
    });
  }

  async restartContainer(id: string, timeoutSec?: number): Promise<void> {
    await this.transport.request({
      method: 'POST',
      path: `/containers/${pathSegment(id)}/restart`,
      query: { t: timeoutSec },
      operation: `restart container ${shortRef(id)}`,
      timeoutMs: timeoutSec === undefined ? 0 : (timeoutSec + 60) * 1000,
      long: true,
    });
  }

  containerLogs(id: string, options: LogOptions): AsyncIterable<LogLine> {
    return containerLogs(this.transport, id, options);
  }

  exec(containerId: string, spec: ExecSpec, io: ProcessIO): Promise<number> {
    return execInContainer(this.transport, containerId, spec, io);
  }

  attachContainer(
    id: string,
    io: ProcessIO,
    options: { tty: boolean; detachKeys?: string },
  ): Promise<{ ended: Promise<void>; resize(): Promise<void> }> {
    return attachToContainer(this.transport, id, io, options);
  }

  containerStats(id: string, options: { stream: boolean; signal?: AbortSignal }): AsyncIterable<ContainerStats> {
    return containerStats(this.transport, id, options, () => (this.engineOs ??= this.info().then((i) => i.os)));
  }

  async topContainer(id: string, psArgs?: string): Promise<ProcessList> {
    const res = await this.transport.json<{ Titles?: string[] | null; Processes?: string[][] | null }>({
      method: 'GET',
      path: `/containers/${pathSegment(id)}/top`,
      query: { ps_args: psArgs },
      operation: `list processes of container ${shortRef(id)}`,
    });
    return { titles: res.Titles ?? [], processes: res.Processes ?? [] };
  }

  statContainerPath(id: string, path: string): Promise<PathStat | undefined> {
    return statContainerPath(this.transport, id, path);
  }

  getArchive(id: string, path: string): Promise<{ stat: PathStat; tar: NodeJS.ReadableStream }> {
    return getArchive(this.transport, id, path);
  }

  putArchive(id: string, dir: string, tar: NodeJS.ReadableStream, options?: PutArchiveOptions): Promise<void> {
    return putArchive(this.transport, id, dir, tar, options);
  }

  events(
    filter: { labels?: LabelFilter; type?: string[]; since?: string; until?: string },
    signal?: AbortSignal,
  ): AsyncIterable<EngineEvent> {
    return engineEvents(this.transport, filter, signal);
  }

  /** Done once the container has the name: see `renameSettled`. */
  async renameContainer(id: string, newName: string): Promise<void> {
    await renameSettled(
      async () => {
        await this.transport.request({
          method: 'POST',
          path: `/containers/${pathSegment(id)}/rename`,
          query: { name: newName },
          operation: `rename container ${shortRef(id)} to ${newName}`,
        });
      },
      async () => (await this.inspectContainer(id)).name,
      newName,
    );
  }

  async waitContainer(id: string, condition: 'not-running' | 'next-exit' | 'removed' = 'not-running'): Promise<number> {
    const operation = `wait for container ${shortRef(id)}`;
    const res = await this.transport.json<{ StatusCode?: number; Error?: { Message?: string } | null }>({
      method: 'POST',
      path: `/containers/${pathSegment(id)}/wait`,
      query: { condition },
      operation,
      timeoutMs: 0,
      long: true,
    });
    const message = res.Error?.Message;
    if (message) throw new EngineError(500, message, operation);
    return res.StatusCode ?? 0;
  }

  async connectNetwork(network: string, containerId: string, endpoint: Omit<EndpointSpec, 'network'>): Promise<void> {
    const apiVersion = await this.transport.apiVersion();
    await this.transport.request({
      method: 'POST',
      path: `/networks/${pathSegment(network)}/connect`,
      body: { Container: containerId, EndpointConfig: endpointConfig(endpoint, apiVersion) },
      operation: `connect container ${shortRef(containerId)} to network ${network}`,
    });
  }

  async disconnectNetwork(network: string, containerId: string, force?: boolean): Promise<void> {
    await this.transport.request({
      method: 'POST',
      path: `/networks/${pathSegment(network)}/disconnect`,
      body: { Container: containerId, Force: force ?? false },
      operation: `disconnect container ${shortRef(containerId)} from network ${network}`,
    });
  }

  async listNetworks(filter: { labels?: LabelFilter; name?: string }): Promise<NetworkSummary[]> {
    const filters = encodeFilters({
      label: labelFilterValues(filter.labels),
      name: filter.name === undefined ? undefined : [filter.name],
    });
    const list = await this.transport.json<EngineNetwork[] | null>({
      method: 'GET',
      path: '/networks',
      query: { filters },
      operation: 'list networks',
    });
    const out = (list ?? []).map(networkFrom);
    // The engine's name filter matches substrings: "app" also finds "myapp_default".
    return filter.name === undefined ? out : out.filter((n) => n.name === filter.name);
  }

  async inspectNetwork(idOrName: string): Promise<NetworkSummary> {
    const e = await this.transport.json<EngineNetwork>({
      method: 'GET',
      path: `/networks/${pathSegment(idOrName)}`,
      operation: `inspect network ${shortRef(idOrName)}`,
    });
    return networkFrom(e);
  }

  async createNetwork(spec: NetworkSpec): Promise<string> {
    const res = await this.transport.json<{ Id: string }>({
      method: 'POST',
      path: '/networks/create',
      body: networkCreateBody(spec, await this.transport.apiVersion()),
      operation: `create network ${spec.name}`,
    });
    return res.Id;
  }

  /** One network of the name, made when missing; concurrent creators converge (see `ensureNetwork`). */
  async ensureNetwork(spec: NetworkSpec): Promise<void> {
    await ensureNetwork(
      {
        create: (s) => this.createNetwork(s),
        list: (name) => this.listNetworks({ name }),
        remove: (id) => this.removeNetwork(id),
      },
      spec,
      this.timing,
    );
  }

  /**
   * Done once the network is gone: already gone is done. A network the engine still counts endpoints on
   * after its last container went (the count lags under load) is tried again for a few seconds; one that
   * containers really still use is a ResourceInUseError naming them.
   */
  async removeNetwork(idOrName: string): Promise<void> {
    await this.removeUnlessUsed(
      'network',
      idOrName,
      async () => {
        await this.transport.request({
          method: 'DELETE',
          path: `/networks/${pathSegment(idOrName)}`,
          operation: `remove network ${shortRef(idOrName)}`,
        });
      },
      async () => {
        const net = await this.transport.json<EngineNetwork>({
          method: 'GET',
          path: `/networks/${pathSegment(idOrName)}`,
          operation: `inspect network ${shortRef(idOrName)}`,
        });
        // The engine names a stale endpoint (its container gone) "ep-<id>".
        const ids = Object.keys(net.Containers ?? {}).filter((id) => !id.startsWith('ep-'));
        return { name: net.Name, ids };
      },
    );
  }

  /**
   * One removal of a network or volume: `remove` until it succeeds or the object is gone; while the
   * engine says it is in use, `usedBy` says which containers the engine counts (`undefined`: the object
   * is gone), and those that really exist end it with a ResourceInUseError. Counted containers that are
   * all gone are a lag of the engine's: try again for a while, then a ResourceInUseError with no users.
   */
  private async removeUnlessUsed(
    kind: 'network' | 'volume',
    ref: string,
    remove: () => Promise<void>,
    usedBy: (engineIds: string[]) => Promise<{ name: string; ids: string[] } | undefined>,
  ): Promise<void> {
    let lastError: unknown;
    let lastName = ref;
    const done = await pollUntil(
      async () => {
        try {
          await remove();
          return true;
        } catch (err) {
          const verdict = classifyRemoval(err);
          if (verdict.kind === 'gone') return true;
          if (verdict.kind !== 'in-use') throw err;
          lastError = err;
          const counted = await usedBy(verdict.ids).catch((e: unknown) => {
            if (e instanceof NotFoundError) return undefined;
            throw e;
          });
          if (counted === undefined) return true;
          lastName = counted.name;
          const users = await this.existingContainers(counted.ids);
          if (users.length > 0) throw new ResourceInUseError(kind, counted.name, users, { cause: err });
          return false;
        }
      },
      this.timing.staleUseMs,
      this.timing,
    );
    // Still counted as used by containers that are all gone: a stale count, which waiting does not clear.
    if (!done) throw new ResourceInUseError(kind, lastName, [], { cause: lastError });
  }

  /** Those of the containers that exist, with their names and labels. */
  private async existingContainers(ids: string[]): Promise<ResourceUser[]> {
    const found = await Promise.all(
      ids.map(async (id) => {
        try {
          const c = await this.inspectContainer(id);
          return { id: c.id, name: c.name, labels: c.labels };
        } catch (err) {
          if (err instanceof NotFoundError) return undefined;
          throw err;
        }
      }),
    );
    return found.filter((u): u is ResourceUser => u !== undefined);
  }

  async listVolumes(filter: { labels?: LabelFilter; name?: string }): Promise<VolumeSummary[]> {
    const filters = encodeFilters({
      label: labelFilterValues(filter.labels),
      name: filter.name === undefined ? undefined : [filter.name],
    });
    const res = await this.transport.json<{ Volumes?: EngineVolume[] | null } | null>({
      method: 'GET',
      path: '/volumes',
      query: { filters },
      operation: 'list volumes',
    });
    const out = (res?.Volumes ?? []).map(volumeFrom);
    return filter.name === undefined ? out : out.filter((v) => v.name === filter.name);
  }

  async inspectVolume(name: string): Promise<VolumeSummary> {
    const e = await this.transport.json<EngineVolume>({
      method: 'GET',
      path: `/volumes/${pathSegment(name)}`,
      operation: `inspect volume ${name}`,
    });
    return volumeFrom(e);
  }

  async createVolume(spec: VolumeSpec): Promise<VolumeSummary> {
    const e = await this.transport.json<EngineVolume>({
      method: 'POST',
      path: '/volumes/create',
      body: volumeCreateBody(spec),
      operation: `create volume ${spec.name}`,
    });
    return volumeFrom(e);
  }

  /**
   * Done once the volume is gone: already gone is done. A volume containers still use is a
   * ResourceInUseError naming them (after a few seconds' retries when the engine names none that exist).
   */
  async removeVolume(name: string, force?: boolean): Promise<void> {
    await this.removeUnlessUsed(
      'volume',
      name,
      async () => {
        await this.transport.request({
          method: 'DELETE',
          path: `/volumes/${pathSegment(name)}`,
          query: { force },
          operation: `remove volume ${name}`,
        });
      },
      (ids) => Promise.resolve({ name, ids }),
    );
  }

  /**
   * Pulls through the engine, which talks to the registry, with the registry's credentials when the
   * Docker config has some. The stream's own error (the status is 200 even when the pull fails) becomes
   * an EngineError; a missing image or tag is a NotFoundError; refused credentials a RegistryAuthError.
   */
  async pullImage(ref: string, onProgress?: (p: PullProgress) => void, auth?: RegistryAuth): Promise<void> {
    await this.registryStream(`pull image ${ref}`, ref, auth, onProgress, true, (operation, headers) => ({
      method: 'POST',
      path: '/images/create',
      query: pullQuery(ref),
      headers,
      operation,
    }));
  }

  async pushImage(ref: string, onProgress?: (p: PullProgress) => void, auth?: RegistryAuth): Promise<void> {
    const { name, tag } = splitTag(ref);
    await this.registryStream(`push image ${ref}`, ref, auth, onProgress, false, (operation, headers) => ({
      method: 'POST',
      path: `/images/${pathSegment(name)}/push`,
      query: { tag },
      headers,
      operation,
    }));
  }

  /**
   * A pull or push: the engine streams the registry's answer with status 200 even when it fails, so
   * the stream's own error is turned into a typed one here, with every credential redacted.
   */
  private async registryStream(
    operation: string,
    ref: string,
    auth: RegistryAuth | undefined,
    onProgress: ((p: PullProgress) => void) | undefined,
    missingIsNotFound: boolean,
    request: (operation: string, headers: Record<string, string>) => JsonStreamRequest,
  ): Promise<void> {
    const creds = auth ?? (await this.credentials?.forImage(ref));
    const tracker = new PullProgressTracker();
    try {
      await jsonStream(
        this.transport,
        request(operation, { 'X-Registry-Auth': encodeAuthHeader(creds) }),
        (message) => {
          const progress = tracker.update(message as PullMessage);
          if (progress && onProgress) onProgress(progress);
        },
      );
    } catch (err) {
      throw registryError(err, operation, ref, creds);
    }
    if (tracker.error !== undefined) {
      const message = redact(tracker.error, creds);
      if (isAuthFailure(message)) throw authError(operation, ref, creds, message);
      const notFound =
        missingIsNotFound && /not found|manifest unknown|does not exist|repository .* not found/i.test(message);
      throw notFound ? new NotFoundError(404, message, operation) : new EngineError(500, message, operation);
    }
  }

  async tagImage(source: string, target: string): Promise<void> {
    const { name, tag } = splitTag(target);
    await this.transport.request({
      method: 'POST',
      path: `/images/${pathSegment(source)}/tag`,
      query: { repo: name, tag },
      operation: `tag image ${shortRef(source)} as ${target}`,
    });
  }

  async removeImage(ref: string, options: { force?: boolean } = {}): Promise<void> {
    await this.transport.request({
      method: 'DELETE',
      path: `/images/${pathSegment(ref)}`,
      query: { force: options.force },
      operation: `remove image ${shortRef(ref)}`,
    });
  }

  /**
   * Streams the context as a tar while the engine reads it; build output goes to `onProgress` line by
   * line. BuildKit builds unless the runtime was made for the classic builder (`DOCKER_BUILDKIT=0`). A
   * failing step throws BuildError with the step, the engine's message and, from BuildKit, the step's
   * last output lines.
   */
  async buildImage(spec: BuildSpec, onProgress?: (p: BuildProgress) => void): Promise<string> {
    const who = spec.service ?? spec.tags[0] ?? spec.context;
    const buildkit = this.chooseBuilder() === 'buildkit';
    if (buildkit) {
      checkBuildkitSpec(spec);
      for (const w of buildkitWarnings(spec, await this.transport.apiVersion()))
        onProgress?.({ line: `warning: ${w}` });
    } else refuseClassicSecrets(spec, who);
    const src: { context: string; dockerfile?: string; dockerfileInline?: string } = { context: spec.context };
    if (spec.dockerfile !== undefined) src.dockerfile = spec.dockerfile;
    if (spec.dockerfileInline !== undefined) src.dockerfileInline = spec.dockerfileInline;
    // The context packer (fs walks, .dockerignore, tar) only when something is built.
    const { packContext, prepareContext } = await import('./context.js');
    const prepared = await prepareContext(src);
    // protobufjs (BuildKit's progress) is loaded only when BuildKit builds.
    const tracker = buildkit ? new (await import('./buildkit-trace.js')).BuildkitTracker() : new BuildTracker();
    const query = (buildkit ? buildkitQuery : buildQuery)(spec, prepared.dockerfile);
    const services = { secrets: spec.secrets ?? [], ssh: spec.ssh ?? [] };
    const session =
      services.secrets.length + services.ssh.length > 0
        ? await (await import('./buildkit-session.js')).openSession(this.transport, services, who)
        : undefined;
    if (session) query.session = session.id;
    try {
      await jsonStream(
        this.transport,
        {
          method: 'POST',
          path: '/build',
          query,
          headers: await this.registryConfigHeaders(),
          body: { stream: packContext(spec.context, prepared), contentType: 'application/x-tar' },
          operation: `build image ${spec.tags[0] ?? ''}`.trim(),
        },
        (message) => {
          for (const p of tracker.update(message as BuildMessage)) onProgress?.(p);
        },
      );
    } catch (err) {
      if (err instanceof EngineError) throw new BuildError(who, tracker.step, err.engineMessage, { cause: err });
      throw err;
    } finally {
      session?.close();
    }
    if (tracker.error !== undefined)
      throw new BuildError(who, tracker.errorStep, tracker.error, {
        ...('errorLog' in tracker && { log: tracker.errorLog }),
      });
    return this.builtImageId(who, spec, tracker.imageId);
  }

  /** Credentials for every registry berth knows, for the base images a build pulls. */
  private async registryConfigHeaders(): Promise<Record<string, string>> {
    const headers: Record<string, string> = {};
    if (!this.credentials) return headers;
    const auths: RegistryAuth[] = [];
    for (const host of this.credentials.knownHosts()) {
      const a = await this.credentials.forHost(host);
      if (a) auths.push(a);
    }
    if (auths.length > 0) headers['X-Registry-Config'] = encodeAuthConfigs(auths);
    return headers;
  }

  private async builtImageId(who: string, spec: BuildSpec, reported: string | undefined): Promise<string> {
    if (reported !== undefined) return reported.startsWith('sha256:') ? reported : `sha256:${reported}`;
    const img = spec.tags[0] === undefined ? undefined : await this.inspectImage(spec.tags[0]);
    if (!img) throw new BuildError(who, undefined, 'the engine did not report the built image');
    return img.id;
  }

  async inspectImage(ref: string): Promise<ImageSummary | undefined> {
    try {
      const e = await this.transport.json<EngineImageInspect>({
        method: 'GET',
        path: `/images/${pathSegment(ref)}/json`,
        operation: `inspect image ${ref}`,
      });
      const out = imageInspectFrom(e);
      const lastTag = Date.parse((e as { Metadata?: { LastTagTime?: string } }).Metadata?.LastTagTime ?? '');
      if (Number.isFinite(lastTag) && lastTag > 0) out.lastTagTime = lastTag;
      return out;
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  listImages(filter: { labels?: LabelFilter; reference?: string }): Promise<ImageSummary[]> {
    return this.listImagesByFilter({
      labels: filter.labels,
      reference: filter.reference === undefined ? undefined : [filter.reference],
    });
  }

  private async listImagesByFilter(filter: {
    labels?: LabelFilter | undefined;
    reference?: string[] | undefined;
  }): Promise<ImageSummary[]> {
    const filters = encodeFilters({ label: labelFilterValues(filter.labels), reference: filter.reference });
    const list = await this.transport.json<EngineImageSummary[] | null>({
      method: 'GET',
      path: '/images/json',
      query: { filters },
      operation: 'list images',
    });
    return (list ?? []).map(imageSummaryFrom);
  }

  close(): void {
    this.transport.close();
  }
}

/** The classic builder has no session to serve secrets or SSH agents through: such a build is refused, not made without. */
function refuseClassicSecrets(spec: BuildSpec, who: string): void {
  const keys = [spec.secrets?.length ? 'build.secrets' : '', spec.ssh?.length ? 'build.ssh' : ''].filter(Boolean);
  if (keys.length === 0) return;
  throw new BuildContextError(
    `service "${who}" cannot be built with the classic builder: ${keys.join(', ')} need${keys.length === 1 ? 's' : ''} BuildKit (DOCKER_BUILDKIT=0 is set)`,
    { hint: 'unset DOCKER_BUILDKIT to build with BuildKit' },
  );
}

/** A registry failure as the user should read it: refused credentials named, secrets never shown. */
function registryError(err: unknown, operation: string, ref: string, creds: RegistryAuth | undefined): unknown {
  if (!(err instanceof EngineError)) return err;
  const message = redact(err.engineMessage, creds);
  if (isAuthFailure(message)) return authError(operation, ref, creds, message);
  if (message === err.engineMessage) return err;
  return err instanceof NotFoundError
    ? new NotFoundError(err.status, message, operation)
    : new EngineError(err.status, message, operation);
}

function authError(
  operation: string,
  ref: string,
  creds: RegistryAuth | undefined,
  message: string,
): RegistryAuthError {
  const host = registryHost(ref);
  if (!creds) {
    return new RegistryAuthError(
      `${operation}: the registry ${host} wants credentials and none are configured (${message})`,
      {
        hint: `add a login for ${host} to the Docker config (docker login ${host}), or set DOCKER_CONFIG to the folder of a config.json that has one`,
      },
    );
  }
  const who = creds.username !== undefined ? `user "${creds.username}"` : 'the identity token';
  return new RegistryAuthError(
    `${operation}: the registry ${host} refused the credentials of ${who} from ${creds.source} (${message})`,
    {
      hint: `check the login for ${host} (docker login ${host})`,
    },
  );
}
