/**
 * The resolved, normalized stack: what `config/` returns and every later layer reads.
 *
 * Keys follow the Compose specification's own names (snake_case) so that `berth config` prints this
 * model as it is, and so that the config hash is computed over the same shape Docker Compose hashes.
 * Every short syntax is normalized to its long form here; nothing after `config/` sees a short form.
 * Objects are plain data (JSON-serializable) and are frozen by the loader.
 */

export interface Project {
  /** Normalized project name (lowercase, [a-z0-9_-], starts with a letter or digit). */
  name: string;
  /** Absolute project directory: relative paths in the files were resolved against it. */
  working_dir: string;
  /** Absolute paths of the files read, in order ("-" for stdin). */
  config_files: string[];
  services: Record<string, ServiceConfig>;
  networks: Record<string, NetworkConfig>;
  volumes: Record<string, VolumeConfig>;
  secrets?: Record<string, SecretConfig>;
  configs?: Record<string, SecretConfig>;
  /** Services defined in the files but disabled by profiles. */
  disabled_services?: Record<string, ServiceConfig>;
  /** Top-level `models:` (AI models a provider runs), kept verbatim for `config`: berth does not run them. */
  models?: Record<string, unknown>;
  /** Top-level `x-*` extensions, kept verbatim. */
  extensions?: Record<string, unknown>;
  /**
   * The contents of the secrets and configs that read an `environment` variable, by kind and key,
   * resolved from the load's environment (shell over `.env`) at every load, a cached one too
   * (config/file-values.ts). Never stored in the project cache, never in a label, the config hash or
   * `config` output: those name the variable only.
   */
  file_values?: FileValues;
}

/** Secret and config contents by key (see `Project.file_values`). */
export interface FileValues {
  secrets: Record<string, string>;
  configs: Record<string, string>;
}

export interface ServiceConfig {
  /** The service's key in `services`. */
  name: string;
  image?: string;
  build?: BuildConfig;
  pull_policy?: string;
  /** Exec form. `null` means "explicitly empty" (overrides the image's). */
  command?: string[] | null;
  entrypoint?: string[] | null;
  /** Resolved environment (after env_file and interpolation). `null` value: pass through from the shell if set. */
  environment: Record<string, string | null>;
  env_file?: { path: string; required: boolean; format?: string }[];
  ports: PortConfig[];
  expose?: string[];
  volumes: ServiceVolume[];
  volumes_from?: string[];
  tmpfs?: string[];
  /** Networks the service joins; empty when `network_mode` is set. Key: network key in `Project.networks`. */
  networks: Record<string, ServiceNetwork | null>;
  network_mode?: string;
  depends_on: Record<string, DependsOn>;
  links?: string[];
  external_links?: string[];
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  container_name?: string;
  hostname?: string;
  domainname?: string;
  working_dir?: string;
  user?: string;
  restart?: string;
  healthcheck?: Healthcheck;
  stop_signal?: string;
  /** Duration string as written, normalized (e.g. "10s"). */
  stop_grace_period?: string;
  tty?: boolean;
  stdin_open?: boolean;
  init?: boolean;
  privileged?: boolean;
  read_only?: boolean;
  cap_add?: string[];
  cap_drop?: string[];
  dns?: string[];
  dns_search?: string[];
  dns_opt?: string[];
  extra_hosts?: string[];
  devices?: { source: string; target: string; permissions?: string }[];
  ulimits?: Record<string, { soft: number; hard: number }>;
  sysctls?: Record<string, string>;
  security_opt?: string[];
  shm_size?: number;
  /** Bytes; `memswap_limit: -1` is unlimited swap. */
  mem_limit?: number;
  memswap_limit?: number;
  mem_reservation?: number;
  mem_swappiness?: number;
  cpus?: number;
  cpu_shares?: number;
  /** Microseconds. */
  cpu_quota?: number;
  cpu_period?: number;
  cpuset?: string;
  /** Microseconds as a number, or a duration string ("400ms"). */
  cpu_rt_runtime?: number | string;
  cpu_rt_period?: number | string;
  cpu_count?: number;
  cpu_percent?: number;
  pids_limit?: number;
  oom_score_adj?: number;
  oom_kill_disable?: boolean;
  blkio_config?: BlkioConfig;
  /** `gpus: all` or device requests. */
  gpus?: 'all' | DeviceRequestConfig[];
  cgroup?: string;
  cgroup_parent?: string;
  uts?: string;
  userns_mode?: string;
  storage_opt?: Record<string, string | number>;
  runtime?: string;
  isolation?: string;
  group_add?: string[];
  device_cgroup_rules?: string[];
  ipc?: string;
  pid?: string;
  platform?: string;
  mac_address?: string;
  logging?: { driver?: string; options?: Record<string, string> };
  profiles?: string[];
  /** `false`: attached `up` does not show this service's logs unless `--attach` names it. */
  attach?: boolean;
  scale?: number;
  deploy?: DeployConfig;
  secrets?: ServiceSecret[];
  configs?: ServiceSecret[];
  /** `develop.watch`: what `berth watch` and `up --watch` do when files change. Reaches no container. */
  develop?: DevelopConfig;
  /** `x-*` keys of the service, kept verbatim. */
  extensions?: Record<string, unknown>;
  /** Any other Compose-spec key, normalized, that berth carries through without a typed field yet. */
  [key: string]: unknown;
}

export interface DevelopConfig {
  watch?: WatchTrigger[];
  [key: string]: unknown;
}

export type WatchAction = 'sync' | 'rebuild' | 'restart' | 'sync+restart' | 'sync+exec';

/** One `develop.watch` rule, normalized: `path` absolute (resolved against the project directory). */
export interface WatchTrigger {
  path: string;
  action: WatchAction;
  /** Path in the container the files under `path` are synced to (sync actions). */
  target?: string;
  /** Patterns (.dockerignore syntax) relative to `path`: changes they match are ignored. */
  ignore?: string[];
  /** Patterns relative to `path`: when set, only changes they match count. */
  include?: string[];
  /** Sync every file under `path` when watching starts. */
  initial_sync?: boolean;
  /** `sync+exec`: the command run in each container after a sync. */
  exec?: ServiceHookConfig;
  [key: string]: unknown;
}

/** An exec run in a service's container (`post_start`, `pre_stop`, `develop.watch[].exec`). */
export interface ServiceHookConfig {
  command: string[];
  user?: string;
  privileged?: boolean;
  working_dir?: string;
  environment?: Record<string, string | null>;
}

export interface BuildConfig {
  /** Absolute path or URL. */
  context: string;
  dockerfile?: string;
  dockerfile_inline?: string;
  args?: Record<string, string | null>;
  target?: string;
  labels?: Record<string, string>;
  cache_from?: string[];
  cache_to?: string[];
  no_cache?: boolean;
  pull?: boolean;
  network?: string;
  shm_size?: number;
  extra_hosts?: string[];
  tags?: string[];
  platforms?: string[];
  secrets?: ServiceSecret[];
  ssh?: string[];
  [key: string]: unknown;
}

export interface PortConfig {
  name?: string;
  mode: 'ingress' | 'host';
  host_ip?: string;
  /** Container port. */
  target: number;
  /** Host port or range ("8080", "8080-8081"); absent: the engine picks one. */
  published?: string;
  protocol: 'tcp' | 'udp' | 'sctp';
  app_protocol?: string;
}

export type ServiceVolume =
  | {
      type: 'volume';
      /** Key in `Project.volumes`; absent for an anonymous volume. */
      source?: string;
      target: string;
      read_only?: boolean;
      volume?: { nocopy?: boolean; subpath?: string };
      consistency?: string;
    }
  | {
      type: 'bind';
      /** Absolute host path. */
      source: string;
      target: string;
      read_only?: boolean;
      bind?: {
        propagation?: string;
        create_host_path?: boolean;
        selinux?: 'z' | 'Z';
        recursive?: 'enabled' | 'disabled' | 'writable' | 'readonly';
      };
      consistency?: string;
    }
  | {
      type: 'tmpfs';
      target: string;
      read_only?: boolean;
      tmpfs?: { size?: number; mode?: number };
    }
  | { type: 'npipe' | 'cluster' | 'image'; source?: string; target: string; read_only?: boolean; [k: string]: unknown };

export interface ServiceNetwork {
  aliases?: string[];
  ipv4_address?: string;
  ipv6_address?: string;
  link_local_ips?: string[];
  mac_address?: string;
  priority?: number;
  gw_priority?: number;
  driver_opts?: Record<string, string>;
  interface_name?: string;
}

export interface DependsOn {
  condition: 'service_started' | 'service_healthy' | 'service_completed_successfully';
  required: boolean;
  restart: boolean;
}

export interface Healthcheck {
  /** Exec form, e.g. ["CMD", "wget", ...] or ["CMD-SHELL", "..."] or ["NONE"]. */
  test?: string[];
  /** Durations normalized to strings such as "5s", "1m30s". */
  interval?: string;
  timeout?: string;
  retries?: number;
  start_period?: string;
  start_interval?: string;
  disable?: boolean;
}

export interface BlkioConfig {
  weight?: number;
  weight_device?: { path: string; weight: number }[];
  /** Bytes per second. */
  device_read_bps?: BlkioRate[];
  device_write_bps?: BlkioRate[];
  /** Operations per second. */
  device_read_iops?: BlkioRate[];
  device_write_iops?: BlkioRate[];
}

export interface BlkioRate {
  path: string;
  rate: number;
}

/** A request for devices of a driver (GPUs): `deploy.resources.reservations.devices` and `gpus`. */
export interface DeviceRequestConfig {
  capabilities?: string[];
  /** -1: all. */
  count?: number;
  device_ids?: string[];
  driver?: string;
  options?: Record<string, string>;
}

export interface DeployConfig {
  mode?: string;
  replicas?: number;
  labels?: Record<string, string>;
  resources?: {
    limits?: { cpus?: string; memory?: number; pids?: number };
    reservations?: { cpus?: string; memory?: number; devices?: DeviceRequestConfig[] };
  };
  restart_policy?: { condition?: string; delay?: string; max_attempts?: number; window?: string };
  [key: string]: unknown;
}

export interface ServiceSecret {
  source: string;
  target?: string;
  uid?: string;
  gid?: string;
  mode?: number;
}

export interface NetworkConfig {
  /** Engine-side name: `<project>_<key>` unless `name:` or external. */
  name: string;
  driver?: string;
  driver_opts?: Record<string, string>;
  attachable?: boolean;
  internal?: boolean;
  enable_ipv6?: boolean;
  /** `false`: no IPv4 on the network (API 1.48). */
  enable_ipv4?: boolean;
  ipam?: {
    driver?: string;
    config?: { subnet?: string; gateway?: string; ip_range?: string; aux_addresses?: Record<string, string> }[];
    options?: Record<string, string>;
  };
  labels?: Record<string, string>;
  external?: boolean;
  /** `x-*` keys of the network, kept verbatim. */
  extensions?: Record<string, unknown>;
}

export interface VolumeConfig {
  /** Engine-side name: `<project>_<key>` unless `name:` or external. */
  name: string;
  driver?: string;
  driver_opts?: Record<string, string>;
  labels?: Record<string, string>;
  external?: boolean;
  /** `x-*` keys of the volume, kept verbatim. */
  extensions?: Record<string, unknown>;
}

export interface SecretConfig {
  name: string;
  file?: string;
  environment?: string;
  content?: string;
  external?: boolean;
  labels?: Record<string, string>;
  /** `x-*` keys, kept verbatim. */
  extensions?: Record<string, unknown>;
}
