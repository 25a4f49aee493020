/**
 * `--dry-run`: a Runtime that reads through to the engine and only pretends to write, as Docker
 * Compose's dry-run client does (`pkg/dryrun`). Every write is recorded, in words ("create container
 * p-web-1"), and answered as the engine would answer it had it succeeded; later reads see the state those
 * writes would have made (a container it "created" is listed and inspected, one it "removed" is gone, one
 * it "started" runs and is healthy). So plan/ and apply/ run unchanged, their waits included, and nothing
 * on the engine changes. Nothing written to the host either: a copy out of a container reads as empty.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { NotFoundError } from '../errors.js';
import { familiarRef, isImageId } from './image-ref.js';
import type {
  ApiSocketHandoff,
  BuildProgress,
  BuildSpec,
  ContainerDetails,
  ContainerStats,
  ContainerSpec,
  ContainerState,
  ContainerSummary,
  EndpointSpec,
  EngineEvent,
  EngineInfo,
  ExecSpec,
  ImageSummary,
  LabelFilter,
  LogLine,
  LogOptions,
  NetworkSpec,
  NetworkSummary,
  ObservedState,
  PathStat,
  ProcessIO,
  ProcessList,
  PullProgress,
  RegistryAuth,
  Runtime,
  VolumeSpec,
  VolumeSummary,
} from './runtime.js';

/** One engine call berth would have made: the Runtime method, and what it would have done, in words. */
export interface DryRunWrite {
  call: keyof Runtime;
  text: string;
}

export interface DryRunOptions {
  /** Called once per pretended write, in order. */
  record: (write: DryRunWrite) => void;
  /**
   * Whether a container with these labels runs to completion (a one-shot job that others wait for with
   * `service_completed_successfully`): once "started", it reads as exited with code 0, not as running.
   */
  runsToCompletion?: (labels: Record<string, string>) => boolean;
}

/** What the pretended writes did to a container the engine has. */
interface Patch {
  name?: string;
  state?: ContainerState;
  gone?: boolean;
}

/** Long ago, so that a wait sees a container that has stayed up (apply/wait.ts `upLongEnough`). */
const STARTED_AT = '1970-01-01T00:00:00.000000000Z';

const STATUS: Partial<Record<ContainerState, string>> = { running: 'Up', created: 'Created', paused: 'Up (Paused)' };

export class DryRunRuntime implements Runtime {
  readonly endpoint: string;
  /** Containers the run "created", by id. */
  private readonly made = new Map<string, ContainerDetails>();
  /** Containers the engine has, as the run's writes changed them, by id. */
  private readonly patches = new Map<string, Patch>();
  /** Names of the engine's containers, by id, as reads reported them (for the record's words). */
  private readonly names = new Map<string, string>();
  /** Names of the engine's networks, by id, as reads reported them. */
  private readonly networkNames = new Map<string, string>();
  private readonly networks = new Map<string, NetworkSummary>();
  private readonly goneNetworks = new Set<string>();
  private readonly volumes = new Map<string, VolumeSummary>();
  private readonly goneVolumes = new Set<string>();
  /** Images the run "pulled", "built" or "tagged", by familiar reference. */
  private readonly images = new Map<string, ImageSummary>();
  private readonly goneImages = new Set<string>();
  private serial = 0;

  constructor(
    private readonly inner: Runtime,
    private readonly options: DryRunOptions,
  ) {
    this.endpoint = inner.endpoint;
  }

  connect(): Promise<void> {
    return this.inner.connect();
  }

  info(): Promise<EngineInfo> {
    return this.inner.info();
  }

  apiSocket(): Promise<ApiSocketHandoff> {
    return this.inner.apiSocket();
  }

  async observe(project: string, imageRefs: string[]): Promise<ObservedState> {
    const observed = await this.inner.observe(project, imageRefs);
    const labels = { 'com.docker.compose.project': project };
    const images = { ...observed.images };
    for (const ref of imageRefs) {
      const image = this.madeImage(ref);
      if (image) images[ref] = image.id;
      else if (this.goneImages.has(familiarRef(ref))) delete images[ref];
    }
    return {
      containers: this.overlayContainers(observed.containers, { all: true, labels }),
      networks: this.overlayNetworks(observed.networks, { labels }),
      volumes: this.overlayVolumes(observed.volumes, { labels }),
      images,
    };
  }

  async listContainers(filter: {
    labels?: LabelFilter;
    all?: boolean;
    name?: string;
    volume?: string;
  }): Promise<ContainerSummary[]> {
    // Every state: a container the run started is not running on the engine.
    return this.overlayContainers(await this.inner.listContainers({ ...filter, all: true }), filter);
  }

  async inspectContainer(idOrName: string): Promise<ContainerDetails> {
    const made = this.madeContainer(idOrName);
    if (made) return structuredClone(made);
    const details = await this.inner.inspectContainer(idOrName);
    const patched = this.patched(details);
    if (!patched) throw notFound('container', idOrName);
    return patched;
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    this.write('createContainer', `create container ${spec.name}`);
    const id = this.newId('container', spec.name);
    const imageId = this.madeImage(spec.image)?.id ?? (await this.inner.inspectImage(spec.image))?.id ?? '';
    this.made.set(id, containerFromSpec(id, spec, imageId));
    return id;
  }

  startContainer(id: string): Promise<void> {
    this.write('startContainer', `start container ${this.nameOf(id)}`);
    this.setState(id, 'running');
    return Promise.resolve();
  }

  stopContainer(id: string): Promise<void> {
    this.write('stopContainer', `stop container ${this.nameOf(id)}`);
    this.setState(id, 'exited');
    return Promise.resolve();
  }

  killContainer(id: string, signal = 'SIGKILL'): Promise<void> {
    this.write('killContainer', `send ${signal} to container ${this.nameOf(id)}`);
    this.setState(id, 'exited');
    return Promise.resolve();
  }

  removeContainer(id: string, options?: { force?: boolean; volumes?: boolean }): Promise<void> {
    const also = options?.volumes ? ' and its anonymous volumes' : '';
    this.write('removeContainer', `remove container ${this.nameOf(id)}${also}`);
    const made = this.madeContainer(id);
    if (made) this.made.delete(made.id);
    else this.patch(id, { gone: true });
    return Promise.resolve();
  }

  renameContainer(id: string, newName: string): Promise<void> {
    this.write('renameContainer', `rename container ${this.nameOf(id)} to ${newName}`);
    const made = this.madeContainer(id);
    if (made) made.name = newName;
    else this.patch(id, { name: newName });
    return Promise.resolve();
  }

  waitContainer(id: string, condition?: 'not-running' | 'next-exit' | 'removed'): Promise<number> {
    const made = this.madeContainer(id);
    if (made) return Promise.resolve(made.exitCode);
    // One the run stopped or removed has stopped; any other is the engine's to wait for.
    return this.patches.has(id) ? Promise.resolve(0) : this.inner.waitContainer(id, condition);
  }

  connectNetwork(network: string, containerId: string, _endpoint: Omit<EndpointSpec, 'network'>): Promise<void> {
    this.write('connectNetwork', `connect container ${this.nameOf(containerId)} to network ${network}`);
    return Promise.resolve();
  }

  disconnectNetwork(network: string, containerId: string): Promise<void> {
    this.write('disconnectNetwork', `disconnect container ${this.nameOf(containerId)} from network ${network}`);
    return Promise.resolve();
  }

  async listNetworks(filter: { labels?: LabelFilter; name?: string }): Promise<NetworkSummary[]> {
    return this.overlayNetworks(await this.inner.listNetworks(filter), filter);
  }

  async inspectNetwork(idOrName: string): Promise<NetworkSummary> {
    const made = [...this.networks.values()].find((n) => n.id === idOrName || n.name === idOrName);
    if (made) return structuredClone(made);
    const found = await this.inner.inspectNetwork(idOrName);
    this.networkNames.set(found.id, found.name);
    if (this.goneNetworks.has(found.id) || this.goneNetworks.has(found.name)) throw notFound('network', idOrName);
    return found;
  }

  createNetwork(spec: NetworkSpec): Promise<string> {
    this.write('createNetwork', `create network ${spec.name}`);
    return Promise.resolve(this.addNetwork(spec));
  }

  async ensureNetwork(spec: NetworkSpec): Promise<void> {
    if ((await this.listNetworks({ name: spec.name })).length > 0) return;
    this.write('ensureNetwork', `create network ${spec.name}`);
    this.addNetwork(spec);
  }

  removeNetwork(idOrName: string): Promise<void> {
    const made = [...this.networks.values()].find((n) => n.id === idOrName || n.name === idOrName);
    this.write('removeNetwork', `remove network ${made?.name ?? this.networkNames.get(idOrName) ?? idOrName}`);
    if (made) this.networks.delete(made.name);
    else this.goneNetworks.add(idOrName);
    return Promise.resolve();
  }

  async listVolumes(filter: { labels?: LabelFilter; name?: string }): Promise<VolumeSummary[]> {
    return this.overlayVolumes(await this.inner.listVolumes(filter), filter);
  }

  async inspectVolume(name: string): Promise<VolumeSummary> {
    const made = this.volumes.get(name);
    if (made) return structuredClone(made);
    if (this.goneVolumes.has(name)) throw notFound('volume', name);
    return this.inner.inspectVolume(name);
  }

  createVolume(spec: VolumeSpec): Promise<VolumeSummary> {
    this.write('createVolume', `create volume ${spec.name}`);
    const volume: VolumeSummary = {
      name: spec.name,
      driver: spec.driver ?? 'local',
      labels: { ...spec.labels },
      mountpoint: `/var/lib/docker/volumes/${spec.name}/_data`,
      ...(spec.driverOpts && { options: { ...spec.driverOpts } }),
    };
    this.volumes.set(spec.name, volume);
    this.goneVolumes.delete(spec.name);
    return Promise.resolve(structuredClone(volume));
  }

  removeVolume(name: string): Promise<void> {
    this.write('removeVolume', `remove volume ${name}`);
    if (!this.volumes.delete(name)) this.goneVolumes.add(name);
    return Promise.resolve();
  }

  /** No registry is asked: the image reads as present afterwards (with its local id when it is there). */
  async pullImage(ref: string, _onProgress?: (p: PullProgress) => void, _auth?: RegistryAuth): Promise<void> {
    this.write('pullImage', `pull image ${ref}`);
    if (!(await this.inspectImage(ref))) this.addImage(ref, `sha256:${this.newId('image', ref)}`, {});
  }

  /** Nothing is sent to the builder; the tags name a new image. */
  buildImage(spec: BuildSpec, _onProgress?: (p: BuildProgress) => void): Promise<string> {
    const tag = spec.tags[0] ?? spec.service ?? spec.context;
    this.write('buildImage', `build image ${tag} from ${spec.context}`);
    const id = `sha256:${this.newId('image', tag)}`;
    for (const t of spec.tags) this.addImage(t, id, spec.labels ?? {});
    return Promise.resolve(id);
  }

  pushImage(ref: string, _onProgress?: (p: PullProgress) => void, _auth?: RegistryAuth): Promise<void> {
    this.write('pushImage', `push image ${ref}`);
    return Promise.resolve();
  }

  async tagImage(source: string, target: string): Promise<void> {
    this.write('tagImage', `tag image ${source} as ${target}`);
    const image = await this.inspectImage(source);
    if (image) this.addImage(target, image.id, image.labels);
  }

  removeImage(ref: string): Promise<void> {
    this.write('removeImage', `remove image ${ref}`);
    this.images.delete(familiarRef(ref));
    this.goneImages.add(isImageId(ref) ? ref : familiarRef(ref));
    return Promise.resolve();
  }

  async inspectImage(ref: string): Promise<ImageSummary | undefined> {
    const made = this.madeImage(ref);
    if (made) return structuredClone(made);
    if (this.goneImages.has(isImageId(ref) ? ref : familiarRef(ref))) return undefined;
    return this.inner.inspectImage(ref);
  }

  async listImages(filter: { labels?: LabelFilter; reference?: string }): Promise<ImageSummary[]> {
    const listed = await this.inner.listImages(filter);
    const kept = listed.filter((i) => !i.repoTags.some((t) => this.goneImages.has(t)) && !this.goneImages.has(i.id));
    const made = [...this.images.values()].filter(
      (i) =>
        matches(i.labels, filter.labels) &&
        (filter.reference === undefined || i.repoTags.includes(familiarRef(filter.reference))),
    );
    return [...kept, ...made];
  }

  pauseContainer(id: string): Promise<void> {
    this.write('pauseContainer', `pause container ${this.nameOf(id)}`);
    this.setState(id, 'paused');
    return Promise.resolve();
  }

  unpauseContainer(id: string): Promise<void> {
    this.write('unpauseContainer', `unpause container ${this.nameOf(id)}`);
    this.setState(id, 'running');
    return Promise.resolve();
  }

  restartContainer(id: string): Promise<void> {
    this.write('restartContainer', `restart container ${this.nameOf(id)}`);
    this.setState(id, 'running');
    return Promise.resolve();
  }

  containerLogs(id: string, options: LogOptions): AsyncIterable<LogLine> {
    return this.madeContainer(id) ? emptyIterable<LogLine>() : this.inner.containerLogs(id, options);
  }

  /** The command is not run: it "exits" 0 with no output. */
  exec(containerId: string, spec: ExecSpec, _io: ProcessIO): Promise<number> {
    const what = spec.command.join(' ');
    this.write('exec', `run "${what}" in container ${this.nameOf(containerId)}`);
    return Promise.resolve(0);
  }

  /** Nothing is sent to the container: its output ends at once. */
  attachContainer(id: string): Promise<{ ended: Promise<void>; resize(): Promise<void> }> {
    this.write('attachContainer', `attach to container ${this.nameOf(id)}`);
    return Promise.resolve({ ended: Promise.resolve(), resize: () => Promise.resolve() });
  }

  containerStats(id: string, options: { stream: boolean; signal?: AbortSignal }): AsyncIterable<ContainerStats> {
    return this.madeContainer(id) ? emptyIterable<ContainerStats>() : this.inner.containerStats(id, options);
  }

  topContainer(id: string, psArgs?: string): Promise<ProcessList> {
    if (this.madeContainer(id)) return Promise.resolve({ titles: [], processes: [] });
    return this.inner.topContainer(id, psArgs);
  }

  statContainerPath(id: string, path: string): Promise<PathStat | undefined> {
    if (this.madeContainer(id)) return Promise.resolve(undefined);
    return this.inner.statContainerPath(id, path);
  }

  /** The path must exist, as for a real copy; the tar is empty, so nothing is written on the host. */
  async getArchive(id: string, path: string): Promise<{ stat: PathStat; tar: NodeJS.ReadableStream }> {
    const stat = await this.statContainerPath(id, path);
    if (!stat) throw new NotFoundError(404, `Could not find the file ${path} in container ${this.nameOf(id)}`, 'copy');
    this.write('getArchive', `copy ${path} out of container ${this.nameOf(id)}`);
    return { stat, tar: Readable.from([]) };
  }

  /** The tar is read to its end (the caller is producing it) and dropped. */
  async putArchive(id: string, dir: string, tar: NodeJS.ReadableStream): Promise<void> {
    this.write('putArchive', `copy files into container ${this.nameOf(id)} at ${dir}`);
    for await (const _chunk of tar) {
      // dropped
    }
  }

  events(
    filter: { labels?: LabelFilter; type?: string[]; since?: string; until?: string },
    signal?: AbortSignal,
  ): AsyncIterable<EngineEvent> {
    return this.inner.events(filter, signal);
  }

  close(): void {
    this.inner.close();
  }

  private write(call: keyof Runtime, text: string): void {
    this.options.record({ call, text });
  }

  /** A stable, unique id for something the run "made": 64 hex digits, as the engine's. */
  private newId(kind: string, name: string): string {
    this.serial += 1;
    return createHash('sha256').update(`dry-run:${kind}:${name}:${this.serial}`).digest('hex');
  }

  private madeContainer(idOrName: string): ContainerDetails | undefined {
    const byId = this.made.get(idOrName);
    if (byId) return byId;
    for (const c of this.made.values()) if (c.name === idOrName || c.id.startsWith(idOrName)) return c;
    return undefined;
  }

  private nameOf(id: string): string {
    return this.madeContainer(id)?.name ?? this.patches.get(id)?.name ?? this.names.get(id) ?? id.slice(0, 12);
  }

  private patch(id: string, change: Patch): void {
    this.patches.set(id, { ...this.patches.get(id), ...change });
  }

  /** A started container runs, healthy when it has a healthcheck, or has completed when it is a one-shot job. */
  private setState(id: string, state: ContainerState): void {
    const made = this.madeContainer(id);
    if (!made) {
      this.patch(id, { state });
      return;
    }
    const completes = state === 'running' && this.options.runsToCompletion?.(made.labels) === true;
    made.state = completes ? 'exited' : state;
    made.status = completes ? 'Exited (0)' : (STATUS[state] ?? 'Exited (0)');
    if (state === 'running') made.startedAt = STARTED_AT;
  }

  /** An engine container as the run's writes left it; undefined when they removed it. */
  private patched<T extends ContainerSummary>(c: T): T | undefined {
    this.names.set(c.id, c.name);
    const p = this.patches.get(c.id);
    if (!p) return c;
    if (p.gone) return undefined;
    const out = { ...c, ...(p.name !== undefined && { name: p.name }) };
    if (p.state === undefined) return out;
    const completes = p.state === 'running' && this.options.runsToCompletion?.(c.labels) === true;
    const state = completes ? 'exited' : p.state;
    const health = state === 'running' && c.health !== 'none' ? 'healthy' : c.health;
    return { ...out, state, health, status: STATUS[state] ?? 'Exited (0)', exitCode: 0, startedAt: STARTED_AT };
  }

  private overlayContainers(
    listed: ContainerSummary[],
    filter: { labels?: LabelFilter; all?: boolean; name?: string; volume?: string },
  ): ContainerSummary[] {
    const engine = listed.flatMap((c) => this.patched(c) ?? []);
    const made = [...this.made.values()].filter(
      (c) =>
        matches(c.labels, filter.labels) &&
        (filter.name === undefined || c.name === filter.name) &&
        (filter.volume === undefined || c.volumes.some((v) => v.name === filter.volume)),
    );
    return [...engine, ...made.map((c) => structuredClone(c))].filter((c) => filter.all || c.state === 'running');
  }

  private overlayNetworks(listed: NetworkSummary[], filter: { labels?: LabelFilter; name?: string }): NetworkSummary[] {
    for (const n of listed) this.networkNames.set(n.id, n.name);
    const kept = listed.filter((n) => !this.goneNetworks.has(n.id) && !this.goneNetworks.has(n.name));
    const made = [...this.networks.values()].filter(
      (n) => matches(n.labels, filter.labels) && (filter.name === undefined || n.name === filter.name),
    );
    return [...kept, ...made.map((n) => structuredClone(n))];
  }

  private overlayVolumes(listed: VolumeSummary[], filter: { labels?: LabelFilter; name?: string }): VolumeSummary[] {
    const kept = listed.filter((v) => !this.goneVolumes.has(v.name) && !this.volumes.has(v.name));
    const made = [...this.volumes.values()].filter(
      (v) => matches(v.labels, filter.labels) && (filter.name === undefined || v.name === filter.name),
    );
    return [...kept, ...made.map((v) => structuredClone(v))];
  }

  private addNetwork(spec: NetworkSpec): string {
    const id = this.newId('network', spec.name);
    const network: NetworkSummary = {
      id,
      name: spec.name,
      driver: spec.driver ?? 'bridge',
      labels: { ...spec.labels },
      containers: [],
      created: new Date().toISOString(),
    };
    this.networks.set(spec.name, network);
    this.goneNetworks.delete(spec.name);
    return id;
  }

  private addImage(ref: string, id: string, labels: Record<string, string>): void {
    const tag = familiarRef(ref);
    this.goneImages.delete(tag);
    const image: ImageSummary = { id, repoTags: [tag], repoDigests: [], labels: { ...labels }, created: 0, size: 0 };
    this.images.set(tag, { ...image, created: Math.floor(Date.now() / 1000), lastTagTime: Date.now() });
  }

  private madeImage(ref: string): ImageSummary | undefined {
    if (!isImageId(ref)) return this.images.get(familiarRef(ref));
    const id = ref.startsWith('sha256:') ? ref : `sha256:${ref}`;
    return [...this.images.values()].find((i) => i.id.startsWith(id));
  }
}

/** The container a create would have made, as an inspect reports it: created, not started. */
function containerFromSpec(id: string, spec: ContainerSpec, imageId: string): ContainerDetails {
  const healthcheck = spec.healthcheck !== undefined && spec.healthcheck.test[0] !== 'NONE';
  return {
    id,
    name: spec.name,
    image: spec.image,
    imageId,
    labels: { ...spec.labels },
    state: 'created',
    status: 'Created',
    health: healthcheck ? 'healthy' : 'none',
    created: Math.floor(Date.now() / 1000),
    ports: spec.ports.map((p) => ({ ...p })),
    networks: spec.endpoints.map((e) => e.network),
    volumes: spec.mounts.flatMap((m) =>
      m.type === 'volume' && m.source !== undefined ? [{ name: m.source, target: m.target }] : [],
    ),
    ...(spec.networkMode !== undefined && { networkMode: spec.networkMode }),
    exitCode: 0,
    env: [...spec.env],
    command: spec.command ?? [],
    entrypoint: spec.entrypoint ?? [],
    mounts: spec.mounts.map((m) => ({
      type: m.type,
      ...(m.type === 'volume' && m.source !== undefined && { name: m.source }),
      source: m.source ?? '',
      target: m.target,
      readOnly: m.readOnly === true,
    })),
    restartCount: 0,
    networkSettings: Object.fromEntries(spec.endpoints.map((e) => [e.network, { ipAddress: '', aliases: e.aliases }])),
  };
}

function matches(labels: Record<string, string>, filter: LabelFilter | undefined): boolean {
  if (!filter) return true;
  return Object.entries(filter).every(([k, v]) => (v === true ? k in labels : labels[k] === v));
}

function notFound(kind: string, name: string): NotFoundError {
  return new NotFoundError(404, `No such ${kind}: ${name}`, `inspect ${kind}`);
}

async function* emptyIterable<T>(): AsyncIterable<T> {
  const none: T[] = [];
  yield* none;
  await Promise.resolve();
}
