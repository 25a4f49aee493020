/**
 * `SwarmRuntime` on the Engine API of a swarm manager: services, overlay networks, secrets, configs,
 * tasks and nodes, one HTTP call per method. Service specs travel in the engine's own shape (see
 * runtime.ts); the other objects are translated here to berth's small types.
 */
import { NotFoundError } from '../../errors.js';
import type {
  LabelFilter,
  RegistryAuthOption,
  SwarmInfo,
  SwarmLocalImage,
  SwarmNetwork,
  SwarmNetworkSpec,
  SwarmNode,
  SwarmObject,
  SwarmObjectKind,
  SwarmObjectSpec,
  SwarmRuntime,
  SwarmService,
  SwarmServiceSpec,
  SwarmTask,
} from '../runtime.js';
import { encodeAuthHeader, type CredentialStore } from './auth.js';
import { labelFilterValues } from './to-engine.js';
import { encodeFilters, pathSegment, type Transport } from './transport.js';

interface EngineService {
  ID: string;
  Version: { Index: number };
  Spec: SwarmServiceSpec;
  UpdateStatus?: { State?: string; Message?: string; StartedAt?: string };
}

interface EngineTask {
  ID: string;
  ServiceID: string;
  NodeID?: string;
  Slot?: number;
  DesiredState: string;
  Spec?: { ContainerSpec?: { Image?: string } };
  Status: {
    Timestamp: string;
    State: string;
    Message?: string;
    Err?: string;
    ContainerStatus?: { ContainerID?: string; ExitCode?: number };
  };
}

interface EngineNode {
  ID: string;
  Description?: { Hostname?: string };
  Spec: { Role: 'manager' | 'worker'; Availability: string };
  Status: { State: string; Addr?: string };
}

interface EngineObject {
  ID: string;
  Version: { Index: number };
  Spec: { Name: string; Labels?: Record<string, string>; Data?: string };
}

const OBJECT_PATH: Record<SwarmObjectKind, string> = { secret: '/secrets', config: '/configs' };

export function serviceFrom(s: EngineService): SwarmService {
  const out: SwarmService = { id: s.ID, version: s.Version.Index, spec: s.Spec };
  if (s.UpdateStatus?.State)
    out.updateStatus = {
      state: s.UpdateStatus.State,
      ...(s.UpdateStatus.Message && { message: s.UpdateStatus.Message }),
      ...(s.UpdateStatus.StartedAt && { startedAt: s.UpdateStatus.StartedAt }),
    };
  return out;
}

export function taskFrom(t: EngineTask): SwarmTask {
  const cs = t.Status.ContainerStatus;
  return {
    id: t.ID,
    serviceId: t.ServiceID,
    ...(t.NodeID && { nodeId: t.NodeID }),
    ...(t.Slot !== undefined && { slot: t.Slot }),
    desiredState: t.DesiredState,
    state: t.Status.State,
    message: t.Status.Message ?? '',
    ...(t.Status.Err && { error: t.Status.Err }),
    ...(cs?.ExitCode !== undefined && { exitCode: cs.ExitCode }),
    ...(cs?.ContainerID && { containerId: cs.ContainerID }),
    image: t.Spec?.ContainerSpec?.Image ?? '',
    timestamp: t.Status.Timestamp,
  };
}

function objectFrom(o: EngineObject): SwarmObject {
  return {
    id: o.ID,
    name: o.Spec.Name,
    version: o.Version.Index,
    labels: o.Spec.Labels ?? {},
    ...(o.Spec.Data !== undefined && { data: Buffer.from(o.Spec.Data, 'base64') }),
  };
}

function networkBody(spec: SwarmNetworkSpec): Record<string, unknown> {
  return {
    Name: spec.name,
    Driver: spec.driver,
    Labels: spec.labels,
    CheckDuplicate: true,
    ...(spec.driverOpts && { Options: spec.driverOpts }),
    ...(spec.internal && { Internal: true }),
    ...(spec.attachable && { Attachable: true }),
    ...(spec.enableIpv6 && { EnableIPv6: true }),
    ...(spec.ipam && {
      IPAM: {
        Driver: spec.ipam.driver ?? 'default',
        Config: (spec.ipam.config ?? []).map((c) => ({
          ...(c.subnet && { Subnet: c.subnet }),
          ...(c.gateway && { Gateway: c.gateway }),
          ...(c.ipRange && { IPRange: c.ipRange }),
        })),
      },
    }),
  };
}

function labelFilters(labels: LabelFilter | undefined): string | undefined {
  return encodeFilters({ label: labelFilterValues(labels) });
}

export class DockerSwarm implements SwarmRuntime {
  constructor(
    private readonly transport: Transport,
    /** Registry credentials (the Docker config and its helpers), for `--with-registry-auth`. */
    private readonly credentials?: CredentialStore,
  ) {}

  /**
   * X-Registry-Auth with the credentials of the image's registry, as `docker stack deploy
   * --with-registry-auth` sends it (an empty login when none is configured); nothing without the option.
   */
  private async authHeaders(image: string, options: RegistryAuthOption | undefined): Promise<Record<string, string>> {
    if (!options?.registryAuth) return {};
    return { 'X-Registry-Auth': encodeAuthHeader(await this.credentials?.forImage(image)) };
  }

  get endpoint(): string {
    return this.transport.where;
  }

  async swarmInfo(): Promise<SwarmInfo> {
    const info = await this.transport.json<{
      Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean; NodeID?: string };
    }>({ method: 'GET', path: '/info', operation: 'ask the engine about its swarm' });
    return {
      localNodeState: info.Swarm?.LocalNodeState ?? 'inactive',
      controlAvailable: info.Swarm?.ControlAvailable === true,
      nodeId: info.Swarm?.NodeID ?? '',
    };
  }

  async listServices(labels: LabelFilter): Promise<SwarmService[]> {
    const list = await this.transport.json<EngineService[]>({
      method: 'GET',
      path: '/services',
      query: { filters: labelFilters(labels) },
      operation: 'list services',
    });
    return list.map(serviceFrom);
  }

  async inspectService(id: string): Promise<SwarmService | undefined> {
    try {
      const s = await this.transport.json<EngineService>({
        method: 'GET',
        path: `/services/${pathSegment(id)}`,
        operation: `inspect service ${id}`,
      });
      return serviceFrom(s);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  async createService(
    spec: SwarmServiceSpec,
    options?: RegistryAuthOption,
  ): Promise<{ id: string; warnings: string[] }> {
    const r = await this.transport.json<{ ID: string; Warnings?: string[] | null }>({
      method: 'POST',
      path: '/services/create',
      body: spec,
      headers: await this.authHeaders(spec.TaskTemplate.ContainerSpec.Image, options),
      operation: `create service ${spec.Name}`,
    });
    return { id: r.ID, warnings: r.Warnings ?? [] };
  }

  /** Without the option no X-Registry-Auth is sent, and the swarm keeps the credentials the service has. */
  async updateService(
    id: string,
    version: number,
    spec: SwarmServiceSpec,
    options?: RegistryAuthOption,
  ): Promise<{ warnings: string[] }> {
    const r = await this.transport.json<{ Warnings?: string[] | null } | undefined>({
      method: 'POST',
      path: `/services/${pathSegment(id)}/update`,
      query: { version },
      body: spec,
      headers: await this.authHeaders(spec.TaskTemplate.ContainerSpec.Image, options),
      operation: `update service ${spec.Name}`,
    });
    return { warnings: r?.Warnings ?? [] };
  }

  async removeService(id: string): Promise<void> {
    await this.transport.request({
      method: 'DELETE',
      path: `/services/${pathSegment(id)}`,
      operation: `remove service ${id}`,
      accept: [404],
    });
  }

  async listNetworks(): Promise<SwarmNetwork[]> {
    const list = await this.transport.json<
      { Id: string; Name: string; Driver: string; Scope: string; Labels?: Record<string, string> | null }[]
    >({ method: 'GET', path: '/networks', operation: 'list networks' });
    return list.map((n) => ({ id: n.Id, name: n.Name, driver: n.Driver, scope: n.Scope, labels: n.Labels ?? {} }));
  }

  async createNetwork(spec: SwarmNetworkSpec): Promise<string> {
    const r = await this.transport.json<{ Id: string }>({
      method: 'POST',
      path: '/networks/create',
      body: networkBody(spec),
      operation: `create network ${spec.name}`,
    });
    return r.Id;
  }

  async removeNetwork(id: string): Promise<void> {
    await this.transport.request({
      method: 'DELETE',
      path: `/networks/${pathSegment(id)}`,
      operation: `remove network ${id}`,
      accept: [404],
    });
  }

  async listObjects(kind: SwarmObjectKind, labels: LabelFilter): Promise<SwarmObject[]> {
    const list = await this.transport.json<EngineObject[]>({
      method: 'GET',
      path: OBJECT_PATH[kind],
      query: { filters: labelFilters(labels) },
      operation: `list ${kind}s`,
    });
    return list.map(objectFrom);
  }

  async createObject(kind: SwarmObjectKind, spec: SwarmObjectSpec): Promise<string> {
    const r = await this.transport.json<{ ID: string }>({
      method: 'POST',
      path: `${OBJECT_PATH[kind]}/create`,
      body: { Name: spec.name, Labels: spec.labels, Data: spec.data.toString('base64') },
      operation: `create ${kind} ${spec.name}`,
    });
    return r.ID;
  }

  async removeObject(kind: SwarmObjectKind, id: string): Promise<void> {
    await this.transport.request({
      method: 'DELETE',
      path: `${OBJECT_PATH[kind]}/${pathSegment(id)}`,
      operation: `remove ${kind} ${id}`,
      accept: [404],
    });
  }

  async listTasks(filter: { services?: string[]; labels?: LabelFilter }): Promise<SwarmTask[]> {
    const list = await this.transport.json<EngineTask[]>({
      method: 'GET',
      path: '/tasks',
      query: {
        filters: encodeFilters({
          ...(filter.services && { service: filter.services }),
          label: labelFilterValues(filter.labels),
        }),
      },
      operation: 'list tasks',
    });
    return list.map(taskFrom);
  }

  async listNodes(): Promise<SwarmNode[]> {
    const list = await this.transport.json<EngineNode[]>({ method: 'GET', path: '/nodes', operation: 'list nodes' });
    return list.map((n) => ({
      id: n.ID,
      hostname: n.Description?.Hostname ?? '',
      role: n.Spec.Role,
      state: n.Status.State,
      availability: n.Spec.Availability,
      address: n.Status.Addr ?? '',
    }));
  }

  async resolveImage(image: string, options?: RegistryAuthOption): Promise<string | undefined> {
    try {
      const r = await this.transport.json<{ Descriptor?: { digest?: string } }>({
        method: 'GET',
        path: `/distribution/${image}/json`,
        headers: await this.authHeaders(image, options),
        operation: `resolve image ${image}`,
        timeoutMs: 15_000,
      });
      const digest = r.Descriptor?.digest;
      return digest ? `${image.replace(/@sha256:[0-9a-f]+$/, '')}@${digest}` : undefined;
    } catch {
      // No registry answers (an offline machine, a local-only image): the tag stays, as in `docker stack deploy`.
      return undefined;
    }
  }

  async localImage(ref: string): Promise<SwarmLocalImage | undefined> {
    try {
      const r = await this.transport.json<{ Id: string; RepoDigests?: string[] | null }>({
        method: 'GET',
        path: `/images/${pathSegment(ref)}/json`,
        operation: `inspect image ${ref}`,
      });
      return { id: r.Id, repoDigests: r.RepoDigests ?? [] };
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  close(): void {
    this.transport.close();
  }
}
