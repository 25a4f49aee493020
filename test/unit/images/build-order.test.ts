/** A service's build as a BuildSpec, the FROM lines of its Dockerfile, and builds run in FROM order. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSpecFor, buildSpecsFor, runBuilds, type BuildAction } from '../../../src/apply/images.js';
import { dockerfileBases } from '../../../src/config/dockerfile.js';
import { BuildContextError } from '../../../src/errors.js';
import { eventually } from '../../helpers/eventually.js';
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

describe('runBuilds', () => {
  function dockerfiles(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'berth-order-'));
    for (const [svc, text] of Object.entries(files)) {
      mkdirSync(join(dir, svc));
      writeFileSync(join(dir, svc, 'Dockerfile'), text);
    }
    return dir;
  }
  const action = (svc: string): BuildAction => ({
    kind: 'build-image',
    target: `dev-${svc}`,
    builds: svc,
    services: [svc],
    reason: 'test',
  });

  it('starts a build only after the build of the image it starts FROM, others in parallel', async () => {
    const dir = dockerfiles({
      app: 'FROM dev-base\n',
      tool: 'FROM dev-base:latest\n',
      base: 'FROM busybox\n',
      solo: 'FROM busybox\n',
    });
    const p = project(
      'dev',
      Object.fromEntries(['app', 'tool', 'base', 'solo'].map((s) => [s, { build: { context: join(dir, s) } }])),
    );
    const actions = ['app', 'tool', 'base', 'solo'].map(action);
    const log: string[] = [];
    const release = new Map<string, () => void>();
    const result = runBuilds(actions, buildSpecsFor(p, actions), 4, (a) => {
      log.push(`start ${a.builds}`);
      return new Promise<void>((resolve) =>
        release.set(a.builds, () => {
          log.push(`end ${a.builds}`);
          resolve();
        }),
      );
    });
    await eventually(() => expect(log).toEqual(['start base', 'start solo']));
    release.get('base')!();
    await eventually(() => expect(log).toEqual(['start base', 'start solo', 'end base', 'start app', 'start tool']));
    for (const s of ['solo', 'app', 'tool']) release.get(s)!();
    expect(await result).toEqual({ failed: [], skipped: [] });
  });

  it('skips the builds FROM a failed one, and reports a FROM cycle', async () => {
    const dir = dockerfiles({ base: 'FROM busybox\n', app: 'FROM dev-base\n', x: 'FROM dev-y\n', y: 'FROM dev-x\n' });
    const p = project(
      'dev',
      Object.fromEntries(['base', 'app', 'x', 'y'].map((s) => [s, { build: { context: join(dir, s) } }])),
    );
    const actions = ['base', 'app', 'x', 'y'].map(action);
    const result = await runBuilds(actions, buildSpecsFor(p, actions), 2, (a) =>
      a.builds === 'base' ? Promise.reject(new Error('boom')) : Promise.resolve(),
    );
    expect(result.skipped.map((a) => a.builds)).toEqual(['app']);
    expect(result.failed.map((f) => `${f.action.builds}: ${f.error.message}`)).toEqual([
      'base: boom',
      'x: cannot order the build of service "x": its Dockerfile starts FROM an image built from it (dev-y)',
      'y: cannot order the build of service "y": its Dockerfile starts FROM an image built from it (dev-x)',
    ]);
  });
});
