/** The planner's image actions: builds, pull policies, `--build`/`--pull`, and the deferred recreate check. */
import { describe, expect, it } from 'vitest';
import { applyPlan } from '../../../src/apply/apply.js';
import { buildSpecsFor } from '../../../src/apply/images.js';
import type { Project } from '../../../src/config/model.js';
import { ImageMissingError } from '../../../src/errors.js';
import { formatPlan, parsePullPolicy, planUp, type UpOptions } from '../../../src/plan/index.js';
import type { ProgressEvent } from '../../../src/progress/events.js';
import { FakeRuntime } from '../../helpers/fake-runtime.js';
import { project } from '../../helpers/project.js';

const OLD = 'sha256:1111111111111111111111111111111111111111111111111111111111111111';
const NEW = 'sha256:2222222222222222222222222222222222222222222222222222222222222222';
const BASE = 'sha256:3333333333333333333333333333333333333333333333333333333333333333';
const build = { context: '/src/web' };

async function plan(p: Project, rt: FakeRuntime, options: Partial<UpOptions> = {}) {
  const refs = [...new Set(Object.values(p.services).map((s) => s.image ?? `${p.name}-${s.name}`))];
  return planUp(p, await rt.observe(p.name, refs), { berthVersion: 'test', ...options });
}

async function up(p: Project, rt: FakeRuntime, options: Partial<UpOptions> = {}): Promise<ProgressEvent[]> {
  const events: ProgressEvent[] = [];
  const pl = await plan(p, rt, options);
  await applyPlan(pl, rt, (e) => events.push(e), {
    parallel: 4,
    buildSpecs: buildSpecsFor(p, pl.actions),
  }).catch(() => undefined);
  return events;
}

const stack = (extra: Parameters<typeof project>[1] = {}) =>
  project('dev', {
    web: { build },
    cache: { image: 'redis' },
    ...extra,
  });

describe('image actions', () => {
  it('builds a missing build-only image under the <project>-<service> name and pulls a missing image', async () => {
    const rt = new FakeRuntime();
    expect(formatPlan(await plan(stack(), rt))).toBe(
      [
        'network dev_default: create: missing',
        'image redis: pull: not present locally',
        'image dev-web: build: not present locally',
        'dev-cache-1: create: missing',
        'dev-web-1: create: missing',
      ].join('\n'),
    );
  });

  it('builds nothing and pulls nothing when the images are there, unless --build or pull_policy says so', async () => {
    const rt = new FakeRuntime({ 'dev-web': OLD, redis: BASE });
    const quiet = await plan(stack(), rt);
    expect(quiet.actions.filter((a) => a.kind === 'build-image' || a.kind === 'pull-image')).toEqual([]);
    expect(formatPlan(await plan(stack(), rt, { build: true }))).toContain('image dev-web: build: up --build');
    expect(formatPlan(await plan(stack({ web: { build, pull_policy: 'build' } }), rt))).toContain(
      'image dev-web: build: pull_policy: build',
    );
    expect(formatPlan(await plan(stack({ cache: { image: 'redis', pull_policy: 'always' } }), rt))).toContain(
      'image redis: pull: pull_policy: always',
    );
    expect(formatPlan(await plan(stack(), rt, { pull: 'always' }))).toContain('image redis: pull: --pull always');
    expect(formatPlan(await plan(stack(), rt, { noBuild: true }))).not.toContain('build:');
    await expect(plan(stack(), new FakeRuntime({ redis: BASE }), { noBuild: true })).rejects.toThrow(
      'image not built yet and --no-build was given: dev-web (service web)',
    );
  });

  it('pulls daily/weekly/every_<d> images once they were last tagged longer ago than that', async () => {
    const rt = new FakeRuntime({ 'dev-web': OLD, redis: BASE });
    const day = 86_400_000;
    const p = stack({ cache: { image: 'redis', pull_policy: 'daily' } });
    expect(formatPlan(await plan(p, rt, { nowMs: 10 * day, imageTagTimes: { redis: 9.5 * day } }))).not.toContain(
      'pull',
    );
    expect(formatPlan(await plan(p, rt, { nowMs: 10 * day, imageTagTimes: { redis: 8 * day } }))).toContain(
      'image redis: pull: pull_policy: daily: last pulled over daily ago',
    );
    expect(parsePullPolicy('every_12h')).toEqual({ kind: 'every', ms: 12 * 3600_000, label: 'every_12h' });
    expect(parsePullPolicy('every_2d')).toMatchObject({ ms: 2 * day });
    expect(parsePullPolicy('if_not_present')).toEqual({ kind: 'missing' });
    expect(parsePullPolicy('sometimes')).toBeUndefined();
  });

  it('refuses a missing image with pull_policy never, and an unknown policy, naming the service', async () => {
    const rt = new FakeRuntime({ 'dev-web': OLD });
    await expect(plan(stack({ cache: { image: 'redis', pull_policy: 'never' } }), rt)).rejects.toThrow(
      ImageMissingError,
    );
    await expect(plan(stack({ cache: { image: 'redis', pull_policy: 'never' } }), rt)).rejects.toThrow(
      'redis (service cache)',
    );
    await expect(plan(stack({ cache: { image: 'redis', pull_policy: 'sometimes' } }), rt)).rejects.toThrow(
      'service "cache": unknown pull_policy "sometimes"',
    );
  });

  it('builds an image shared by two services once', async () => {
    const rt = new FakeRuntime();
    const p = project('dev', { a: { image: 'shared', build }, b: { image: 'shared', build } });
    expect(
      formatPlan(await plan(p, rt))
        .split('\n')
        .filter((l) => l.startsWith('image')),
    ).toEqual(['image shared: build: not present locally']);
  });
});

describe('recreating after a build or pull in the same run', () => {
  it('plans a check for containers whose image is being rebuilt, and recreates only when the id changed', async () => {
    const rt = new FakeRuntime({ redis: BASE });
    await up(stack(), rt);
    const planned = formatPlan(await plan(stack(), rt, { build: true }));
    expect(planned).toContain('dev-web-1: check: recreate if image dev-web changes (now ');
    expect(planned).toContain('dev-cache-1: keep: up to date (running)');

    const before = [...rt.containers.values()].find((c) => c.name === 'dev-web-1')!.id;
    const events = await up(stack(), rt, { build: true });
    const recreated = events.find((e) => e.title === 'dev-web-1' && e.text === 'Recreating');
    expect(recreated?.detail).toMatch(/^image [0-9a-f]{12}→[0-9a-f]{12}$/);
    expect([...rt.containers.values()].find((c) => c.name === 'dev-web-1')!.id).not.toBe(before);
  });

  it('keeps the container when the pulled image is the same', async () => {
    const rt = new FakeRuntime({ redis: BASE, 'dev-web': OLD });
    await up(stack(), rt);
    rt.registry.set('redis', BASE);
    const events = await up(stack(), rt, { pull: 'always' });
    expect(events.find((e) => e.title === 'dev-cache-1' && e.status === 'done')?.detail).toBe(
      'up to date (image unchanged)',
    );
    rt.registry.set('redis', NEW);
    const again = await up(stack(), rt, { pull: 'always' });
    expect(again.some((e) => e.title === 'dev-cache-1' && e.text === 'Recreating')).toBe(true);
  });

  it('a failed build skips its service and the services depending on it; the others come up', async () => {
    const rt = new FakeRuntime({ redis: BASE });
    const p = stack({
      api: { image: 'redis', depends_on: { web: { condition: 'service_started', required: true, restart: false } } },
    });
    rt.failNext.set('buildImage', new Error('step 2/2 failed'));
    const events = await up(p, rt);
    expect(events.find((e) => e.title === 'image dev-web' && e.status === 'failed')?.detail).toBe('step 2/2 failed');
    expect(
      events
        .filter((e) => e.status === 'skipped')
        .map((e) => e.title)
        .sort(),
    ).toEqual(['dev-api-1', 'dev-web-1']);
    expect([...rt.containers.values()].map((c) => c.name)).toEqual(['dev-cache-1']);
  });
});

describe('--pull always and buildable services', () => {
  it('pulls the images of services without build:, and leaves buildable ones to their builds', async () => {
    const rt = new FakeRuntime({ 'dev-web': OLD, redis: BASE });
    const text = formatPlan(await plan(stack(), rt, { pull: 'always' }));
    expect(text).toContain('image redis: pull: --pull always');
    expect(text).not.toContain('image dev-web: pull');
    expect(
      formatPlan(
        await plan(
          stack({ web: { build, image: 'reg/web:1', pull_policy: 'always' } }),
          new FakeRuntime({ 'reg/web:1': OLD, redis: BASE }),
        ),
      ),
    ).toContain('image reg/web:1: pull: pull_policy: always');
  });
});
