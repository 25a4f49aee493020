/**
 * A stack deploy (and a stack rm) as a plan: steps with ids, `after` edges and reasons, decided purely
 * from the desired stack (translate.ts) and one snapshot of what the swarm holds, so that `--dry-run`
 * prints exactly what a deploy runs and unit tests feed the snapshot as a literal. The same walker as
 * every other plan runs it (graph/steps.ts `walkSteps`, through stack/deploy.ts).
 *
 * A deploy creates what is missing (networks, secrets, configs, services), updates a service only when a
 * field differs (diff.ts names them), leaves an unchanged one alone (no write at all), and removes a
 * service that left the file only with `--prune`. Anything that would make the deploy wrong (a missing
 * external network, secret or config; a config whose content changed, which Swarm cannot update) is a
 * `StackPlanError` before any step runs.
 */
import { createHash } from 'node:crypto';
import { BerthError } from '../errors.js';
import type {
  SwarmNetwork,
  SwarmNetworkSpec,
  SwarmObject,
  SwarmObjectKind,
  SwarmService,
  SwarmServiceSpec,
} from '../runtime/runtime.js';
import { fileImage, serviceChanges } from './diff.js';
import { NAMESPACE_LABEL, type DesiredObject, type DesiredStack } from './translate.js';

/** What the swarm holds, read once before planning. */
export interface StackObserved {
  /** The stack's services (those labelled with its namespace). */
  services: SwarmService[];
  /** Every network the manager knows. */
  networks: SwarmNetwork[];
  /** Every secret and config the swarm holds (externals are looked up by name). */
  secrets: SwarmObject[];
  configs: SwarmObject[];
}

export type ResolveImage = 'always' | 'changed' | 'never';

export interface StackPlanOptions {
  prune: boolean;
  /** Add a wait step after each created or updated service (`--detach=false`). */
  wait: boolean;
  /** Images pinned to a digest by the registry, by the image as the file names it. */
  resolved?: Readonly<Record<string, string>>;
  /** Salts the content digest of the secrets and configs created now (random, from the caller). */
  salt: string;
  /**
   * `--with-registry-auth`: the swarm keeps registry credentials with a service, where no spec shows
   * them, so every existing service is updated to carry the current ones, as `docker stack deploy`
   * updates every service; an unchanged one gets the reason `registry credentials (--with-registry-auth)`.
   */
  registryAuth?: boolean;
}

/** The reason of an update that only sends the registry credentials. */
export const CREDENTIALS_REASON = 'registry credentials (--with-registry-auth)';

export type StackStepOp =
  | 'remove-service'
  | 'create-network'
  | 'create-secret'
  | 'create-config'
  | 'create-service'
  | 'update-service'
  | 'wait-service'
  | 'remove-network'
  | 'remove-secret'
  | 'remove-config';

export interface StackStep {
  id: string;
  op: StackStepOp;
  /** As printed: the service's key for services, `network <name>`, `secret <name>`, `config <name>`. */
  target: string;
  reason: string;
  after: string[];
  /** The service's key in the file, for service steps. */
  service?: string;
  /** create-service, update-service: the spec to send. */
  spec?: SwarmServiceSpec;
  /** update-service, wait-service on an existing service, remove-*: the object as observed. */
  id0?: string;
  version?: number;
  /** update-service: whether the tasks are replaced (a field of the task template changed). */
  rolling?: boolean;
  /** update-service: the update status observed before, to tell a new rolling update from the last one. */
  previousUpdate?: string;
  network?: SwarmNetworkSpec;
  object?: DesiredObject;
}

export interface StackPlan {
  stack: string;
  steps: StackStep[];
  /** Services that need no change, by key. */
  unchanged: string[];
  warnings: string[];
}

/** The stack cannot be deployed as it is: raised before anything changes. */
export class StackPlanError extends BerthError {
  readonly code = 'STACK_INVALID';
}

const OBJECT_OPS: Record<SwarmObjectKind, StackStepOp> = { secret: 'create-secret', config: 'create-config' };

/** Steps under construction: ids are given once the list is complete. */
class Steps {
  readonly list: StackStep[] = [];
  add(step: Omit<StackStep, 'id'>): StackStep {
    const s = { id: `#${this.list.length + 1}`, ...step };
    this.list.push(s);
    return s;
  }
}

function checkExternals(desired: DesiredStack, observed: StackObserved): void {
  for (const name of desired.externalNetworks) {
    const n = observed.networks.find((x) => x.name === name || x.id === name);
    if (!n)
      throw new StackPlanError(`network ${name} is declared external, but the swarm has no such network`, {
        hint: `create it first: docker network create --driver overlay ${name}`,
      });
    if (n.scope !== 'swarm')
      throw new StackPlanError(`network ${name} is declared external, but its scope is "${n.scope}", not "swarm"`);
  }
  for (const o of desired.externalObjects) {
    const list = o.kind === 'secret' ? observed.secrets : observed.configs;
    if (!list.some((x) => x.name === o.name))
      throw new StackPlanError(`${o.kind} ${o.name} is declared external, but the swarm has no such ${o.kind}`, {
        hint: `create it first: docker ${o.kind} create ${o.name} FILE`,
      });
  }
}

/** Networks to create; a name taken by a network a service cannot join is an error. */
function planNetworks(desired: DesiredStack, observed: StackObserved, steps: Steps): Map<string, string> {
  const created = new Map<string, string>();
  for (const n of desired.networks) {
    const existing = observed.networks.find((x) => x.name === n.name);
    if (existing && existing.scope !== 'swarm')
      throw new StackPlanError(
        `network ${n.name} exists with scope "${existing.scope}": a stack needs a swarm network`,
        {
          hint: `remove it (docker network rm ${n.name}) or give the stack's network another name`,
        },
      );
    if (existing) continue;
    const step = steps.add({
      op: 'create-network',
      target: `network ${n.name}`,
      reason: 'missing',
      after: [],
      network: n,
    });
    created.set(n.name, step.id);
  }
  return created;
}

/**
 * The label berth puts on the secrets and configs it creates: `<salt>:<sha256 of salt, NUL, content>`.
 * Swarm never shows a secret's content, so this is how a later deploy tells a changed file from the same
 * one; only a salted digest is written, never the content.
 */
export const CONTENT_DIGEST_LABEL = 'dev.berth.content-digest';

export function contentDigest(salt: string, data: Buffer): string {
  return `${salt}:${createHash('sha256').update(salt).update('\0').update(data).digest('hex')}`;
}

/** Whether the swarm's object holds other content than the file gives now (unknown: false). */
function contentChanged(existing: SwarmObject, data: Buffer): boolean {
  if (existing.data) return !existing.data.equals(data);
  const label = existing.labels[CONTENT_DIGEST_LABEL];
  if (!label) return false;
  return contentDigest(label.slice(0, label.indexOf(':')), data) !== label;
}

function planObjects(desired: DesiredStack, observed: StackObserved, steps: Steps, salt: string): Map<string, string> {
  const created = new Map<string, string>();
  for (const o of desired.objects) {
    const existing = (o.kind === 'secret' ? observed.secrets : observed.configs).find((x) => x.name === o.spec.name);
    if (existing && contentChanged(existing, o.spec.data))
      throw new StackPlanError(`${o.kind} ${o.spec.name} changed, and Swarm cannot change a ${o.kind}'s content`, {
        hint: `give it a new name (${o.kind}s.${o.key}.name), or remove the stack first`,
      });
    if (existing) continue;
    const labels = { ...o.spec.labels, [CONTENT_DIGEST_LABEL]: contentDigest(salt, o.spec.data) };
    const step = steps.add({
      op: OBJECT_OPS[o.kind],
      target: `${o.kind} ${o.spec.name}`,
      reason: 'missing',
      after: [],
      object: { ...o, spec: { ...o.spec, labels } },
    });
    created.set(`${o.kind}:${o.spec.name}`, step.id);
  }
  return created;
}

/** The ids of the steps a service waits for: the networks, secrets and configs it uses that are created now. */
function prerequisites(spec: SwarmServiceSpec, networks: Map<string, string>, objects: Map<string, string>): string[] {
  const cs = spec.TaskTemplate.ContainerSpec;
  const ids = [
    ...(spec.TaskTemplate.Networks ?? []).map((n) => networks.get(n.Target)),
    ...(cs.Secrets ?? []).map((r) => objects.get(`secret:${r.SecretName}`)),
    ...(cs.Configs ?? []).map((r) => objects.get(`config:${r.ConfigName}`)),
  ];
  return [...new Set(ids.filter((x): x is string => x !== undefined))];
}

/** The desired spec with the image to send: the one the registry pinned, else the one the swarm runs when the file's is unchanged. */
function withImage(
  spec: SwarmServiceSpec,
  current: SwarmService | undefined,
  resolved: StackPlanOptions['resolved'],
): SwarmServiceSpec {
  const image = fileImage(spec);
  const pinned = resolved?.[image];
  const keep = current && fileImage(current.spec) === image ? current.spec.TaskTemplate.ContainerSpec.Image : undefined;
  const send = pinned ?? keep ?? image;
  const taskTemplate = { ...spec.TaskTemplate, ContainerSpec: { ...spec.TaskTemplate.ContainerSpec, Image: send } };
  // A stack deploy has no --force: the swarm's counter stays, or every update would restart the tasks.
  if (current?.spec.TaskTemplate.ForceUpdate !== undefined)
    taskTemplate.ForceUpdate = current.spec.TaskTemplate.ForceUpdate;
  return { ...spec, TaskTemplate: taskTemplate };
}

/** Fields whose change leaves the tasks running (the swarm updates the service object only). */
const IN_PLACE = /^(deploy\.labels|deploy\.replicas|deploy\.update_config|deploy\.rollback_config)\b/;

function planServices(
  desired: DesiredStack,
  observed: StackObserved,
  opts: StackPlanOptions,
  after: { networks: Map<string, string>; objects: Map<string, string> },
  steps: Steps,
): string[] {
  const byName = new Map(observed.services.map((s) => [s.spec.Name, s]));
  const idToName = new Map(observed.networks.map((n) => [n.id, n.name]));
  const ctx = { networkName: (x: string) => idToName.get(x) ?? x };
  const unchanged: string[] = [];
  for (const [key, raw] of Object.entries(desired.services)) {
    const current = byName.get(raw.Name);
    const spec = withImage(raw, current, opts.resolved);
    const needs = prerequisites(spec, after.networks, after.objects);
    let step: StackStep;
    if (!current) {
      step = steps.add({ op: 'create-service', target: key, service: key, reason: 'missing', after: needs, spec });
    } else {
      const reasons = serviceChanges(spec, current.spec, ctx);
      if (reasons.length === 0 && !opts.registryAuth) {
        unchanged.push(key);
        continue;
      }
      step = steps.add({
        op: 'update-service',
        target: key,
        service: key,
        reason: reasons.length > 0 ? reasons.join(', ') : CREDENTIALS_REASON,
        after: needs,
        spec,
        id0: current.id,
        version: current.version,
        rolling: reasons.some((r) => !IN_PLACE.test(r)),
        ...(current.updateStatus?.startedAt && { previousUpdate: current.updateStatus.startedAt }),
      });
    }
    if (opts.wait)
      steps.add({
        op: 'wait-service',
        target: key,
        service: key,
        reason: 'until its tasks run',
        after: [step.id],
        spec,
        ...(step.id0 && { id0: step.id0 }),
        ...(step.rolling !== undefined && { rolling: step.rolling }),
        ...(step.previousUpdate && { previousUpdate: step.previousUpdate }),
      });
  }
  return unchanged;
}

/** `berth stack deploy`: the steps that bring the swarm to the desired stack. */
export function planStackDeploy(desired: DesiredStack, observed: StackObserved, opts: StackPlanOptions): StackPlan {
  checkExternals(desired, observed);
  const steps = new Steps();
  const warnings: string[] = [];
  const prunes: string[] = [];
  const wanted = new Set(Object.values(desired.services).map((s) => s.Name));
  const prefix = `${desired.namespace}_`;
  for (const s of observed.services) {
    if (wanted.has(s.spec.Name)) continue;
    const key = s.spec.Name.startsWith(prefix) ? s.spec.Name.slice(prefix.length) : s.spec.Name;
    if (opts.prune)
      prunes.push(
        steps.add({
          op: 'remove-service',
          target: key,
          service: key,
          reason: 'not in the stack file (--prune)',
          after: [],
          id0: s.id,
        }).id,
      );
    else warnings.push(`service ${s.spec.Name} is not in the stack file: kept (--prune removes it)`);
  }
  const networks = planNetworks(desired, observed, steps);
  const objects = planObjects(desired, observed, steps, opts.salt);
  const unchanged = planServices(desired, observed, opts, { networks, objects }, steps);
  return { stack: desired.namespace, steps: steps.list, unchanged, warnings };
}

/** `berth stack rm`: every service of the stack, then its networks, secrets and configs. */
export function planStackRemove(stack: string, observed: StackObserved): StackPlan {
  const steps = new Steps();
  const prefix = `${stack}_`;
  const mine = (labels: Record<string, string>): boolean => labels[NAMESPACE_LABEL] === stack;
  const services = observed.services
    .filter((s) => mine(s.spec.Labels))
    .map(
      (s) =>
        steps.add({
          op: 'remove-service',
          target: s.spec.Name.startsWith(prefix) ? s.spec.Name.slice(prefix.length) : s.spec.Name,
          reason: 'stack rm',
          after: [],
          id0: s.id,
        }).id,
    );
  const rest: [StackStepOp, string, { id: string; name: string; labels: Record<string, string> }[]][] = [
    ['remove-secret', 'secret', observed.secrets],
    ['remove-config', 'config', observed.configs],
    ['remove-network', 'network', observed.networks],
  ];
  for (const [op, kind, list] of rest)
    for (const o of list.filter((x) => mine(x.labels)))
      steps.add({ op, target: `${kind} ${o.name}`, reason: 'stack rm', after: services, id0: o.id });
  return { stack, steps: steps.list, unchanged: [], warnings: [] };
}

const VERB: Record<StackStepOp, string> = {
  'remove-service': 'remove',
  'create-network': 'create',
  'create-secret': 'create',
  'create-config': 'create',
  'create-service': 'create',
  'update-service': 'update',
  'wait-service': 'wait',
  'remove-network': 'remove',
  'remove-secret': 'remove',
  'remove-config': 'remove',
};

/** One step as printed: `#3 [#1 #2] web: update: environment.FOO changed`. */
export function formatStackStep(s: StackStep): string {
  const edges = s.after.length > 0 ? ` [${s.after.join(' ')}]` : '';
  return `${s.id}${edges} ${s.target}: ${VERB[s.op]}: ${s.reason}`;
}

/** The plan's canonical text: one line per step, then one per unchanged service. */
export function formatStackPlan(p: StackPlan): string {
  return [...p.steps.map(formatStackStep), ...p.unchanged.map((k) => `${k}: up to date`)].join('\n');
}

/** The plan as JSON (`--format json`): what runs, with edges, and what is left alone. */
export function stackPlanJson(p: StackPlan): Record<string, unknown> {
  return {
    stack: p.stack,
    changes: p.steps.some((s) => s.op !== 'wait-service'),
    operations: p.steps.map((s) => ({
      id: s.id,
      op: s.op,
      target: s.target,
      ...(s.service && { service: s.service }),
      reason: s.reason,
      after: s.after,
    })),
    unchanged: p.unchanged,
    warnings: p.warnings,
  };
}
