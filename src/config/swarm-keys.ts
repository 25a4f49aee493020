/**
 * What `berth stack deploy` says about a stack file before anything reaches the swarm: every key Docker
 * Swarm cannot honour (`container_name`, `depends_on`, ...) or honours differently from a
 * single engine (`restart` beside `deploy.restart_policy`, ports on the routing mesh) is a warning naming
 * the key, its service and the file:line that writes it; a key that would make the deploy wrong (no
 * image to pull, a published port range) is an error, and nothing is created. `docker stack deploy`
 * drops most of these with one unlocated line ("Ignoring unsupported options: build"), or none. One
 * table keyed by the key's path under the service, as `engine-keys.ts` is for containers; it replaces
 * that table's warnings when the target is a swarm (there, `deploy.placement` and friends do apply).
 */
import type { ServiceConfig } from './model.js';
import type { Locate } from './privileges.js';
import type { PathSeg, Pos } from './positions.js';

/** One finding: where (service and path under it), and what is said. */
export interface SwarmKeyFinding {
  service: string;
  path: PathSeg[];
  message: string;
  hint?: string;
  pos?: Pos;
}

export interface SwarmKeyReport {
  warnings: SwarmKeyFinding[];
  errors: SwarmKeyFinding[];
}

/**
 * Where a service names its image and its build. Whether the image can reach the nodes is known only at
 * deploy time (a `build:` without `--push`, an image only the manager has), so the places outlive the
 * load (`LoadResult.swarmImages`, kept by the project cache) for the deploy's errors to name.
 */
export interface SwarmImagePlace {
  service: string;
  image: string;
  /** Where `image:` is written. */
  imagePos?: Pos;
  /** Whether the service has `build:`. */
  build: boolean;
  /** Where `build:` is written. */
  buildPos?: Pos;
}

type Check = (svc: ServiceConfig) => { path: PathSeg[]; message: string; hint?: string }[];

const IGNORED = 'Swarm ignores it';

/** Keys a swarm service has no place for, with what becomes of them. */
const IGNORED_KEYS: Record<string, string> = {
  container_name: `${IGNORED}: Swarm names each task <stack>_<service>.<slot>.<id>`,
  depends_on: `${IGNORED}: Swarm starts every service at once and restarts tasks until they run`,
  links: `${IGNORED}: services reach each other by name on their overlay networks`,
  external_links: IGNORED,
  volumes_from: IGNORED,
  network_mode: `${IGNORED}: a service joins overlay networks (declare them under networks)`,
  privileged: `${IGNORED}: a swarm service cannot run privileged`,
  devices: `${IGNORED}: a swarm service cannot map host devices`,
  security_opt: IGNORED,
  cgroup_parent: IGNORED,
  cgroup: IGNORED,
  userns_mode: IGNORED,
  ipc: IGNORED,
  pid: IGNORED,
  uts: IGNORED,
  mac_address: IGNORED,
  shm_size: IGNORED,
  tmpfs: `${IGNORED}: use a volume of type tmpfs`,
  dns_opt: IGNORED,
  group_add: IGNORED,
  gpus: `${IGNORED}: use deploy.resources.reservations.generic_resources`,
  runtime: IGNORED,
  storage_opt: IGNORED,
  device_cgroup_rules: IGNORED,
  blkio_config: IGNORED,
  platform: `${IGNORED}: use deploy.placement.constraints (node.platform.arch)`,
  pull_policy: `${IGNORED}: each node pulls the image when it starts a task (see --resolve-image)`,
  scale: `${IGNORED}: use deploy.replicas`,
  annotations: IGNORED,
  expose: `${IGNORED}: every port of a task is open to the services on its networks`,
};

/** Service-level resource keys: Swarm reads only `deploy.resources`. */
const RESOURCE_KEYS = [
  'mem_limit',
  'memswap_limit',
  'mem_reservation',
  'mem_swappiness',
  'cpus',
  'cpu_shares',
  'cpu_quota',
  'cpu_period',
  'cpuset',
  'cpu_rt_runtime',
  'cpu_rt_period',
  'cpu_count',
  'cpu_percent',
  'pids_limit',
  'oom_kill_disable',
];

function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === false) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

const WARNINGS: Check[] = [
  (svc) =>
    Object.entries(IGNORED_KEYS)
      .filter(([key]) => isSet(svc[key]))
      .map(([key, message]) => ({ path: [key], message })),
  (svc) =>
    RESOURCE_KEYS.filter((key) => isSet(svc[key])).map((key) => ({
      path: [key],
      message: `${IGNORED}: a swarm service takes its limits from deploy.resources`,
    })),
  (svc) =>
    svc.restart !== undefined && svc.deploy?.restart_policy !== undefined
      ? [{ path: ['restart'], message: `${IGNORED}: deploy.restart_policy decides how Swarm restarts the tasks` }]
      : svc.restart !== undefined
        ? [
            {
              path: ['restart'],
              message: `honoured as deploy.restart_policy (Swarm replaces a stopped task by a new one${svc.restart === 'no' ? '; "no" leaves Swarm\'s default, which restarts it' : ''})`,
            },
          ]
        : [],
  (svc) =>
    svc.ports.flatMap((p, i) => [
      ...(p.mode === 'ingress' && p.published !== undefined
        ? [
            {
              path: ['ports', i] as PathSeg[],
              message:
                'published on the routing mesh (mode: ingress): every node listens on it; `mode: host` publishes it only where a task runs',
            },
          ]
        : []),
      ...(p.host_ip !== undefined
        ? [{ path: ['ports', i, 'host_ip'] as PathSeg[], message: `${IGNORED}: a swarm port listens on every address` }]
        : []),
    ]),
  (svc) =>
    Object.entries(svc.networks).flatMap(([net, cfg]) =>
      (['ipv4_address', 'ipv6_address', 'link_local_ips', 'mac_address', 'priority'] as const)
        .filter((key) => cfg !== null && isSet(cfg[key]))
        .map((key) => ({ path: ['networks', net, key], message: IGNORED })),
    ),
  (svc) =>
    svc.volumes.flatMap((v, i) =>
      v.type === 'bind'
        ? [
            {
              path: ['volumes', i] as PathSeg[],
              message: 'a bind mount: the host path must exist on every node a task may run on',
            },
          ]
        : [],
    ),
];

const ERRORS: Check[] = [
  (svc) =>
    svc.image === undefined
      ? [
          {
            path: svc.build !== undefined ? ['build'] : [],
            message: 'a swarm service needs an image: every node pulls it from a registry',
            hint: 'add image: naming a registry every node can reach (registry.example:5000/app:1), and deploy with --push to build and push it',
          },
        ]
      : [],
  (svc) =>
    svc.ports.flatMap((p, i) =>
      p.published?.includes('-')
        ? [{ path: ['ports', i, 'published'] as PathSeg[], message: 'Swarm cannot publish a port range' }]
        : [],
    ),
  (svc) =>
    svc.deploy?.replicas !== undefined && (svc.deploy.mode === 'global' || svc.deploy.mode === 'global-job')
      ? [{ path: ['deploy', 'replicas'], message: `replicas can only be used with replicated or replicated-job mode` }]
      : [],
  (svc) =>
    typeof svc.network_mode === 'string' && svc.network_mode.startsWith('service:')
      ? [
          {
            path: ['network_mode'],
            message: 'a swarm service cannot share the network of another service',
            hint: 'put both services on one network',
          },
        ]
      : [],
];

/** The translation report of every enabled service, in table order, each finding located. */
export function swarmKeyReport(services: Record<string, ServiceConfig>, locate: Locate): SwarmKeyReport {
  const run = (checks: Check[]): SwarmKeyFinding[] =>
    Object.entries(services).flatMap(([name, svc]) =>
      checks.flatMap((check) =>
        check(svc).map((f) => {
          const pos = locate(name, f.path);
          return { service: name, ...f, ...(pos && { pos }) };
        }),
      ),
    );
  return { warnings: run(WARNINGS), errors: run(ERRORS) };
}

/** The image and build places of every enabled service that names an image (one without is an error above). */
export function swarmImagePlaces(services: Record<string, ServiceConfig>, locate: Locate): SwarmImagePlace[] {
  return Object.entries(services)
    .filter(([, svc]) => svc.image !== undefined)
    .map(([name, svc]) => {
      const imagePos = locate(name, ['image']);
      const buildPos = svc.build !== undefined ? locate(name, ['build']) : undefined;
      return {
        service: name,
        image: svc.image!,
        ...(imagePos && { imagePos }),
        build: svc.build !== undefined,
        ...(buildPos && { buildPos }),
      };
    });
}
