/** `berth build`, `pull`, `push`, `images` and `down --rmi` on the in-memory runtime. */
import { describe, expect, it } from 'vitest';
import {
  buildServices,
  projectImages,
  pullServices,
  pushServices,
  removeProjectImages,
} from '../../../src/apply/images.js';
import type { ProgressEvent, Renderer } from '../../../src/progress/events.js';
import { FakeRuntime } from '../../helpers/fake-runtime.js';
import { project } from '../../helpers/project.js';

const ID = 'sha256:4444444444444444444444444444444444444444444444444444444444444444';

function recorder(): Renderer & { events: ProgressEvent[] } {
  const events: ProgressEvent[] = [];
  return { events, start: () => undefined, event: (e) => events.push(e), done: () => Promise.resolve() };
}

const p = project('dev', {
  web: { build: { context: '/nonexistent/web' } },
  api: {
    image: 'reg:5000/api:1',
    build: { context: '/nonexistent/api' },
    depends_on: { db: { condition: 'service_started', required: true, restart: false } },
  },
  db: { image: 'postgres:16' },
  cache: { image: 'redis:7' },
});

describe('build, pull and push of a project', () => {
  it('builds the services with build:, only the named ones (plus dependencies when asked)', async () => {
    const rt = new FakeRuntime();
    const built = await buildServices(p, rt, [], { parallel: 2 }, recorder());
    expect([...built.keys()].sort()).toEqual(['dev-web', 'reg:5000/api:1']);
    const one = new FakeRuntime();
    await buildServices(p, one, ['web'], { parallel: 2, noCache: true, buildArgs: { V: '2' } }, recorder());
    expect(one.builds).toMatchObject([{ service: 'web', tags: ['dev-web'], noCache: true, args: { V: '2' } }]);
  });

  it('pulls each named image once, skipping build-only services; failures stop it unless ignored', async () => {
    const rt = new FakeRuntime();
    await pullServices(p, rt, [], { parallel: 2 }, recorder());
    expect(rt.calls.filter((c) => c.startsWith('pull')).sort()).toEqual([
      'pull postgres:16',
      'pull redis:7',
      'pull reg:5000/api:1',
    ]);

    const deps = new FakeRuntime();
    await pullServices(p, deps, ['api'], { parallel: 1, includeDeps: true }, recorder());
    expect(deps.calls).toEqual(['pull postgres:16', 'pull reg:5000/api:1']);

    const failing = new FakeRuntime();
    failing.failNext.set('pullImage', new Error('manifest unknown'));
    const r = recorder();
    expect(await pullServices(p, failing, ['db'], { parallel: 1, ignoreFailures: true }, r)).toEqual(['postgres:16']);
    expect(r.events.find((e) => e.status === 'warning')?.detail).toBe('manifest unknown');
    failing.failNext.set('pullImage', new Error('manifest unknown'));
    await expect(pullServices(p, failing, ['db'], { parallel: 1 }, recorder())).rejects.toThrow('manifest unknown');
  });

  it('pushes the services that build an image with a name of their own', async () => {
    const rt = new FakeRuntime({ 'reg:5000/api:1': ID });
    await pushServices(p, rt, [], { parallel: 2 }, recorder());
    expect(rt.calls).toEqual(['push reg:5000/api:1']);
    expect(rt.registry.get('reg:5000/api:1')).toBe(ID);
  });
});

describe('images and down --rmi', () => {
  it("lists each service's image as present, and removes local (berth-named) or all of them", async () => {
    const rt = new FakeRuntime({ 'dev-web': ID, 'reg:5000/api:1': ID, 'redis:7': ID });
    const list = await projectImages(p, rt);
    expect(
      list.map((i) => `${i.service} ${i.ref} ${i.image ? 'present' : 'absent'}${i.local ? ' local' : ''}`),
    ).toEqual([
      'api reg:5000/api:1 present',
      'cache redis:7 present',
      'db postgres:16 absent',
      'web dev-web present local',
    ]);
    expect(await removeProjectImages(p, rt, 'local', () => undefined)).toEqual(['dev-web']);
    expect(await removeProjectImages(p, rt, 'all', () => undefined)).toEqual(['redis:7', 'reg:5000/api:1']);
    expect(rt.images.size).toBe(0);
  });
});
