/**
 * The one interface through which berth talks to a container engine. It speaks only berth's types:
 * no Docker client shapes cross it. `runtime/docker/` implements it on the Docker Engine API; the
 * in-memory fake for unit tests lives under `test/`.
 */

export type LabelFilter = Record<string, string | true>;

export interface EngineInfo {
  /** Negotiated API version in use, e.g. "1.41". */
  apiVersion: string;
  /** Engine version, e.g. "20.10.24". */
  version: string;
  os: string;
  arch: string;
}

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';
export type HealthState = 'starting' | 'healthy' | 'unhealthy' | 'none';

export interface PublishedPort {
  /** Container port. */
  target: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  hostIp?: string;
  hostPort?: number;
}

/** A container as a list call reports it. */
export interface ContainerSummary {
  id: string;
  /** Without the leading slash. */
  name: string;
  image: string;
  imageId: string;
  labels: Record<string, string>;
  state: ContainerState;
  /** Human status as the engine words it ("Up 3 seconds", "Exited (0) 2 minutes ago"). */
  status: string;
  /** Parsed from status where the engine says it. */
  health: HealthState;
  created: number;
  ports: PublishedPort[];
  networks: string[];
  /**
   * The volumes it mounts (named and anonymous): name and target path. Always there: where the engine's
   * list leaves mounts out, the runtime inspects the container for them.
   */
  volumes: { name: string; target: string }[];
  /** The network mode as the engine lists it: `bridge`, `host`, a network, `container:<id>` (a shared stack). */
  networkMode?: string;
  /** The command line as the engine's list words it (`ps`'s COMMAND column); absent where the engine leaves it out. */
  commandLine?: string;
}

export interface ContainerDetails extends ContainerSummary {
  exitCode: number;
  /** Last healthcheck output, when a healthcheck ran. */
  healthLog?: { exitCode: number; output: string }[];
  env: string[];
  command: string[];
  entrypoint: string[];
  mounts: { type: string; name?: string; source: string; target: string; readOnly: boolean }[];
  startedAt?: string;
  finishedAt?: string;
  restartCount: number;
  /** Network name -> IP address and aliases in that network. */
  networkSettings: Record<string, { ipAddress: string; aliases: string[] }>;
  /** Created with a TTY / with stdin kept open (`tty:`, `stdin_open:`): how `attach` talks to it. */
  tty?: boolean;
  openStdin?: boolean;
}

export interface MountSpec {
  type: 'bind' | 'volume' | 'tmpfs' | 'image';
  /** Host path (bind), volume name (volume) or image reference (image); absent for anonymous volumes and tmpfs. */
  source?: string;
  target: string;
  readOnly?: boolean;
  /** bind only */
  propagation?: string;
  /** bind only: relabel the host path for SELinux, shared (`z`) or private to this container (`Z`). */
  selinux?: 'z' | 'Z';
  /** bind only: create the host path when missing (the classic -v behaviour). */
  createHostPath?: boolean;
  /**
   * bind only, as `bind.recursive` says (recursive, the engine's default, when absent): `disabled`,
   * submounts are not mounted; `writable`, only the top mount is read-only; `readonly`, read-only all
   * the way down or an error (API 1.44).
   */
  recursive?: 'disabled' | 'writable' | 'readonly';
  /** volume only */
  noCopy?: boolean;
  /** volume and image: mount this path inside the volume or image instead of its root (API 1.45 / 1.48). */
  subpath?: string;
  /** tmpfs only */
  tmpfsSize?: number;
  tmpfsMode?: number;
}

export interface HealthcheckSpec {
  test: string[];
  intervalNs?: number;
  timeoutNs?: number;
  startPeriodNs?: number;
  startIntervalNs?: number;
  retries?: number;
}

export interface EndpointSpec {
  /** Engine-side network name. */
  network: string;
  aliases: string[];
  ipv4Address?: string;
  ipv6Address?: string;
  linkLocalIps?: string[];
  macAddress?: string;
  driverOpts?: Record<string, string>;
  /** Which endpoint gives the default gateway (highest first); sent from Engine API 1.48. */
  gwPriority?: number;
  /** `container:alias` links (`links`, `external_links`): the alias resolves to that container here. */
  links?: string[];
}

/** Block I/O limits: a weight, and per-device weights and throttles (bytes or operations per second). */
export interface BlkioSpec {
  weight?: number;
  weightDevice?: { path: string; weight: number }[];
  deviceReadBps?: { path: string; rate: number }[];
  deviceWriteBps?: { path: string; rate: number }[];
  deviceReadIOps?: { path: string; rate: number }[];
  deviceWriteIOps?: { path: string; rate: number }[];
}

/** Devices asked of a driver (GPUs): how many (-1: all) or which, with which capabilities. */
export interface DeviceRequestSpec {
  driver?: string;
  count?: number;
  deviceIds?: string[];
  /** Alternatives: the driver must offer every capability of one inner list. */
  capabilities: string[][];
  options?: Record<string, string>;
}

/**
 * A file written into a container after it is created and before it starts (a secret or config from
 * `environment` or `content`, as Compose copies them in). `content` is a secret's value: it goes to the
 * engine's archive endpoint only, never into a message.
 */
export interface InjectedFile {
  /** Absolute path in the container. */
  target: string;
  content: string;
  /** Permission bits (0o444 unless the stack says). */
  mode: number;
  uid: number;
  gid: number;
}

/** Everything needed to create one container, in berth's terms. */
export interface ContainerSpec {
  name: string;
  image: string;
  /** `undefined`: the image's; `[]`: explicitly empty. */
  command?: string[];
  entrypoint?: string[];
  env: string[];
  labels: Record<string, string>;
  hostname?: string;
  domainname?: string;
  user?: string;
  workingDir?: string;
  tty?: boolean;
  openStdin?: boolean;
  /** Close the container's stdin when the attached client disconnects (one-off `run` with stdin). */
  stdinOnce?: boolean;
  stopSignal?: string;
  stopTimeoutSec?: number;
  healthcheck?: HealthcheckSpec;
  exposedPorts?: { port: number; protocol: string }[];
  ports: PublishedPort[];
  /** `hostPort` as a range string when the stack gives one ("8000-8010"). */
  portRanges?: { target: number; protocol: string; hostIp?: string; hostPort: string }[];
  mounts: MountSpec[];
  /** `volumes_from`: `<container id or name>[:ro|:rw]` (apply resolves a service name to its container id). */
  volumesFrom?: string[];
  restartPolicy?: { name: 'no' | 'always' | 'on-failure' | 'unless-stopped'; maxRetries?: number };
  /** `bridge`, `host`, `none`, `container:<id>`, or a network name; default: first endpoint's network. */
  networkMode?: string;
  /** Endpoints: the first is attached at create, the others connected before start. */
  endpoints: EndpointSpec[];
  extraHosts?: string[];
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  capAdd?: string[];
  capDrop?: string[];
  privileged?: boolean;
  readOnlyRootfs?: boolean;
  init?: boolean;
  tmpfs?: Record<string, string>;
  ipcMode?: string;
  pidMode?: string;
  shmSize?: number;
  securityOpt?: string[];
  sysctls?: Record<string, string>;
  ulimits?: { name: string; soft: number; hard: number }[];
  devices?: { source: string; target: string; permissions: string }[];
  logConfig?: { type: string; config: Record<string, string> };
  memoryBytes?: number;
  /** Memory plus swap; -1: unlimited swap. */
  memorySwapBytes?: number;
  memoryReservationBytes?: number;
  memorySwappiness?: number;
  oomKillDisable?: boolean;
  oomScoreAdj?: number;
  nanoCpus?: number;
  cpuShares?: number;
  cpuPeriodUs?: number;
  cpuQuotaUs?: number;
  cpusetCpus?: string;
  cpuRealtimePeriodUs?: number;
  cpuRealtimeRuntimeUs?: number;
  /** Windows engines only; others discard it. */
  cpuCount?: number;
  cpuPercent?: number;
  pidsLimit?: number;
  blkio?: BlkioSpec;
  deviceRequests?: DeviceRequestSpec[];
  cgroupParent?: string;
  /** `private` or `host`. */
  cgroupnsMode?: string;
  utsMode?: string;
  usernsMode?: string;
  storageOpt?: Record<string, string>;
  runtime?: string;
  isolation?: string;
  groupAdd?: string[];
  deviceCgroupRules?: string[];
  /** Sent from Engine API 1.43; older engines do not know the field. */
  annotations?: Record<string, string>;
  platform?: string;
  macAddress?: string;
  /** Written into the container by `createContainer`, before it returns (secrets and configs). */
  files?: InjectedFile[];
}

export interface NetworkSummary {
  id: string;
  name: string;
  driver: string;
  labels: Record<string, string>;
  /** Ids of containers attached (from inspect; empty from list on some engines). */
  containers: string[];
  /** When the engine made it: RFC 3339 in UTC with nine fraction digits, so that text order is time order. */
  created?: string;
}

export interface NetworkSpec {
  name: string;
  driver?: string;
  driverOpts?: Record<string, string>;
  labels: Record<string, string>;
  internal?: boolean;
  attachable?: boolean;
  /** `false`: a network without IPv4 (API 1.48; older engines give every network IPv4). */
  enableIpv4?: boolean;
  enableIpv6?: boolean;
  ipam?: {
    driver?: string;
    config: { subnet?: string; gateway?: string; ipRange?: string; auxAddresses?: Record<string, string> }[];
    options?: Record<string, string>;
  };
}

export interface VolumeSummary {
  name: string;
  driver: string;
  labels: Record<string, string>;
  mountpoint: string;
  /** The driver options it was created with (absent: none, or an engine that does not say). */
  options?: Record<string, string>;
  /** `local` or `global`, as the engine says. */
  scope?: string;
}

export interface VolumeSpec {
  name: string;
  driver?: string;
  driverOpts?: Record<string, string>;
  labels: Record<string, string>;
}

export interface ImageSummary {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  labels: Record<string, string>;
  created: number;
  size: number;
  /** When a name was last given to this image locally (pull, build, tag), ms since the epoch; inspect only. */
  lastTagTime?: number;
}

/** Credentials for one registry, as the Docker config file or a credential helper gave them. */
export interface RegistryAuth {
  /** Registry host as credentials are keyed: "127.0.0.1:5000", "https://index.docker.io/v1/". */
  serverAddress: string;
  username?: string;
  password?: string;
  identityToken?: string;
  /** Where they came from, for messages ("/root/.docker/config.json", "docker-credential-pass"). */
  source: string;
}

/**
 * What `use_api_socket: true` hands a container, as Docker Compose does outside Swarm: the path of the
 * engine's unix socket on the engine's host, and the user's registry credentials as a Docker config
 * file (`{"auths": …}`, JSON). The credentials go into the container's file and nowhere else.
 */
export interface ApiSocketHandoff {
  socketPath: string;
  dockerConfig: string;
}

/** One image build, in berth's terms (the build context is a local folder). */
export interface BuildSpec {
  /** For messages: the service being built. */
  service?: string;
  /** Absolute path of the context folder. */
  context: string;
  /** The Dockerfile: absolute, or relative to the context; default `Dockerfile` in the context. */
  dockerfile?: string;
  /** Dockerfile text given in the stack instead of a file. */
  dockerfileInline?: string;
  /** Names to tag the result with; the first is the service's image. */
  tags: string[];
  args?: Record<string, string>;
  target?: string;
  labels?: Record<string, string>;
  cacheFrom?: string[];
  noCache?: boolean;
  /** Always try to pull newer versions of the base images. */
  pull?: boolean;
  network?: string;
  shmSize?: number;
  extraHosts?: string[];
  platform?: string;
  quiet?: boolean;
  /**
   * Build secrets (`RUN --mount=type=secret,id=…`), served to BuildKit through a session. Their values
   * go to the engine's request for them, nowhere else.
   */
  secrets?: BuildSecret[];
  /** SSH agents forwarded to `RUN --mount=type=ssh` steps through a session. */
  ssh?: BuildSsh[];
}

/** One forwarded SSH agent: the id a Dockerfile mounts it by (`default`), and its socket. */
export interface BuildSsh {
  id: string;
  /** Absolute path of the agent's unix socket. */
  socket: string;
}

/** One build secret: the id a Dockerfile mounts it by, and its file or value. */
export interface BuildSecret {
  id: string;
  /** Absolute path, read when the build asks for it. */
  file?: string;
  value?: string;
}

/** A line of build output; `step` is the Dockerfile step it belongs to ("Step 2/5 : RUN make"). */
export interface BuildProgress {
  step?: string;
  line: string;
}

export interface PullProgress {
  status: string;
  /** 0..1 over all layers, when the registry reported sizes. */
  fraction?: number;
}

/** What `observe()` found for one project, in a few list calls. */
export interface ObservedState {
  containers: ContainerSummary[];
  networks: NetworkSummary[];
  volumes: VolumeSummary[];
  /** Image reference (as the stack names it) -> image id, for the references asked about; absent: not present locally. */
  images: Record<string, string>;
}

/** Which output a log line or a chunk of process output came from. */
export type OutputStream = 'stdout' | 'stderr';

/** One line of a container's log, without its line end (TTY containers: everything is `stdout`). */
export interface LogLine {
  stream: OutputStream;
  text: string;
}

export interface LogOptions {
  follow?: boolean;
  /** Only the last N lines (per container); absent: all. */
  tail?: number;
  /** RFC 3339 date, Unix seconds, or a duration before now ("10m"), as the engine takes it. */
  since?: string;
  until?: string;
  /** Each line starts with the engine's RFC 3339 timestamp and a space. */
  timestamps?: boolean;
  /** Stops a followed log. */
  signal?: AbortSignal;
}

/** A terminal the caller owns: its size now and when it changes. */
export interface TerminalSize {
  rows: number;
  columns: number;
}

/** Where a process's streams go. With `stdin`, the caller's input is sent until it ends. */
export interface ProcessIO {
  stdin?: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** With a TTY: the terminal's size, and a way to hear of changes (returns an unsubscribe). */
  terminal?: { size(): TerminalSize; onResize(listener: () => void): () => void };
}

export interface ExecSpec {
  command: string[];
  env?: string[];
  user?: string;
  workingDir?: string;
  privileged?: boolean;
  tty: boolean;
  /** Start it and return at once (exit code unknown: 0). */
  detach?: boolean;
}

/** How a tar is extracted into a container. */
export interface PutArchiveOptions {
  /** The files belong to the container's user (its `user:`), whatever owner the tar names, as `docker cp -a` does. */
  copyUIDGID?: boolean;
}

/** A path in a container, as the archive endpoints describe it. */
export interface PathStat {
  name: string;
  size: number;
  /** Go's os.FileMode bits: 1<<31 is a directory, 1<<27 a symlink. */
  mode: number;
  mtime: string;
  linkTarget: string;
  isDirectory: boolean;
}

/** `top`: the columns `ps` printed and one row per process. */
export interface ProcessList {
  titles: string[];
  processes: string[][];
}

/**
 * One resource-usage sample of a container, computed as the docker CLI computes `docker stats`
 * (cache left out of memory; CPU over the engine's previous sample; I/O summed over networks and devices).
 */
export interface ContainerStats {
  id: string;
  /** Without the leading slash. */
  name: string;
  /** `linux` or `windows`: Windows engines report no memory limit or process count. */
  os: string;
  cpuPercent: number;
  memoryBytes: number;
  memoryLimitBytes: number;
  memoryPercent: number;
  netRxBytes: number;
  netTxBytes: number;
  blockReadBytes: number;
  blockWriteBytes: number;
  pids: number;
}

/** One engine event (container start/die/kill/..., network connect, ...). */
export interface EngineEvent {
  /** Milliseconds since the epoch. */
  timeMs: number;
  type: string;
  action: string;
  /** Id of the object (container id, network id, ...). */
  id: string;
  attributes: Record<string, string>;
}

/**
 * Removals (`removeContainer`, `removeNetwork`, `removeVolume`) promise an outcome, not a request: each
 * resolves once the object is gone, whoever removed it. Already gone (a concurrent `down`, the engine's
 * own `--rm`) is done; a container another client is removing is waited for (bounded) and removed again
 * should that removal fail; a network the engine still counts a stale endpoint on is tried again for a
 * few seconds. A network or volume that containers really still use is a `ResourceInUseError` naming
 * them (with their labels, so the caller can tell its own from others'). Callers add no tolerance of
 * their own.
 */
export interface Runtime {
  /**
   * Where the engine is, as a stable text ("unix:///var/run/docker.sock"): the key of per-engine state
   * such as the project lock. Contacts nothing.
   */
  readonly endpoint: string;

  /** Negotiate the API version (one ping, the first time only). Throws EngineUnreachableError. */
  connect(): Promise<void>;

  /** Ping and negotiate the API version, then the engine's version. Throws EngineUnreachableError. */
  info(): Promise<EngineInfo>;

  /**
   * The engine's socket and the registry credentials for `use_api_socket`. Throws UsageError when the
   * engine is not reached through a unix socket (ssh, tcp): a container cannot mount that.
   */
  apiSocket(): Promise<ApiSocketHandoff>;

  /** Containers, networks and volumes labelled with `com.docker.compose.project=<project>`, plus the ids of `imageRefs`. */
  observe(project: string, imageRefs: string[]): Promise<ObservedState>;

  /** `volume`: only containers that mount this volume (by name). */
  listContainers(filter: {
    labels?: LabelFilter;
    all?: boolean;
    name?: string;
    volume?: string;
  }): Promise<ContainerSummary[]>;
  inspectContainer(idOrName: string): Promise<ContainerDetails>;
  /**
   * Creates, connects every endpoint after the first, and writes the spec's `files` into it; returns
   * the id. When a connect or a write fails, the container is removed again. A name another container holds
   * is a `NameConflictError` carrying that container (`holder`), found even while the engine has reserved
   * the name for a create still under way.
   */
  createContainer(spec: ContainerSpec): Promise<string>;
  /** A port it publishes that is taken on the host is a PortTakenError. */
  startContainer(id: string): Promise<void>;
  /** Stop with a grace period in seconds (engine default when absent). Already stopped is not an error. */
  stopContainer(id: string, timeoutSec?: number): Promise<void>;
  killContainer(id: string, signal?: string): Promise<void>;
  /** Resolves once the container is gone (see the removal contract above). */
  removeContainer(id: string, options?: { force?: boolean; volumes?: boolean }): Promise<void>;
  /** Resolves once the container has the name: the name it has already is done, and so is a rename whose answer was lost. */
  renameContainer(id: string, newName: string): Promise<void>;
  /** Waits until the container is no longer running and returns its exit code. */
  waitContainer(id: string, condition?: 'not-running' | 'next-exit' | 'removed'): Promise<number>;
  connectNetwork(network: string, containerId: string, endpoint: Omit<EndpointSpec, 'network'>): Promise<void>;
  disconnectNetwork(network: string, containerId: string, force?: boolean): Promise<void>;

  listNetworks(filter: { labels?: LabelFilter; name?: string }): Promise<NetworkSummary[]>;
  inspectNetwork(idOrName: string): Promise<NetworkSummary>;
  /** One create request; a network of that name the engine knows of is a ConflictError. */
  createNetwork(spec: NetworkSpec): Promise<string>;
  /**
   * Resolves once one network of the name exists: made when missing, left alone when there. Two clients
   * creating it at once (the engine may then hold two of one name) converge on one network.
   */
  ensureNetwork(spec: NetworkSpec): Promise<void>;
  /** Resolves once the network is gone; ResourceInUseError when containers still use it (see above). */
  removeNetwork(idOrName: string): Promise<void>;

  listVolumes(filter: { labels?: LabelFilter; name?: string }): Promise<VolumeSummary[]>;
  inspectVolume(name: string): Promise<VolumeSummary>;
  createVolume(spec: VolumeSpec): Promise<VolumeSummary>;
  /** Resolves once the volume is gone; ResourceInUseError when containers still use it (see above). */
  removeVolume(name: string, force?: boolean): Promise<void>;

  /**
   * Pull an image from its registry; `onProgress` gets the aggregated layer progress.
   * (Added by the planner's `pull-image` action; credentials come with the image-side work.)
   */
  pullImage(ref: string, onProgress?: (p: PullProgress) => void, auth?: RegistryAuth): Promise<void>;

  /**
   * Build an image from a local context (streamed, never written to disk); resolves with the new
   * image id. Throws BuildError naming the failed step. Registry credentials for base images come
   * from the runtime's own credential source.
   */
  buildImage(spec: BuildSpec, onProgress?: (p: BuildProgress) => void): Promise<string>;
  /** Push a tagged image to its registry; `auth` overrides the runtime's credential lookup. */
  pushImage(ref: string, onProgress?: (p: PullProgress) => void, auth?: RegistryAuth): Promise<void>;
  /** Give an image another name (`target` is `repo[:tag]`). */
  tagImage(source: string, target: string): Promise<void>;
  /** Remove an image name (the image itself once no name is left); NotFoundError when absent. */
  removeImage(ref: string, options?: { force?: boolean }): Promise<void>;

  /** `undefined` when the image is not present locally. */
  inspectImage(ref: string): Promise<ImageSummary | undefined>;
  listImages(filter: { labels?: LabelFilter; reference?: string }): Promise<ImageSummary[]>;

  pauseContainer(id: string): Promise<void>;
  unpauseContainer(id: string): Promise<void>;
  /** Stop (with a grace period in seconds) and start again. */
  restartContainer(id: string, timeoutSec?: number): Promise<void>;
  /** The container's log, line by line, stdout and stderr told apart. Ends when the log does (or `signal` aborts a follow). */
  containerLogs(id: string, options: LogOptions): AsyncIterable<LogLine>;
  /** Runs a command in a running container; resolves with its exit code once its output has ended. */
  exec(containerId: string, spec: ExecSpec, io: ProcessIO): Promise<number>;
  /**
   * Attaches to a container's streams (before starting it, to miss nothing). Resolves once attached;
   * `ended` settles when the container's output ends; `resize()` sends the terminal's size (call it
   * once the container runs; later changes follow by themselves).
   */
  attachContainer(
    id: string,
    io: ProcessIO,
    options: { tty: boolean; detachKeys?: string },
  ): Promise<{ ended: Promise<void>; resize(): Promise<void> }>;
  /**
   * Resource usage: one sample (`stream: false`, the engine waits for a second reading to compute CPU),
   * or one about every second until the container is gone or `signal` aborts.
   */
  containerStats(id: string, options: { stream: boolean; signal?: AbortSignal }): AsyncIterable<ContainerStats>;
  topContainer(id: string, psArgs?: string): Promise<ProcessList>;
  /** `undefined` when the path does not exist in the container. */
  statContainerPath(id: string, path: string): Promise<PathStat | undefined>;
  /** A tar of `path` (its entries start with the path's base name). */
  getArchive(id: string, path: string): Promise<{ stat: PathStat; tar: NodeJS.ReadableStream }>;
  /**
   * Extracts a tar into the directory `dir` of the container (which must exist). `copyUIDGID` (`cp -a`)
   * keeps the tar's owners; otherwise the files belong to the container's root user.
   */
  putArchive(id: string, dir: string, tar: NodeJS.ReadableStream, options?: PutArchiveOptions): Promise<void>;
  /** Engine events matching the labels, as they happen, until `signal` aborts. */
  events(
    filter: { labels?: LabelFilter; type?: string[]; since?: string; until?: string },
    signal?: AbortSignal,
  ): AsyncIterable<EngineEvent>;

  /** Release sockets (keep-alive agents). */
  close(): void;
}

/*
 * Docker Swarm, for `berth stack`: a separate interface, since a stack deploy speaks to a swarm
 * manager about services, not to one engine about containers.
 *
 * A service's spec is kept in the Engine API's own shape (`ServiceSpec`, PascalCase) on purpose: berth
 * must send what `docker stack deploy` sends, and compare it field by field with what the swarm holds
 * and reports back in that same shape; a second model of forty fields would only add a translation in
 * each direction. It is plain JSON data; nothing of a Docker client library crosses.
 */

type Json = Record<string, unknown>;

export interface SwarmContainerSpec extends Json {
  Image: string;
  Labels?: Record<string, string>;
  Command?: string[];
  Args?: string[];
  Env?: string[];
  Healthcheck?: Json;
  Mounts?: Json[];
  Secrets?: SwarmFileReference[];
  Configs?: SwarmFileReference[];
}

/** A secret or config a task mounts as a file. */
export interface SwarmFileReference extends Json {
  File: { Name: string; UID: string; GID: string; Mode: number };
  SecretID?: string;
  SecretName?: string;
  ConfigID?: string;
  ConfigName?: string;
}

export interface SwarmPort {
  Protocol?: string;
  TargetPort: number;
  PublishedPort?: number;
  /** `ingress` (the routing mesh) or `host`. */
  PublishMode?: string;
}

export interface SwarmServiceSpec extends Json {
  Name: string;
  Labels: Record<string, string>;
  TaskTemplate: Json & {
    ContainerSpec: SwarmContainerSpec;
    Networks?: { Target: string; Aliases?: string[]; DriverOpts?: Record<string, string> }[];
    Placement?: Json;
    RestartPolicy?: Json;
    Resources?: Json;
    ForceUpdate?: number;
  };
  Mode?: { Replicated?: { Replicas?: number }; Global?: Json; ReplicatedJob?: Json; GlobalJob?: Json };
  UpdateConfig?: Json;
  RollbackConfig?: Json;
  EndpointSpec?: { Mode?: string; Ports?: SwarmPort[] };
}

export interface SwarmService {
  id: string;
  /** The swarm's version of the object: an update must name the one it read. */
  version: number;
  spec: SwarmServiceSpec;
  /** The last rolling update: its state (`updating`, `completed`, `paused`, `rollback_started`, ...). */
  updateStatus?: { state: string; message?: string; startedAt?: string };
}

export interface SwarmNetworkSpec {
  name: string;
  driver: string;
  labels: Record<string, string>;
  driverOpts?: Record<string, string>;
  internal?: boolean;
  attachable?: boolean;
  enableIpv6?: boolean;
  ipam?: { driver?: string; config?: { subnet?: string; gateway?: string; ipRange?: string }[] };
}

export interface SwarmNetwork {
  id: string;
  name: string;
  driver: string;
  /** `swarm` for overlay networks a service can join; `local` for a node's own. */
  scope: string;
  labels: Record<string, string>;
}

export type SwarmObjectKind = 'secret' | 'config';

/** A secret or config to create: its data travels to the manager and nowhere else. */
export interface SwarmObjectSpec {
  name: string;
  labels: Record<string, string>;
  data: Buffer;
}

export interface SwarmObject {
  id: string;
  name: string;
  version: number;
  labels: Record<string, string>;
  /** A config's data as the swarm holds it (a secret's is never shown). */
  data?: Buffer;
}

export interface SwarmTask {
  id: string;
  serviceId: string;
  nodeId?: string;
  slot?: number;
  /** What the orchestrator wants (`running`, `shutdown`...). */
  desiredState: string;
  /** Where it is (`new`, `pending`, `preparing`, `starting`, `running`, `failed`, `rejected`...). */
  state: string;
  message: string;
  error?: string;
  exitCode?: number;
  containerId?: string;
  /** The image the task runs. */
  image: string;
  /** When the task last changed state (RFC 3339). */
  timestamp: string;
}

export interface SwarmNode {
  id: string;
  hostname: string;
  role: 'manager' | 'worker';
  state: string;
  availability: string;
  address: string;
}

export interface SwarmInfo {
  /** `active`, `inactive`, `pending`, `error`, `locked`. */
  localNodeState: string;
  /** Whether this engine is a manager, the only kind a stack can be deployed through. */
  controlAvailable: boolean;
  nodeId: string;
}

/**
 * `--with-registry-auth`: a service write (and the digest lookup before it) carries the credentials of
 * the registry its image lives in, which the swarm keeps with the service so that every node can pull a
 * private image. The runtime finds them itself (the Docker config); they go nowhere but that header.
 */
export interface RegistryAuthOption {
  registryAuth?: boolean;
}

/** An image as the manager's own engine holds it. */
export interface SwarmLocalImage {
  id: string;
  /** `repo@sha256:…` for each registry it was pulled from or pushed to; none for an image only built or loaded here. */
  repoDigests: string[];
}

export interface SwarmRuntime {
  readonly endpoint: string;
  swarmInfo(): Promise<SwarmInfo>;
  listServices(labels: LabelFilter): Promise<SwarmService[]>;
  inspectService(id: string): Promise<SwarmService | undefined>;
  /** Creates a service; resolves with its id and the engine's warnings. */
  createService(spec: SwarmServiceSpec, options?: RegistryAuthOption): Promise<{ id: string; warnings: string[] }>;
  /** Replaces a service's spec; `version` is the one last read (the swarm refuses a stale one). */
  updateService(
    id: string,
    version: number,
    spec: SwarmServiceSpec,
    options?: RegistryAuthOption,
  ): Promise<{ warnings: string[] }>;
  removeService(id: string): Promise<void>;
  /** Every network the manager knows (swarm and local scope). */
  listNetworks(): Promise<SwarmNetwork[]>;
  createNetwork(spec: SwarmNetworkSpec): Promise<string>;
  removeNetwork(id: string): Promise<void>;
  listObjects(kind: SwarmObjectKind, labels: LabelFilter): Promise<SwarmObject[]>;
  createObject(kind: SwarmObjectKind, spec: SwarmObjectSpec): Promise<string>;
  removeObject(kind: SwarmObjectKind, id: string): Promise<void>;
  listTasks(filter: { services?: string[]; labels?: LabelFilter }): Promise<SwarmTask[]>;
  listNodes(): Promise<SwarmNode[]>;
  /** The image pinned to its registry digest (`app:1@sha256:…`), or undefined when no registry answers. */
  resolveImage(image: string, options?: RegistryAuthOption): Promise<string | undefined>;
  /** The manager's own copy of an image; undefined when it has none. */
  localImage(ref: string): Promise<SwarmLocalImage | undefined>;
  close(): void;
}
