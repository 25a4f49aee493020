/**
 * The Docker Engine API's JSON shapes, as far as berth reads or writes them. Internal to
 * `runtime/docker/`: nothing outside this folder imports these. Every field is optional or nullable
 * where some engine (an older Docker, Podman's compatibility API) leaves it out or sends `null`.
 */

export type EngineLabels = Record<string, string> | null | undefined;

export interface EnginePort {
  IP?: string;
  PrivatePort: number;
  PublicPort?: number;
  Type: string;
}

export interface EngineEndpointSettings {
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string } | null;
  Aliases?: string[] | null;
  NetworkID?: string;
  EndpointID?: string;
  IPAddress?: string;
  MacAddress?: string;
}

/** An element of `GET /containers/json`. */
export interface EngineContainerSummary {
  Id: string;
  Names?: string[] | null;
  Image?: string;
  ImageID?: string;
  Command?: string;
  Created?: number;
  Ports?: EnginePort[] | null;
  Labels?: EngineLabels;
  State?: string;
  Status?: string;
  NetworkSettings?: { Networks?: Record<string, EngineEndpointSettings> | null } | null;
  Mounts?: EngineMountPoint[] | null;
  HostConfig?: { NetworkMode?: string } | null;
}

export interface EngineHealth {
  Status?: string;
  FailingStreak?: number;
  Log?: { Start?: string; End?: string; ExitCode?: number; Output?: string }[] | null;
}

export interface EngineMountPoint {
  Type?: string;
  Name?: string;
  Source?: string;
  Destination: string;
  Driver?: string;
  Mode?: string;
  RW?: boolean;
  Propagation?: string;
}

/** `GET /containers/{id}/json`. */
export interface EngineContainerInspect {
  Id: string;
  Name?: string;
  Created?: string;
  Image?: string;
  RestartCount?: number;
  State?: {
    Status?: string;
    Running?: boolean;
    ExitCode?: number;
    StartedAt?: string;
    FinishedAt?: string;
    Health?: EngineHealth | null;
    /** Podman before 4.x reported health under this name. */
    Healthcheck?: EngineHealth | null;
  } | null;
  Config?: {
    Image?: string;
    Env?: string[] | null;
    Cmd?: string[] | string | null;
    Entrypoint?: string[] | string | null;
    Labels?: EngineLabels;
    Tty?: boolean;
    OpenStdin?: boolean;
  } | null;
  Mounts?: EngineMountPoint[] | null;
  NetworkSettings?: {
    Ports?: Record<string, { HostIp?: string; HostPort?: string }[] | null> | null;
    Networks?: Record<string, EngineEndpointSettings> | null;
  } | null;
}

export interface EngineMount {
  /** `image`: API 1.48 and later. */
  Type: 'bind' | 'volume' | 'tmpfs' | 'image';
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  BindOptions?: {
    Propagation?: string;
    CreateMountpoint?: boolean;
    NonRecursive?: boolean;
    ReadOnlyNonRecursive?: boolean;
    ReadOnlyForceRecursive?: boolean;
  };
  /** `Subpath`: API 1.45 and later. */
  VolumeOptions?: { NoCopy?: boolean; Subpath?: string };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
  ImageOptions?: { Subpath?: string };
}

export interface EngineHostConfig {
  Binds?: string[];
  Mounts?: EngineMount[];
  PortBindings?: Record<string, { HostIp?: string; HostPort?: string }[]>;
  RestartPolicy?: { Name: string; MaximumRetryCount?: number };
  NetworkMode?: string;
  VolumesFrom?: string[];
  ExtraHosts?: string[];
  Dns?: string[];
  DnsSearch?: string[];
  DnsOptions?: string[];
  CapAdd?: string[];
  CapDrop?: string[];
  Privileged?: boolean;
  ReadonlyRootfs?: boolean;
  Init?: boolean;
  Tmpfs?: Record<string, string>;
  IpcMode?: string;
  PidMode?: string;
  ShmSize?: number;
  SecurityOpt?: string[];
  Sysctls?: Record<string, string>;
  Ulimits?: { Name: string; Soft: number; Hard: number }[];
  Devices?: { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }[];
  LogConfig?: { Type: string; Config: Record<string, string> };
  Memory?: number;
  MemorySwap?: number;
  MemoryReservation?: number;
  MemorySwappiness?: number;
  OomKillDisable?: boolean;
  OomScoreAdj?: number;
  NanoCpus?: number;
  CpuShares?: number;
  CpuPeriod?: number;
  CpuQuota?: number;
  CpusetCpus?: string;
  CpuRealtimePeriod?: number;
  CpuRealtimeRuntime?: number;
  CpuCount?: number;
  CpuPercent?: number;
  PidsLimit?: number;
  BlkioWeight?: number;
  BlkioWeightDevice?: { Path: string; Weight: number }[];
  BlkioDeviceReadBps?: EngineThrottleDevice[];
  BlkioDeviceWriteBps?: EngineThrottleDevice[];
  BlkioDeviceReadIOps?: EngineThrottleDevice[];
  BlkioDeviceWriteIOps?: EngineThrottleDevice[];
  DeviceRequests?: {
    Driver?: string;
    Count?: number;
    DeviceIDs?: string[];
    Capabilities?: string[][];
    Options?: Record<string, string>;
  }[];
  CgroupParent?: string;
  CgroupnsMode?: string;
  UTSMode?: string;
  UsernsMode?: string;
  StorageOpt?: Record<string, string>;
  Runtime?: string;
  Isolation?: string;
  GroupAdd?: string[];
  DeviceCgroupRules?: string[];
  /** API 1.43 and later. */
  Annotations?: Record<string, string>;
}

export interface EngineThrottleDevice {
  Path: string;
  Rate: number;
}

export interface EngineEndpointConfig {
  Aliases?: string[];
  Links?: string[];
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] };
  MacAddress?: string;
  DriverOpts?: Record<string, string>;
  /** API 1.48 and later. */
  GwPriority?: number;
}

/** Body of `POST /containers/create`. */
export interface EngineContainerCreateBody {
  Hostname?: string;
  Domainname?: string;
  User?: string;
  WorkingDir?: string;
  Tty?: boolean;
  OpenStdin?: boolean;
  Env: string[];
  Cmd?: string[];
  Entrypoint?: string[];
  Image: string;
  Labels: Record<string, string>;
  ExposedPorts?: Record<string, Record<string, never>>;
  StopSignal?: string;
  StopTimeout?: number;
  MacAddress?: string;
  Healthcheck?: {
    Test: string[];
    Interval?: number;
    Timeout?: number;
    StartPeriod?: number;
    StartInterval?: number;
    Retries?: number;
  };
  HostConfig: EngineHostConfig;
  NetworkingConfig?: { EndpointsConfig: Record<string, EngineEndpointConfig> };
}

/** An element of `GET /networks` and the body of `GET /networks/{id}`. */
export interface EngineNetwork {
  Id: string;
  Name: string;
  Created?: string;
  Driver?: string;
  Labels?: EngineLabels;
  Containers?: Record<string, unknown> | null;
}

/** Body of `POST /networks/create`. */
export interface EngineNetworkCreateBody {
  Name: string;
  CheckDuplicate: boolean;
  Driver?: string;
  Options?: Record<string, string>;
  Labels: Record<string, string>;
  Internal?: boolean;
  Attachable?: boolean;
  EnableIPv6?: boolean;
  EnableIPv4?: boolean;
  IPAM?: {
    Driver?: string;
    Config: { Subnet?: string; Gateway?: string; IPRange?: string; AuxiliaryAddresses?: Record<string, string> }[];
    Options?: Record<string, string>;
  };
}

export interface EngineVolume {
  Name: string;
  Driver?: string;
  Labels?: EngineLabels;
  Mountpoint?: string;
  Options?: Record<string, string> | null;
  Scope?: string;
}

/** An element of `GET /images/json`. */
export interface EngineImageSummary {
  Id: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  Labels?: EngineLabels;
  Created?: number;
  Size?: number;
}

/** `GET /images/{name}/json`. */
export interface EngineImageInspect {
  Id: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  Created?: string;
  Size?: number;
  Config?: { Labels?: EngineLabels } | null;
}

export interface EngineVersion {
  Version?: string;
  ApiVersion?: string;
  Os?: string;
  Arch?: string;
}
