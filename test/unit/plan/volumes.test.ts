/**
 * Named volumes in the plan: a changed driver or driver option is drift that recreates the volume (with
 * the containers mounting it), a `name:` change moves the containers to the new volume and keeps the
 * old one, and `down -v` spares external and undeclared volumes. The observed state is a literal.
 */
import { describe, expect, it } from 'vitest';
import { applyPlan } from '../../../src/apply/apply.js';
import { consentToVolumeRecreates, up as runUp } from '../../../src/apply/ops.js';
import type { Project, VolumeConfig } from '../../../src/config/model.js';
import { VolumeRecreateRefusedError } from '../../../src/errors.js';
import {
  containerLabels,
  formatPlan,
  hasChanges,
  Label,
  planDown,
  planUp,
  volumeSpec,
  type Action,
  type Plan,
} from '../../../src/plan/index.js';
import type { Renderer } from '../../../src/progress/events.js';
import type { ContainerSummary, ObservedState, VolumeSummary } from '../../../src/runtime/runtime.js';
import { FakeRuntime } from '../../helpers/fake-runtime.js';
import { project } from '../../helpers/project.js';

const IMG = 'sha256:1111111111111111111111111111111111111111111111111111111111111111';
const ANON = 'a'.repeat(64);
const quiet: Renderer = { start: () => undefined, event: () => undefined, done: () => Promise.resolve() };

/** `db` mounts the named volume `data` at /data and an anonymous one at /cache; `web` mounts nothing. */
const stack = (data: Partial<VolumeConfig> = {}, extraVolumes: Record<string, VolumeConfig> = {}): Project =>
  project(
    'p',
    {
      db: {
        image: 'busybox',
        volumes: [
          { type: 'volume', source: 'data', target: '/data' },
          { type: 'volume', target: '/cache' },
        ],
      },
      web: { image: 'busybox' },
    },
    { volumes: { data: { name: 'p_data', ...data }, ...extraVolumes } },
  );

/** A running container of the stack, up to date with it, mounting these volumes. */
function container(
  p: Project,
  service: string,
  id: string,
  volumes: { name: string; target: string }[] = [],
  labels: Record<string, string> = {},
): ContainerSummary {
  return {
    id,
    name: `p-${service}-1`,
    image: 'busybox',
    imageId: IMG,
    labels: { ...containerLabels(p, p.services[service]!, 1, 'test'), ...labels },
    state: 'running',
    status: 'Up 1 minute',
    health: 'none',
    created: 0,
    ports: [],
    networks: ['p_default'],
    volumes,
  };
}

/** A volume as berth made it from this declaration (with the engine's view of its options). */
function madeBy(p: Project, key: string, vol: VolumeConfig): VolumeSummary {
  const spec = volumeSpec(p, key, vol, 'test');
  return {
    name: vol.name,
    driver: vol.driver ?? 'local',
    labels: spec.labels,
    mountpoint: `/v/${vol.name}`,
    ...(vol.driver_opts && { options: vol.driver_opts }),
  };
}

const dbVolumes = [
  { name: 'p_data', target: '/data' },
  { name: ANON, target: '/cache' },
];
const tmpfs = { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' };

function observedWith(p: Project, volumes: VolumeSummary[], containers?: ContainerSummary[]): ObservedState {
  return {
    containers: containers ?? [container(p, 'db', 'c1', dbVolumes), container(p, 'web', 'c2')],
    networks: [
      {
        id: 'n1',
        name: 'p_default',
        driver: 'bridge',
        labels: { [Label.project]: 'p', [Label.network]: 'default' },
        containers: [],
      },
    ],
    volumes,
    images: { busybox: IMG },
  };
}

const find = <K extends Action['kind']>(plan: Plan, kind: K): Extract<Action, { kind: K }> =>
  plan.actions.find((a): a is Extract<Action, { kind: K }> => a.kind === kind)!;

describe('planUp: volume drift', () => {
  it('is up to date when the volume matches the stack', () => {
    const before = stack({ driver_opts: tmpfs });
    const plan = planUp(before, observedWith(before, [madeBy(before, 'data', before.volumes.data!)]), {
      berthVersion: 'test',
    });
    expect(hasChanges(plan)).toBe(false);
  });

  it('names a changed driver option, recreates the volume after removing its containers, and creates them again', () => {
    const before = stack({ driver_opts: tmpfs });
    const after = stack({ driver_opts: { ...tmpfs, o: 'size=2m' } });
    const plan = planUp(after, observedWith(before, [madeBy(before, 'data', before.volumes.data!)]), {
      berthVersion: 'test',
    });
    expect(formatPlan(plan)).toBe(
      [
        'volume p_data: recreate: driver_opts.o changed (data in it would be lost)',
        'p-db-1: create: volume p_data recreated',
        'p-web-1: keep: up to date (running)',
      ].join('\n'),
    );
    const recreate = find(plan, 'recreate-volume');
    expect(recreate.removes).toEqual([{ id: 'c1', name: 'p-db-1', stop: true }]);
    expect(recreate.spec.driverOpts).toEqual({ ...tmpfs, o: 'size=2m' });
    // The anonymous volume of the removed container is kept and mounted again.
    expect(find(plan, 'create-container').spec.mounts.find((m) => m.target === '/cache')?.source).toBe(ANON);
    expect(plan.warnings).toEqual([]);
  });

  it('names a changed driver, and options added or removed', () => {
    const before = stack({ driver_opts: tmpfs });
    const after = stack({ driver: 'other', driver_opts: { type: 'tmpfs', device: 'tmpfs', size: '1m' } });
    const plan = planUp(after, observedWith(before, [madeBy(before, 'data', before.volumes.data!)]), {
      berthVersion: 'test',
    });
    expect(formatPlan(plan).split('\n')[0]).toBe(
      'volume p_data: recreate: driver, driver_opts.o, driver_opts.size changed (data in it would be lost)',
    );
  });

  it("is no drift for a volume made without berth's hash (Docker Compose, an older berth)", () => {
    const after = stack({ driver_opts: tmpfs });
    const composeMade: VolumeSummary = {
      name: 'p_data',
      driver: 'local',
      labels: { [Label.project]: 'p', [Label.volume]: 'data' },
      mountpoint: '/v',
    };
    const plan = planUp(after, observedWith(after, [composeMade]), { berthVersion: 'test' });
    expect(hasChanges(plan)).toBe(false);
    expect(plan.warnings).toEqual([]);
  });

  it('reports a label change alone and keeps the volume: labels are no reason to lose data', () => {
    const before = stack({ labels: { backup: 'daily' } });
    const after = stack({ labels: { backup: 'weekly', tier: 'gold' } });
    const plan = planUp(after, observedWith(before, [madeBy(before, 'data', before.volumes.data!)]), {
      berthVersion: 'test',
    });
    expect(hasChanges(plan)).toBe(false);
    expect(plan.warnings).toEqual([
      'volume p_data: labels.backup, labels.tier changed; the engine cannot relabel an existing volume, so it keeps its old labels until it is created again',
    ]);
  });

  it('names label changes with a driver option change, and the new volume gets the new labels', () => {
    const before = stack({ driver_opts: tmpfs, labels: { backup: 'daily' } });
    const after = stack({ driver_opts: { ...tmpfs, o: 'size=2m' }, labels: { backup: 'weekly' } });
    const plan = planUp(after, observedWith(before, [madeBy(before, 'data', before.volumes.data!)]), {
      berthVersion: 'test',
    });
    expect(find(plan, 'recreate-volume').reason).toBe(
      'driver_opts.o, labels.backup changed (data in it would be lost)',
    );
    expect(find(plan, 'recreate-volume').spec.labels.backup).toBe('weekly');
  });

  it('does not recreate a volume a container outside this up mounts (a one-off), and says so', () => {
    const before = stack({ driver_opts: tmpfs });
    const after = stack({ driver_opts: { ...tmpfs, o: 'size=2m' } });
    const oneoff = { ...container(before, 'db', 'c9', dbVolumes, { [Label.oneoff]: 'True' }), name: 'p-db-run-1' };
    const observed = observedWith(
      before,
      [madeBy(before, 'data', before.volumes.data!)],
      [container(before, 'db', 'c1', dbVolumes), oneoff],
    );
    const plan = planUp(after, observed, { berthVersion: 'test' });
    expect(plan.actions.some((a) => a.kind === 'recreate-volume')).toBe(false);
    expect(plan.warnings).toEqual([
      'volume p_data: driver_opts.o changed, but p-db-run-1 also mounts it: not recreated; run up for every service that uses it to recreate it (data in it would be lost)',
    ]);
  });

  it('a name change creates the new volume, moves the container to it and keeps the old one', () => {
    const before = stack();
    const after = stack({ name: 'p_new' });
    const plan = planUp(after, observedWith(before, [madeBy(before, 'data', before.volumes.data!)]), {
      berthVersion: 'test',
    });
    expect(formatPlan(plan)).toBe(
      [
        'volume p_new: create: missing (renamed from p_data, which is kept with its data)',
        'p-db-1: recreate: volume data: p_data→p_new',
        'p-web-1: keep: up to date (running)',
      ].join('\n'),
    );
    expect(find(plan, 'recreate-container').spec.mounts.find((m) => m.target === '/data')?.source).toBe('p_new');
    expect(plan.actions.some((a) => a.kind === 'remove-volume')).toBe(false);
  });
});

describe("up: consent to lose a volume's data", () => {
  const plan: Plan = {
    project: 'p',
    warnings: [],
    steps: [],
    actions: [
      {
        kind: 'recreate-volume',
        target: 'p_data',
        spec: { name: 'p_data', labels: {} },
        removes: [],
        reason: 'driver_opts.o changed (data in it would be lost)',
      },
    ],
  };

  it('refuses without -y when there is nobody to ask', async () => {
    await expect(consentToVolumeRecreates(plan, {})).rejects.toThrow(
      'volume p_data: driver_opts.o changed: recreating it would lose the data in it; nothing was changed',
    );
    await expect(consentToVolumeRecreates(plan, {})).rejects.toBeInstanceOf(VolumeRecreateRefusedError);
  });

  it('asks when it can, and no is a refusal', async () => {
    const asked: string[] = [];
    await expect(
      consentToVolumeRecreates(plan, { confirm: (q) => (asked.push(q), Promise.resolve(false)) }),
    ).rejects.toBeInstanceOf(VolumeRecreateRefusedError);
    expect(asked).toEqual([
      'volume p_data: driver_opts.o changed: the stack file no longer matches it. Recreate it (the data in it will be lost)? [y/N] ',
    ]);
    await expect(consentToVolumeRecreates(plan, { confirm: () => Promise.resolve(true) })).resolves.toBeUndefined();
  });

  it('goes on with -y, without asking', async () => {
    await expect(
      consentToVolumeRecreates(plan, { yes: true, confirm: () => Promise.reject(new Error('asked')) }),
    ).resolves.toBeUndefined();
  });

  it('up refuses before changing anything, and with -y recreates the volume and the container on it', async () => {
    const rt = new FakeRuntime({ busybox: IMG });
    const before = stack({ driver_opts: tmpfs });
    await runUp(before, rt, { berthVersion: 'test', parallel: 4 }, quiet);
    const cacheVolume = async (): Promise<string | undefined> =>
      (await rt.inspectContainer('p-db-1')).mounts.find((m) => m.target === '/cache')?.name;
    const cacheBefore = await cacheVolume();
    const after = stack({ driver_opts: { ...tmpfs, o: 'size=2m' } });
    const callsBefore = rt.calls.length;
    await expect(runUp(after, rt, { berthVersion: 'test', parallel: 4 }, quiet)).rejects.toBeInstanceOf(
      VolumeRecreateRefusedError,
    );
    expect(rt.calls.length).toBe(callsBefore);
    expect(rt.volumes.get('p_data')?.options?.o).toBe('size=1m');

    await runUp(after, rt, { berthVersion: 'test', parallel: 4, yes: true }, quiet);
    expect(rt.calls.slice(callsBefore)).toEqual([
      'stop p-db-1',
      'remove p-db-1',
      'remove volume p_data',
      'create volume p_data',
      'create p-db-1',
      'start p-db-1',
    ]);
    expect(rt.volumes.get('p_data')?.options?.o).toBe('size=2m');
    expect(await cacheVolume()).toBe(cacheBefore);
    expect(hasChanges(planUp(after, await rt.observe('p', ['busybox']), { berthVersion: 'test' }))).toBe(false);
  });
});

describe('planDown -v: which volumes go', () => {
  const withExternal = (): Project =>
    stack({}, { shared: { name: 'p_shared', external: true }, logs: { name: 'p_logs' } });

  it("never removes a volume the stack declares external, even one with the project's label; removes the declared ones and anonymous volumes", () => {
    const p = withExternal();
    const observed = observedWith(p, [
      madeBy(p, 'data', p.volumes.data!),
      madeBy(p, 'logs', p.volumes.logs!),
      {
        name: 'p_shared',
        driver: 'local',
        labels: { [Label.project]: 'p', [Label.volume]: 'shared' },
        mountpoint: '/v',
      },
    ]);
    const plan = planDown('p', observed, p, { volumes: true });
    expect(formatPlan(plan)).toBe(
      [
        'p-web-1: remove: down',
        'p-db-1: remove: down',
        'network p_default: remove: down',
        'volume p_data: remove: down -v',
        'volume p_logs: remove: down -v',
        `volume ${ANON}: remove: anonymous volume`,
      ].join('\n'),
    );
    expect(plan.warnings).toEqual(['volume p_shared is external, skipping']);
  });

  it('keeps a project volume the stack no longer declares (renamed) and says how to remove it', () => {
    const before = stack();
    const after = stack({ name: 'p_new' });
    const observed = observedWith(
      after,
      [madeBy(before, 'data', before.volumes.data!), madeBy(after, 'data', after.volumes.data!)],
      [],
    );
    const plan = planDown('p', observed, after, { volumes: true });
    expect(formatPlan(plan)).toBe(['network p_default: remove: down', 'volume p_new: remove: down -v'].join('\n'));
    expect(plan.warnings).toEqual([
      'volume p_data (once volume "data") is no longer declared in the stack file: kept with its data; remove it with: docker volume rm p_data',
    ]);
  });

  it("without the stack file, removes the project's volumes except those its containers mark external", () => {
    const p = withExternal();
    const db = container(p, 'db', 'c1', [...dbVolumes, { name: 'p_shared', target: '/shared' }], {
      [Label.externalVolumes]: 'p_shared',
    });
    const observed = observedWith(
      p,
      [
        madeBy(p, 'data', p.volumes.data!),
        madeBy(p, 'logs', p.volumes.logs!),
        {
          name: 'p_shared',
          driver: 'local',
          labels: { [Label.project]: 'p', [Label.volume]: 'shared' },
          mountpoint: '/v',
        },
      ],
      [db],
    );
    const plan = planDown('p', observed, undefined, { volumes: true });
    expect(formatPlan(plan)).toBe(
      [
        'p-db-1: remove: down',
        'network p_default: remove: down',
        'volume p_data: remove: down -v',
        'volume p_logs: remove: down -v',
        `volume ${ANON}: remove: anonymous volume`,
      ].join('\n'),
    );
    expect(plan.warnings).toEqual(['volume p_shared is external, skipping']);
  });

  it('a volume newly declared external recreates the containers that mount it once, so their label lists it', () => {
    const before = stack();
    const after = stack({ external: true });
    const plan = planUp(after, observedWith(before, []), { berthVersion: 'test' });
    expect(formatPlan(plan)).toBe(
      ['p-db-1: recreate: volume data: now external', 'p-web-1: keep: up to date (running)'].join('\n'),
    );
    const again = observedWith(after, [], [container(after, 'db', 'c3', dbVolumes), container(after, 'web', 'c2')]);
    expect(hasChanges(planUp(after, again, { berthVersion: 'test' }))).toBe(false);
  });

  it('a container mounting an external volume carries its name for a later down without the file', () => {
    const p = project(
      'p',
      {
        app: {
          image: 'busybox',
          volumes: [
            { type: 'volume', source: 'shared', target: '/s' },
            { type: 'volume', source: 'own', target: '/o' },
          ],
        },
      },
      { volumes: { shared: { name: 'ext_shared', external: true }, own: { name: 'p_own' } } },
    );
    expect(containerLabels(p, p.services.app!, 1, 'test')[Label.externalVolumes]).toBe('ext_shared');
    expect(containerLabels(stack(), stack().services.db!, 1, 'test')[Label.externalVolumes]).toBeUndefined();
  });
});

describe('apply: a plan with a volume recreate', () => {
  it('runs the recreate before the containers are created again', async () => {
    const rt = new FakeRuntime({ busybox: IMG });
    const before = stack({ driver_opts: tmpfs });
    const events: string[] = [];
    await applyPlan(planUp(before, await rt.observe('p', ['busybox']), { berthVersion: 'test' }), rt, () => undefined, {
      parallel: 4,
    });
    const after = stack({ driver_opts: { ...tmpfs, o: 'size=3m' } });
    const plan = planUp(after, await rt.observe('p', ['busybox']), { berthVersion: 'test' });
    await applyPlan(plan, rt, (e) => events.push(`${e.title} ${e.text}`), { parallel: 4 });
    expect(events.indexOf('volume p_data Recreated')).toBeLessThan(events.indexOf('p-db-1 Started'));
    expect(rt.volumes.get('p_data')?.options?.o).toBe('size=3m');
  });

  it('changes nothing when a container outside the stack also uses the volume', async () => {
    const rt = new FakeRuntime({ busybox: IMG });
    const before = stack({ driver_opts: tmpfs });
    await applyPlan(planUp(before, await rt.observe('p', ['busybox']), { berthVersion: 'test' }), rt, () => undefined, {
      parallel: 4,
    });
    await rt.createContainer({
      name: 'by-hand',
      image: 'busybox',
      env: [],
      labels: {},
      ports: [],
      endpoints: [],
      mounts: [{ type: 'volume', source: 'p_data', target: '/x' }],
    });
    const dbId = (await rt.inspectContainer('p-db-1')).id;
    const after = stack({ driver_opts: { ...tmpfs, o: 'size=3m' } });
    const plan = planUp(after, await rt.observe('p', ['busybox']), { berthVersion: 'test' });
    await expect(applyPlan(plan, rt, () => undefined, { parallel: 4 })).rejects.toThrow(
      'not recreated: by-hand outside this stack also uses volume p_data; nothing was changed',
    );
    expect((await rt.inspectContainer('p-db-1')).id).toBe(dbId);
    expect(rt.volumes.get('p_data')?.options?.o).toBe('size=1m');
  });
});
