/**
 * An in-memory Runtime for unit tests of the layers above the engine. It keeps containers, networks,
 * volumes and images in maps and answers the interface the way the engine does (names unique, 404 and 409
 * as typed errors), so plan/apply tests observe real state changes. Where the planner and the waits
 * depend on the engine's behaviour, it keeps it: the list reports every volume mount; a named volume a
 * container mounts is created, unlabelled, when the container is; image references normalize
 * (`busybox` = `busybox:latest` = `docker.io/library/busybox:latest`); a container with a healthcheck
 * starts `starting` and turns healthy or unhealthy only by its check (see `healthResults`). Where the
 * Runtime contract promises more than the engine (a name conflict names its holder, a rename to the name
 * a container has is done, one network per name), it keeps the contract.
 */
import { posix } from 'node:path';
import tar from 'tar-stream';
import { ConflictError, NameConflictError, NotFoundError, ResourceInUseError } from '../../src/errors.js';
import { familiarRef, isImageId } from '../../src/runtime/image-ref.js';
import type {
  ApiSocketHandoff,
  ContainerDetails,
  ContainerSpec,
  ContainerStats,
  ContainerSummary,
  EndpointSpec,
  EngineInfo,
  ImageSummary,
  LabelFilter,
  NetworkSpec,
  NetworkSummary,
  ObservedState,
  PullProgress,
  Runtime,
  BuildSpec,
  BuildProgress,
  RegistryAuth,
  VolumeSpec,
  VolumeSummary,
} from '../../src/runtime/runtime.js';
import type {
  EngineEvent,
  ExecSpec,
  LogLine,
  LogOptions,
  PathStat,
  ProcessIO,
  ProcessList,
} from '../../src/runtime/runtime.js';

interface FakeContainer extends ContainerDetails {
  spec: ContainerSpec;
}

/** What a container's healthcheck finds once it has run. */
export interface HealthResult {
  /** `starting`: the check never decides (a start period longer than the test looks). */
  status: 'healthy' | 'unhealthy' | 'starting';
  /** The check's output, as the engine keeps it in the health log. */
  output?: string;
}

/** A healthcheck the engine runs: one given and not `["NONE"]`. */
const hasHealthcheck = (spec: ContainerSpec): boolean =>
  spec.healthcheck !== undefined && spec.healthcheck.test[0] !== 'NONE';

export class FakeRuntime implements Runtime {
  readonly endpoint = 'fake://engine';
  readonly containers = new Map<string, FakeContainer>();
  readonly networks = new Map<string, NetworkSummary>();
  readonly volumes = new Map<string, VolumeSummary>();
  readonly images = new Map<string, ImageSummary>();
  /** Every mutating call, in order: "create web-1", "start <id>", ... */
  readonly calls: string[] = [];
  /** Make the next call of this name fail once with the given error (a rejected promise, as the engine's client gives). */
  readonly failNext = new Map<string, Error>();
  /** Make the next call of this name do its work, then fail once (a connection dropped after the engine answered). */
  readonly failAfter = new Map<string, Error>();
  /** The `VOLUME`s an image declares, by reference: a container of it gets an anonymous volume at each. */
  readonly imageVolumes = new Map<string, string[]>();
  /**
   * What each container's healthcheck finds, by container name (default: healthy). The check runs between
   * two looks at a started container (inspect or list): the first look after a start sees `starting`, the
   * next one this result, as an engine whose check interval passed between them.
   */
  readonly healthResults = new Map<string, HealthResult>();
  /** Containers (by id) whose health is `starting` and that were looked at since they started. */
  private readonly healthLooked = new Set<string>();
  private seq = 0;

  constructor(images: Record<string, string> = {}) {
    for (const [ref, id] of Object.entries(images)) this.addImage(ref, id);
  }

  /** Images are kept under the engine's familiar form of their reference ("busybox:latest"). */
  addImage(ref: string, id: string): void {
    const tag = familiarRef(ref);
    this.images.set(tag, { id, repoTags: [tag], repoDigests: [], labels: {}, created: 0, size: 0 });
  }

  /** The image a reference or an image id names, as the engine resolves it. */
  private image(ref: string): ImageSummary | undefined {
    if (isImageId(ref)) {
      const id = ref.startsWith('sha256:') ? ref : `sha256:${ref}`;
      return [...this.images.values()].find((i) => i.id.startsWith(id) || i.id === ref);
    }
    return this.images.get(familiarRef(ref));
  }

  /** What the registry holds for a reference, whichever form the test or the caller wrote it in. */
  private inRegistry(ref: string): string | undefined {
    for (const [r, id] of this.registry) if (familiarRef(r) === familiarRef(ref)) return id;
    return undefined;
  }

  /** One look at a container: a `starting` healthcheck looked at before has run by now. */
  private look(c: FakeContainer): void {
    if (c.health !== 'starting' || c.state !== 'running') return;
    if (!this.healthLooked.has(c.id)) {
      this.healthLooked.add(c.id);
      return;
    }
    const result = this.healthResults.get(c.name) ?? { status: 'healthy' };
    if (result.status === 'starting') return;
    this.healthLooked.delete(c.id);
    c.health = result.status;
    c.healthLog = [{ exitCode: result.status === 'healthy' ? 0 : 1, output: result.output ?? '' }];
  }

  /** A (re)start: the healthcheck starts over. */
  private healthOnStart(c: FakeContainer): void {
    this.healthLooked.delete(c.id);
    if (hasHealthcheck(c.spec)) c.health = 'starting';
  }

  private nextId(): string {
    this.seq++;
    return this.seq.toString(16).padStart(64, '0');
  }

  private fail(op: string): void {
    const e = this.failNext.get(op);
    if (e) {
      this.failNext.delete(op);
      throw e;
    }
  }

  private failLate(op: string): void {
    const e = this.failAfter.get(op);
    if (e) {
      this.failAfter.delete(op);
      throw e;
    }
  }

  private find(idOrName: string): FakeContainer {
    for (const c of this.containers.values())
      if (c.id === idOrName || c.name === idOrName || c.id.startsWith(idOrName)) return c;
    throw new NotFoundError(404, `No such container: ${idOrName}`, 'inspect container');
  }

  connect(): Promise<void> {
    return Promise.resolve();
  }

  info(): Promise<EngineInfo> {
    return Promise.resolve({ apiVersion: '1.41', version: 'fake', os: 'linux', arch: 'amd64' });
  }

  /** What `apiSocket` answers: the default socket and no logins, unless a test says otherwise. */
  apiSocketHandoff: ApiSocketHandoff = { socketPath: '/var/run/docker.sock', dockerConfig: '{\n\t"auths": {}\n}' };

  apiSocket(): Promise<ApiSocketHandoff> {
    return Promise.resolve(this.apiSocketHandoff);
  }

  async observe(project: string, imageRefs: string[]): Promise<ObservedState> {
    const labels = { 'com.docker.compose.project': project };
    const images: Record<string, string> = {};
    for (const r of imageRefs) {
      const i = this.image(r);
      if (i) images[r] = i.id;
    }
    return {
      containers: await this.listContainers({ all: true, labels }),
      networks: await this.listNetworks({ labels }),
      volumes: await this.listVolumes({ labels }),
      images,
    };
  }

  listContainers(filter: {
    labels?: LabelFilter;
    all?: boolean;
    name?: string;
    volume?: string;
  }): Promise<ContainerSummary[]> {
    const { volume, ...rest } = filter;
    if (volume !== undefined)
      return this.listContainers(rest).then((cs) => cs.filter((c) => c.volumes?.some((v) => v.name === volume)));

    const listed = [...this.containers.values()].filter(
      (c) =>
        (filter.all || c.state === 'running') &&
        matches(c.labels, filter.labels) &&
        (!filter.name || c.name === filter.name),
    );
    for (const c of listed) this.look(c);
    // As the runtime's list reports them: every volume mount, named or anonymous (`volumes`).
    return Promise.resolve(listed.map(({ spec: _spec, ...c }) => structuredClone(c)));
  }

  async inspectContainer(idOrName: string): Promise<ContainerDetails> {
    const found = this.find(idOrName);
    this.look(found);
    const { spec: _spec, ...c } = found;
    return Promise.resolve(structuredClone(c));
  }

  /** The spec a container was created from, for assertions. */
  specOf(name: string): ContainerSpec {
    return this.find(name).spec;
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    this.calls.push(`create ${spec.name}`);
    this.fail('createContainer');
    const made = await this.create(spec);
    this.failLate('createContainer');
    return made;
  }

  private create(spec: ContainerSpec): Promise<string> {
    for (const c of this.containers.values()) {
      if (c.name === spec.name) {
        const err = new NameConflictError(
          409,
          `Conflict. The container name "/${spec.name}" is already in use`,
          `create container ${spec.name}`,
        );
        err.holder = { id: c.id, name: c.name, labels: { ...c.labels } };
        return Promise.reject(err);
      }
    }
    const image = this.image(spec.image);
    if (!image)
      return Promise.reject(new NotFoundError(404, `No such image: ${spec.image}`, `create container ${spec.name}`));
    for (const ep of spec.endpoints) {
      if (!this.networks.has(ep.network))
        return Promise.reject(
          new NotFoundError(404, `network ${ep.network} not found`, `create container ${spec.name}`),
        );
    }
    const id = this.nextId();
    const mounts = this.mountsFor(spec);
    this.containers.set(id, {
      id,
      name: spec.name,
      image: spec.image,
      imageId: image.id,
      labels: { ...spec.labels },
      state: 'created',
      status: 'Created',
      health: 'none',
      created: this.seq,
      ports: spec.ports,
      networks: spec.endpoints.map((e) => e.network),
      ...(spec.networkMode !== undefined && { networkMode: spec.networkMode }),
      exitCode: 0,
      env: spec.env,
      command: spec.command ?? [],
      entrypoint: spec.entrypoint ?? [],
      restartCount: 0,
      mounts,
      volumes: mounts.flatMap((m) =>
        m.type === 'volume' && m.name !== undefined ? [{ name: m.name, target: m.target }] : [],
      ),
      networkSettings: Object.fromEntries(
        spec.endpoints.map((e) => [e.network, { ipAddress: '', aliases: e.aliases }]),
      ),
      spec,
    });
    for (const ep of spec.endpoints) this.networks.get(ep.network)!.containers.push(id);
    // As the engine does: a named volume that does not exist yet is made, with no labels.
    for (const m of spec.mounts) {
      if (m.type !== 'volume' || m.source === undefined || m.source === '' || this.volumes.has(m.source)) continue;
      this.volumes.set(m.source, { name: m.source, driver: 'local', labels: {}, mountpoint: `/fake/${m.source}` });
    }
    return Promise.resolve(id);
  }

  /** The spec's mounts, and an anonymous volume at each of the image's VOLUMEs the spec does not mount otherwise. */
  private mountsFor(spec: ContainerSpec): ContainerDetails['mounts'] {
    return [
      ...spec.mounts.map((m) => ({
        type: m.type,
        target: m.target,
        readOnly: m.readOnly ?? false,
        source: m.source ?? '',
        ...(m.type === 'volume' && { name: m.source ?? this.nextId() }),
      })),
      ...this.volumesOfImage(spec.image)
        .filter((t) => !spec.mounts.some((m) => m.target === t) && !(t in (spec.tmpfs ?? {})))
        .map((t) => ({ type: 'volume', target: t, readOnly: false, source: '', name: this.nextId() })),
    ];
  }

  private volumesOfImage(ref: string): string[] {
    for (const [r, targets] of this.imageVolumes) if (familiarRef(r) === familiarRef(ref)) return targets;
    return [];
  }

  async startContainer(id: string): Promise<void> {
    this.calls.push(`start ${this.find(id).name}`);
    this.fail('startContainer');
    const c = this.find(id);
    c.state = 'running';
    c.status = 'Up';
    this.healthOnStart(c);
    this.failLate('startContainer');
    return Promise.resolve();
  }

  async stopContainer(id: string): Promise<void> {
    this.calls.push(`stop ${this.find(id).name}`);
    this.fail('stopContainer');
    const c = this.find(id);
    if (c.state !== 'created') {
      c.state = 'exited';
      c.status = 'Exited (0)';
    }
    this.failLate('stopContainer');
    return Promise.resolve();
  }

  killContainer(id: string): Promise<void> {
    return this.stopContainer(id);
  }

  /** As the runtime contract says: done once gone, so a container already gone is no error. */
  async removeContainer(id: string, options?: { force?: boolean; volumes?: boolean }): Promise<void> {
    let c: FakeContainer;
    try {
      c = this.find(id);
    } catch {
      this.calls.push(`remove ${id} (gone)`);
      return;
    }
    this.calls.push(`remove ${c.name}${options?.volumes ? ' -v' : ''}`);
    this.fail('removeContainer');
    if (c.state === 'running' && !options?.force)
      return Promise.reject(new ConflictError(409, 'container is running', 'remove container'));
    this.containers.delete(c.id);
    for (const n of this.networks.values()) n.containers = n.containers.filter((x) => x !== c.id);
    this.failLate('removeContainer');
    return Promise.resolve();
  }

  async renameContainer(id: string, newName: string): Promise<void> {
    const c = this.find(id);
    this.calls.push(`rename ${c.name} ${newName}`);
    this.fail('renameContainer');
    // As the runtime settles the engine's answers: the name it has already is done; a name another
    // container holds is a conflict.
    if (c.name === newName) return Promise.resolve();
    if ([...this.containers.values()].some((o) => o.name === newName)) {
      return Promise.reject(
        new ConflictError(
          409,
          `Conflict. The container name "/${newName}" is already in use`,
          `rename container ${c.id.slice(0, 12)}`,
        ),
      );
    }
    c.name = newName;
    // A lost answer after the rename: the runtime settles it by looking, and finds the new name.
    this.failAfter.delete('renameContainer');
    return Promise.resolve();
  }

  waitContainer(id: string): Promise<number> {
    return Promise.resolve(this.find(id).exitCode);
  }

  connectNetwork(network: string, containerId: string, _endpoint: Omit<EndpointSpec, 'network'>): Promise<void> {
    this.networks.get(network)?.containers.push(containerId);
    return Promise.resolve();
  }

  disconnectNetwork(network: string, containerId: string): Promise<void> {
    const n = this.networks.get(network);
    if (n) n.containers = n.containers.filter((x) => x !== containerId);
    return Promise.resolve();
  }

  listNetworks(filter: { labels?: LabelFilter; name?: string }): Promise<NetworkSummary[]> {
    return Promise.resolve(
      [...this.networks.values()]
        .filter((n) => matches(n.labels, filter.labels) && (!filter.name || n.name === filter.name))
        .map((n) => structuredClone(n)),
    );
  }

  inspectNetwork(idOrName: string): Promise<NetworkSummary> {
    for (const n of this.networks.values())
      if (n.id === idOrName || n.name === idOrName) return Promise.resolve(structuredClone(n));
    return Promise.reject(new NotFoundError(404, `network ${idOrName} not found`, 'inspect network'));
  }

  createNetwork(spec: NetworkSpec): Promise<string> {
    this.calls.push(`create network ${spec.name}`);
    if (this.networks.has(spec.name))
      return Promise.reject(new ConflictError(409, `network with name ${spec.name} already exists`, 'create network'));
    const id = this.nextId();
    this.networks.set(spec.name, {
      id,
      name: spec.name,
      driver: spec.driver ?? 'bridge',
      labels: { ...spec.labels },
      containers: [],
    });
    return Promise.resolve(id);
  }

  /** One network per name here, so there is nothing to converge: made when missing, else left alone. */
  async ensureNetwork(spec: NetworkSpec): Promise<void> {
    await this.createNetwork(spec).catch((err: unknown) => {
      if (!(err instanceof ConflictError)) throw err;
    });
  }

  removeNetwork(idOrName: string): Promise<void> {
    for (const n of this.networks.values()) {
      if (n.id === idOrName || n.name === idOrName) {
        this.calls.push(`remove network ${n.name}`);
        const users = this.users(n.containers);
        if (users.length > 0) return Promise.reject(new ResourceInUseError('network', n.name, users));
        this.networks.delete(n.name);
        return Promise.resolve();
      }
    }
    this.calls.push(`remove network ${idOrName} (gone)`);
    return Promise.resolve();
  }

  listVolumes(filter: { labels?: LabelFilter; name?: string }): Promise<VolumeSummary[]> {
    return Promise.resolve(
      [...this.volumes.values()]
        .filter((v) => matches(v.labels, filter.labels) && (!filter.name || v.name === filter.name))
        .map((v) => structuredClone(v)),
    );
  }

  inspectVolume(name: string): Promise<VolumeSummary> {
    const v = this.volumes.get(name);
    return v
      ? Promise.resolve(structuredClone(v))
      : Promise.reject(new NotFoundError(404, `get ${name}: no such volume`, 'inspect volume'));
  }

  createVolume(spec: VolumeSpec): Promise<VolumeSummary> {
    this.calls.push(`create volume ${spec.name}`);
    const v = this.volumes.get(spec.name) ?? {
      name: spec.name,
      driver: spec.driver ?? 'local',
      labels: { ...spec.labels },
      mountpoint: `/fake/${spec.name}`,
      ...(spec.driverOpts && Object.keys(spec.driverOpts).length > 0 && { options: { ...spec.driverOpts } }),
    };
    this.volumes.set(spec.name, v);
    return Promise.resolve(structuredClone(v));
  }

  removeVolume(name: string): Promise<void> {
    const users = [...this.containers.values()].filter((c) => c.mounts.some((m) => m.name === name)).map((c) => c.id);
    this.calls.push(`remove volume ${name}${this.volumes.has(name) ? '' : ' (gone)'}`);
    if (users.length > 0) return Promise.reject(new ResourceInUseError('volume', name, this.users(users)));
    this.volumes.delete(name);
    return Promise.resolve();
  }

  private users(ids: string[]): { id: string; name: string; labels: Record<string, string> }[] {
    return ids
      .map((id) => this.containers.get(id))
      .filter((c) => c !== undefined)
      .map((c) => ({ id: c.id, name: c.name, labels: { ...c.labels } }));
  }

  /** What a registry holds: reference -> image id a pull gets (default: a new id when absent locally). */
  readonly registry = new Map<string, string>();
  /** Every build, in order, with its spec. */
  readonly builds: BuildSpec[] = [];

  async pullImage(ref: string, onProgress?: (p: PullProgress) => void, _auth?: RegistryAuth): Promise<void> {
    this.calls.push(`pull ${ref}`);
    this.fail('pullImage');
    onProgress?.({ status: 'Downloading', fraction: 0.5 });
    const fromRegistry = this.inRegistry(ref);
    if (fromRegistry !== undefined) this.addImage(ref, fromRegistry);
    else if (!this.image(ref)) this.addImage(ref, `sha256:${this.nextId()}`);
    return Promise.resolve();
  }

  /** Each build makes a new image id, tagged with every name of the spec. */
  async buildImage(spec: BuildSpec, onProgress?: (p: BuildProgress) => void): Promise<string> {
    this.calls.push(`build ${spec.tags[0] ?? ''}`);
    this.builds.push(spec);
    this.fail('buildImage');
    onProgress?.({ step: 'step 1/1 (FROM scratch)', line: 'Step 1/1 : FROM scratch' });
    const id = `sha256:${this.nextId()}`;
    for (const t of spec.tags) this.addImage(t, id);
    return Promise.resolve(id);
  }

  async pushImage(ref: string, _onProgress?: (p: PullProgress) => void, _auth?: RegistryAuth): Promise<void> {
    this.calls.push(`push ${ref}`);
    this.fail('pushImage');
    const img = this.image(ref);
    if (!img)
      return Promise.reject(
        new NotFoundError(404, `An image does not exist locally with the tag: ${ref}`, `push image ${ref}`),
      );
    this.registry.set(ref, img.id);
    return Promise.resolve();
  }

  tagImage(source: string, target: string): Promise<void> {
    this.calls.push(`tag ${source} ${target}`);
    const img = this.image(source) ?? [...this.images.values()].find((i) => i.id === source);
    if (!img) return Promise.reject(new NotFoundError(404, `No such image: ${source}`, `tag image ${source}`));
    this.addImage(target, img.id);
    return Promise.resolve();
  }

  removeImage(ref: string, _options?: { force?: boolean }): Promise<void> {
    this.calls.push(`rmi ${ref}`);
    if (!this.images.delete(familiarRef(ref)))
      return Promise.reject(new NotFoundError(404, `No such image: ${ref}`, `remove image ${ref}`));
    return Promise.resolve();
  }

  inspectImage(ref: string): Promise<ImageSummary | undefined> {
    return Promise.resolve(this.image(ref));
  }

  listImages(): Promise<ImageSummary[]> {
    return Promise.resolve([...this.images.values()]);
  }

  /** Lines each container's log holds, by container name. */
  readonly logs = new Map<string, LogLine[]>();
  /** Every exec, in order. */
  readonly execs: { container: string; spec: ExecSpec }[] = [];
  /** Exit code an exec of this command (joined by spaces) returns; default 0. */
  readonly execCodes = new Map<string, number>();
  /** Files in containers: "<name>:<path>" -> contents. */
  readonly files = new Map<string, Buffer>();
  readonly recordedEvents: EngineEvent[] = [];

  pauseContainer(id: string): Promise<void> {
    const c = this.find(id);
    this.calls.push(`pause ${c.name}`);
    if (c.state !== 'running')
      return Promise.reject(new ConflictError(409, `Container ${c.id} is not running`, 'pause container'));
    c.state = 'paused';
    c.status = 'Up (Paused)';
    return Promise.resolve();
  }

  unpauseContainer(id: string): Promise<void> {
    const c = this.find(id);
    this.calls.push(`unpause ${c.name}`);
    if (c.state !== 'paused')
      return Promise.reject(new ConflictError(409, `Container ${c.id} is not paused`, 'unpause container'));
    c.state = 'running';
    c.status = 'Up';
    return Promise.resolve();
  }

  restartContainer(id: string): Promise<void> {
    const c = this.find(id);
    this.calls.push(`restart ${c.name}`);
    c.state = 'running';
    c.status = 'Up';
    c.restartCount++;
    this.healthOnStart(c);
    return Promise.resolve();
  }

  async *containerLogs(id: string, options: LogOptions): AsyncIterable<LogLine> {
    const lines = this.logs.get(this.find(id).name) ?? [];
    await Promise.resolve();
    yield* options.tail === undefined ? lines : lines.slice(Math.max(0, lines.length - options.tail));
  }

  exec(containerId: string, spec: ExecSpec, io: ProcessIO): Promise<number> {
    const c = this.find(containerId);
    this.calls.push(`exec ${c.name} ${spec.command.join(' ')}`);
    if (c.state !== 'running')
      return Promise.reject(new ConflictError(409, `Container ${c.id} is not running`, 'exec'));
    this.execs.push({ container: c.name, spec });
    io.stdout.write(`${spec.command.join(' ')}\n`);
    return Promise.resolve(spec.detach ? 0 : (this.execCodes.get(spec.command.join(' ')) ?? 0));
  }

  attachContainer(id: string): Promise<{ ended: Promise<void>; resize(): Promise<void> }> {
    this.calls.push(`attach ${this.find(id).name}`);
    return Promise.resolve({ ended: Promise.resolve(), resize: () => Promise.resolve() });
  }

  /** What a container's stats sample reports, by container name (default: all zero, as a container doing nothing). */
  readonly usage = new Map<string, Partial<ContainerStats>>();

  /** One sample, streamed or not (a stopped container reports zeros, as the engine's). */
  async *containerStats(id: string): AsyncIterable<ContainerStats> {
    const c = this.find(id);
    await Promise.resolve();
    const zero = { cpuPercent: 0, memoryBytes: 0, memoryLimitBytes: 0, memoryPercent: 0, pids: 0 };
    yield {
      id: c.id,
      name: c.name,
      os: 'linux',
      ...zero,
      netRxBytes: 0,
      netTxBytes: 0,
      blockReadBytes: 0,
      blockWriteBytes: 0,
      ...(c.state === 'running' ? this.usage.get(c.name) : {}),
    };
  }

  topContainer(id: string): Promise<ProcessList> {
    this.find(id);
    return Promise.resolve({ titles: ['PID', 'CMD'], processes: [['1', 'sleep 1000']] });
  }

  private stat(name: string, path: string): PathStat | undefined {
    const data = this.files.get(`${name}:${path}`);
    return (
      data && {
        name: path.split('/').pop() ?? '',
        size: data.length,
        mode: 0o644,
        mtime: '',
        linkTarget: '',
        isDirectory: false,
      }
    );
  }

  statContainerPath(id: string, path: string): Promise<PathStat | undefined> {
    return Promise.resolve(this.stat(this.find(id).name, path));
  }

  getArchive(id: string, path: string): Promise<{ stat: PathStat; tar: NodeJS.ReadableStream }> {
    return Promise.reject(
      new NotFoundError(404, `Could not find the file ${path} in container ${id}`, 'copy from container'),
    );
  }

  /** Reads the tar as the engine extracts it: each file lands in `files` at `<dir>/<entry name>`. */
  async putArchive(id: string, dir: string, tarStream?: NodeJS.ReadableStream): Promise<void> {
    const c = this.find(id);
    this.calls.push(`put ${c.name} ${dir}`);
    if (!tarStream) return;
    const extract = tar.extract();
    tarStream.pipe(extract);
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      if (entry.header.type === 'file')
        this.files.set(`${c.name}:${posix.join(dir, entry.header.name)}`, Buffer.concat(chunks));
    }
  }

  async *events(filter: { labels?: LabelFilter }): AsyncIterable<EngineEvent> {
    await Promise.resolve();
    yield* this.recordedEvents.filter((e) => matches(e.attributes, filter.labels));
  }

  close(): void {}
}

function matches(labels: Record<string, string>, filter: LabelFilter | undefined): boolean {
  if (!filter) return true;
  return Object.entries(filter).every(([k, v]) => (v === true ? k in labels : labels[k] === v));
}
