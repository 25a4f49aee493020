/** A service's build as a BuildSpec, the FROM lines of its Dockerfile, and builds run in FROM order. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildServices, buildSpecFor } from '../../../src/apply/images.js';
import { dockerfileBases, readBuildBases } from '../../../src/config/dockerfile.js';
import { ApplyError, BuildContextError } from '../../../src/errors.js';
import { formatGraph, planBuild } from '../../../src/plan/index.js';
import type { ProgressEvent } from '../../../src/progress/events.js';
import { FakeRuntime } from '../../helpers/fake-runtime.js';
import { project } from '../../helpers/project.js';

describe('dockerfileBases', () => {
  it("reads every stage's FROM, with ARG defaults and build args substituted, skipping stage names and scratch", () => {
    const text = [
      '# syntax=docker/dockerfile:1',
      'ARG TAG=1.0',
      'ARG REG',
      'FROM --platform=$BUILDPLATFORM ${REG:-local}/builder:$TAG AS build',
      'RUN make',
      'FROM build AS test',
      'FROM \\',
      '  runtime-base',
      'FROM scratch',
      'COPY --from=build /out /',
    ].join('\n');
    expect(dockerfileBases(text)).toEqual(['local/builder:1.0', 'runtime-base']);
    expect(dockerfileBases(text, { TAG: '2.0', REG: 'reg:5000' })).toEqual(['reg:5000/builder:2.0', 'runtime-base']);
  });
});

describe('buildSpecFor', () => {
  it('names the image as Compose does and maps the build section, args without a value from the environment', () => {
    const p = project('dev', {
      web: {
        build: {
          context: '/src/web',
          dockerfile: 'Dockerfile.dev',
          args: { A: '1', FROM_ENV: null, ABSENT: null },
          target: 'dev',
          labels: { team: 'x' },
          cache_from: ['dev-web'],
          no_cache: true,
          network: 'host',
          shm_size: 1024,
          extra_hosts: ['db=10.0.0.2'],
          tags: ['reg/web:1'],
        },
      },
      named: { image: 'reg/named:2', build: { context: '/src/named' } },
    });
    expect(
      buildSpecFor(p, p.services.web!, { env: { FROM_ENV: 'env-value' }, buildArgs: { A: 'cli' }, pullBase: true }),
    ).toEqual({
      service: 'web',
      context: '/src/web',
      dockerfile: 'Dockerfile.dev',
      tags: ['dev-web', 'reg/web:1'],
      labels: { team: 'x' },
      args: { A: 'cli', FROM_ENV: 'env-value' },
      target: 'dev',
      cacheFrom: ['dev-web'],
      noCache: true,
      pull: true,
      network: 'host',
      shmSize: 1024,
      extraHosts: ['db=10.0.0.2'],
    });
    expect(buildSpecFor(p, p.services.named!).tags).toEqual(['reg/named:2']);
    expect(() =>
      buildSpecFor(
        project('dev', { r: { build: { context: 'https://github.com/x/y.git' } } }),
        project('dev', { r: { build: { context: 'https://github.com/x/y.git' } } }).services.r!,
      ),
    ).toThrow(BuildContextError);
  });
});

describe('berth build as a plan', () => {
  function dockerfiles(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'berth-order-'));
    for (const [svc, text] of Object.entries(files)) {
      mkdirSync(join(dir, svc));
      writeFileSync(join(dir, svc, 'Dockerfile'), text);
    }
    return dir;
  }
  const stack = (dir: string, names: string[]): ReturnType<typeof project> =>
    project('dev', Object.fromEntries(names.map((s) => [s, { build: { context: join(dir, s) } }])));

  it('a build follows the build of the image it starts FROM; the others are free', async () => {
    const dir = dockerfiles({
      app: 'FROM dev-base\n',
      tool: 'FROM dev-base:latest\n',
      base: 'FROM busybox\n',
      solo: 'FROM busybox\n',
    });
    const p = stack(dir, ['app', 'tool', 'base', 'solo']);
    const plan = planBuild(p, { services: [], buildBases: await readBuildBases(p) });
    expect(formatGraph(plan)).toBe(
      [
        '#1 image dev-base: build: service base',
        '#2 [#1] image dev-app: build: service app',
        '#3 [#1] image dev-tool: build: service tool',
        '#4 image dev-solo: build: service solo',
      ].join('\n'),
    );
  });

  it('runs builds through the walker: one that fails skips the builds FROM it, and names them', async () => {
    const dir = dockerfiles({ base: 'FROM busybox\n', app: 'FROM dev-base\n', solo: 'FROM busybox\n' });
    const p = stack(dir, ['base', 'app', 'solo']);
    const rt = new FakeRuntime({});
    rt.failNext.set('buildImage', new Error('boom'));
    const events: ProgressEvent[] = [];
    const renderer = {
      start: () => undefined,
      event: (e: ProgressEvent) => void events.push(e),
      done: () => Promise.resolve(),
    };
    const err = await buildServices(p, rt, [], { parallel: 1 }, renderer).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplyError);
    expect((err as ApplyError).skipped.map((f) => `${f.target}: ${f.error.message}`)).toEqual([
      'image dev-app: not built: the image it starts FROM could not be made',
    ]);
    expect(events.filter((e) => e.status === 'skipped').map((e) => e.title)).toEqual(['image dev-app']);
    expect(rt.builds.map((b) => b.service)).toEqual(['base', 'solo']);
  });

  it('refuses builds that start FROM each other, before anything is built', async () => {
    const dir = dockerfiles({ x: 'FROM dev-y\n', y: 'FROM dev-x\n' });
    const p = stack(dir, ['x', 'y']);
    expect(() => planBuild(p, { services: [], buildBases: { x: ['dev-y'], y: ['dev-x'] } })).toThrow(BuildContextError);
    expect(() => planBuild(p, { services: [], buildBases: { x: ['dev-y'], y: ['dev-x'] } })).toThrow(
      /their Dockerfiles start FROM each other's images: service "x" \(image dev-x\), service "y" \(image dev-y\)/,
    );
  });
});
