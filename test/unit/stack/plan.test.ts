/**
 * The stack planner, files in and plan text out: the observed swarm is a literal, no engine in the loop.
 * Golden text is what `berth stack deploy --dry-run` prints; the JSON what `--format json` prints.
 */
import { describe, expect, it } from 'vitest';
import type { SwarmService, SwarmServiceSpec } from '../../../src/runtime/runtime.js';
import {
  CONTENT_DIGEST_LABEL,
  contentDigest,
  formatStackPlan,
  planStackDeploy,
  planStackRemove,
  stackPlanJson,
  StackPlanError,
  type StackObserved,
} from '../../../src/stack/plan.js';
import { translateStack, type DesiredStack } from '../../../src/stack/translate.js';
import { project } from '../../helpers/project.js';

const noData = (): Buffer => Buffer.from('');

/** A two-service stack: api (env FOO) and web, on the default network, api with a secret. */
function desired(env: Record<string, string> = { FOO: '1' }, image = 'app:1'): DesiredStack {
  const p = project(
    'shop',
    {
      api: { image, environment: env, secrets: [{ source: 'token' }] },
      web: { image: 'web:1', command: ['httpd', '-f'], deploy: { replicas: 2, endpoint_mode: 'dnsrr' } },
    },
    { secrets: { token: { name: 'shop_token', file: '/work/shop/token' } } },
  );
  return translateStack(p, 'shop', (kind, key) => Buffer.from(`${kind}:${key}`));
}

/** What the swarm holds after deploying `d`, as the engine reports it: network ids for names, some defaults spelt out. */
function deployed(d: DesiredStack, extra: Partial<StackObserved> = {}): StackObserved {
  const services: SwarmService[] = Object.values(d.services).map((spec, i) => ({
    id: `svc${i}`,
    version: 10 + i,
    spec: engineShape(spec),
  }));
  return {
    services,
    networks: [{ id: 'net1', name: 'shop_default', driver: 'overlay', scope: 'swarm', labels: {} }],
    secrets: [{ id: 'sec1', name: 'shop_token', version: 1, labels: {} }],
    configs: [],
    ...extra,
  };
}

/** The spec as `GET /services` gives it back: network ids, and the defaults the docker CLI or the engine fill in. */
function engineShape(spec: SwarmServiceSpec): SwarmServiceSpec {
  return {
    ...spec,
    TaskTemplate: {
      ...spec.TaskTemplate,
      ContainerSpec: { ...spec.TaskTemplate.ContainerSpec, Isolation: 'default', StopGracePeriod: 10e9 },
      Networks: spec.TaskTemplate.Networks?.map((n) => ({
        ...n,
        Target: n.Target === 'shop_default' ? 'net1' : n.Target,
      })),
      RestartPolicy: { Condition: 'any', Delay: 5e9, MaxAttempts: 0 },
      ForceUpdate: 0,
      Runtime: 'container',
    },
    UpdateConfig: { Parallelism: 1, FailureAction: 'pause', Monitor: 5e9, MaxFailureRatio: 0, Order: 'stop-first' },
  };
}

const opts = { prune: false, wait: false, salt: '0123456789abcdef' };

describe('stack deploy plan', () => {
  it('creates the network, the secret, then each service after what it uses', () => {
    const empty: StackObserved = { services: [], networks: [], secrets: [], configs: [] };
    const p = planStackDeploy(desired(), empty, { ...opts, wait: true });
    expect(formatStackPlan(p)).toBe(
      [
        '#1 network shop_default: create: missing',
        '#2 secret shop_token: create: missing',
        '#3 [#1 #2] api: create: missing',
        '#4 [#3] api: wait: until its tasks run',
        '#5 [#1] web: create: missing',
        '#6 [#5] web: wait: until its tasks run',
      ].join('\n'),
    );
  });

  it('touches nothing when the swarm holds the same stack, defaults spelt out or not', () => {
    const d = desired();
    const p = planStackDeploy(d, deployed(d), opts);
    expect(formatStackPlan(p)).toBe(['api: up to date', 'web: up to date'].join('\n'));
    expect(stackPlanJson(p)).toEqual({
      stack: 'shop',
      changes: false,
      operations: [],
      unchanged: ['api', 'web'],
      warnings: [],
    });
  });

  it('updates only the changed service, naming the fields, with the version it read', () => {
    const p = planStackDeploy(desired({ FOO: '2', BAR: 'x' }, 'app:2'), deployed(desired()), { ...opts, wait: true });
    expect(formatStackPlan(p)).toBe(
      [
        '#1 api: update: image app:1→app:2, environment.BAR added, environment.FOO changed',
        '#2 [#1] api: wait: until its tasks run',
        'web: up to date',
      ].join('\n'),
    );
    expect(p.steps[0]).toMatchObject({ id0: 'svc0', version: 10, rolling: true });
    expect(stackPlanJson(p).operations).toEqual([
      {
        id: '#1',
        op: 'update-service',
        target: 'api',
        service: 'api',
        reason: 'image app:1→app:2, environment.BAR added, environment.FOO changed',
        after: [],
      },
      { id: '#2', op: 'wait-service', target: 'api', service: 'api', reason: 'until its tasks run', after: ['#1'] },
    ]);
  });

  it('never prints an environment value', () => {
    const p = planStackDeploy(desired({ FOO: 'hunter2-secret' }), deployed(desired()), opts);
    expect(JSON.stringify(stackPlanJson(p))).not.toContain('hunter2');
    expect(formatStackPlan(p)).not.toContain('hunter2');
  });

  it('keeps the digest the swarm pinned when the file names the same image', () => {
    const d = desired();
    const observed = deployed(d);
    observed.services[0]!.spec.TaskTemplate.ContainerSpec.Image = 'app:1@sha256:' + 'a'.repeat(64);
    expect(planStackDeploy(d, observed, opts).steps).toEqual([]);
    const pinned = planStackDeploy(d, observed, { ...opts, resolved: { 'app:1': 'app:1@sha256:' + 'b'.repeat(64) } });
    expect(formatStackPlan(pinned)).toBe(['#1 api: update: image digest changed', 'web: up to date'].join('\n'));
  });

  it('--with-registry-auth updates every existing service, the unchanged ones only to carry the credentials', () => {
    const p = planStackDeploy(desired({ FOO: '2' }), deployed(desired()), { ...opts, wait: true, registryAuth: true });
    expect(formatStackPlan(p)).toBe(
      [
        '#1 api: update: environment.FOO changed',
        '#2 [#1] api: wait: until its tasks run',
        '#3 web: update: registry credentials (--with-registry-auth)',
        '#4 [#3] web: wait: until its tasks run',
      ].join('\n'),
    );
    // Whether the tasks are replaced depends on credentials no spec shows: the tasks decide the wait.
    expect(p.steps[2]).toMatchObject({ id0: 'svc1', version: 11, rolling: false });
    const created = planStackDeploy(
      desired(),
      { services: [], networks: [], secrets: [], configs: [] },
      { ...opts, registryAuth: true },
    );
    expect(created.steps.filter((s) => s.op === 'update-service')).toEqual([]);
  });

  it('a replica count changes the service in place', () => {
    const d = desired();
    const observed = deployed(d);
    observed.services[1]!.spec.Mode = { Replicated: { Replicas: 3 } };
    const p = planStackDeploy(d, observed, opts);
    expect(formatStackPlan(p)).toBe(['#1 web: update: deploy.replicas 3→2', 'api: up to date'].join('\n'));
    expect(p.steps[0]!.rolling).toBe(false);
  });

  it('keeps a service that left the file, unless --prune removes it first', () => {
    const d = desired();
    const old: SwarmService = { id: 'old1', version: 3, spec: { ...d.services.web!, Name: 'shop_old' } };
    const observed = deployed(d);
    observed.services.push(old);
    const kept = planStackDeploy(d, observed, opts);
    expect(kept.steps).toEqual([]);
    expect(kept.warnings).toEqual(['service shop_old is not in the stack file: kept (--prune removes it)']);
    const pruned = planStackDeploy(d, observed, { ...opts, prune: true });
    expect(formatStackPlan(pruned)).toBe(
      ['#1 old: remove: not in the stack file (--prune)', 'api: up to date', 'web: up to date'].join('\n'),
    );
  });

  it('refuses a missing external network or secret, and a changed config, before any step', () => {
    const ext = translateStack(
      project(
        'shop',
        { api: { image: 'a', networks: { front: null }, configs: [{ source: 'conf' }] } },
        {
          networks: { front: { name: 'front', external: true } },
          configs: { conf: { name: 'shop_conf', content: 'new' } },
        },
      ),
      'shop',
      () => Buffer.from('new'),
    );
    const none: StackObserved = { services: [], networks: [], secrets: [], configs: [] };
    expect(() => planStackDeploy(ext, none, opts)).toThrow(
      'network front is declared external, but the swarm has no such network',
    );
    const local = { ...none, networks: [{ id: 'n', name: 'front', driver: 'bridge', scope: 'local', labels: {} }] };
    expect(() => planStackDeploy(ext, local, opts)).toThrow('its scope is "local", not "swarm"');
    const swarmNet = { ...none, networks: [{ ...local.networks[0]!, scope: 'swarm' }] };
    const oldConf = { id: 'c', name: 'shop_conf', version: 1, labels: {}, data: Buffer.from('old') };
    expect(() => planStackDeploy(ext, { ...swarmNet, configs: [oldConf] }, opts)).toThrow(StackPlanError);
    expect(() =>
      planStackDeploy(ext, { ...swarmNet, configs: [{ ...oldConf, data: Buffer.from('new') }] }, opts),
    ).not.toThrow();
  });
});

describe('secrets', () => {
  it('are created with a salted digest of their content, never the content, and a changed one is refused', () => {
    const d = desired();
    const empty: StackObserved = { services: [], networks: [], secrets: [], configs: [] };
    const create = planStackDeploy(d, empty, opts).steps.find((s) => s.op === 'create-secret')!;
    const label = create.object!.spec.labels[CONTENT_DIGEST_LABEL]!;
    expect(label).toBe(contentDigest(opts.salt, Buffer.from('secret:token')));
    expect(label).not.toContain('secret:token');

    const held = (labels: Record<string, string>): StackObserved => ({
      ...deployed(d),
      secrets: [{ id: 'sec1', name: 'shop_token', version: 1, labels }],
    });
    expect(planStackDeploy(d, held({ [CONTENT_DIGEST_LABEL]: label }), opts).steps).toEqual([]);
    const changed = contentDigest('fedcba9876543210', Buffer.from('an older token'));
    expect(() => planStackDeploy(d, held({ [CONTENT_DIGEST_LABEL]: changed }), opts)).toThrow(
      "secret shop_token changed, and Swarm cannot change a secret's content",
    );
    // One that docker made has no digest: berth cannot tell, and keeps it.
    expect(planStackDeploy(d, held({}), opts).steps).toEqual([]);
  });
});

describe('stack rm plan', () => {
  it('removes the services, then the stack-labelled secrets, configs and networks, and nothing else', () => {
    const d = desired();
    const observed = deployed(d);
    const label = { 'com.docker.stack.namespace': 'shop' };
    observed.networks = [
      { id: 'net1', name: 'shop_default', driver: 'overlay', scope: 'swarm', labels: label },
      {
        id: 'net2',
        name: 'other_default',
        driver: 'overlay',
        scope: 'swarm',
        labels: { 'com.docker.stack.namespace': 'other' },
      },
    ];
    observed.secrets = [{ id: 'sec1', name: 'shop_token', version: 1, labels: label }];
    observed.services.push({
      id: 'x',
      version: 1,
      spec: { ...d.services.web!, Name: 'other_web', Labels: { 'com.docker.stack.namespace': 'other' } },
    });
    expect(formatStackPlan(planStackRemove('shop', observed))).toBe(
      [
        '#1 api: remove: stack rm',
        '#2 web: remove: stack rm',
        '#3 [#1 #2] secret shop_token: remove: stack rm',
        '#4 [#1 #2] network shop_default: remove: stack rm',
      ].join('\n'),
    );
  });
});

describe('translation', () => {
  it('names and labels as docker stack deploy does', () => {
    const spec = desired().services.api!;
    expect(spec.Name).toBe('shop_api');
    expect(spec.Labels).toEqual({ 'com.docker.stack.namespace': 'shop', 'com.docker.stack.image': 'app:1' });
    expect(spec.TaskTemplate.ContainerSpec.Labels).toEqual({ 'com.docker.stack.namespace': 'shop' });
    expect(spec.TaskTemplate.Networks).toEqual([{ Target: 'shop_default', Aliases: ['api'] }]);
    expect(spec.TaskTemplate.ContainerSpec.Secrets).toEqual([
      { File: { Name: 'token', UID: '0', GID: '0', Mode: 0o444 }, SecretName: 'shop_token' },
    ]);
  });

  it('maps restart: to a restart policy as the docker CLI does', () => {
    const p = project('s', { a: { image: 'x', restart: 'on-failure:3' }, b: { image: 'x', restart: 'always' } });
    const d = translateStack(p, 's', noData);
    expect(d.services.a!.TaskTemplate.RestartPolicy).toEqual({ Condition: 'on-failure', MaxAttempts: 3 });
    expect(d.services.b!.TaskTemplate.RestartPolicy).toEqual({ Condition: 'any' });
  });
});
