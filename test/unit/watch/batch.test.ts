/**
 * What a batch asks of each service: files to sync (deduplicated), a rebuild, a restart, each
 * `sync+exec` command once, as Compose's `handleWatchBatch` decides.
 */
import { describe, expect, it } from 'vitest';
import type { ServiceConfig } from '../../../src/config/model.js';
import { planBatch } from '../../../src/watch/batch.js';
import { compileRules } from '../../../src/watch/rules.js';
import { project } from '../../helpers/project.js';

const stack = project('w', {
  web: {
    build: { context: '/app/web' },
    develop: {
      watch: [
        { path: '/app/web/src', action: 'sync', target: '/srv', ignore: ['*.log'] },
        { path: '/app/web/Dockerfile', action: 'rebuild' },
      ],
    },
  },
  api: {
    build: { context: '/app/api' },
    develop: {
      watch: [
        { path: '/app/api/src', action: 'sync+restart', target: '/api' },
        { path: '/app/api/hooks', action: 'sync+exec', target: '/hooks', exec: { command: ['reload'] } },
        { path: '/app/api/conf', action: 'restart' },
      ],
    },
  },
});
const rules = Object.values(stack.services).flatMap((s: ServiceConfig) => compileRules(s));

describe('planBatch', () => {
  it('gives each service its own work, services sorted, untouched ones left out', () => {
    const out = planBatch(rules, ['/app/web/src/a.js', '/app/web/src/b.js', '/app/web/src/x.log']);
    expect(out).toEqual([
      {
        service: 'web',
        rebuild: false,
        restart: false,
        exec: [],
        changes: 2,
        sync: [
          { hostPath: '/app/web/src/a.js', containerPath: '/srv/a.js' },
          { hostPath: '/app/web/src/b.js', containerPath: '/srv/b.js' },
        ],
      },
    ]);
  });

  it('a Dockerfile change is a rebuild of that service only', () => {
    const out = planBatch(rules, ['/app/web/Dockerfile']);
    expect(out.map((b) => [b.service, b.rebuild, b.sync.length])).toEqual([['web', true, 0]]);
  });

  it('sync+restart syncs and restarts once; restart alone syncs nothing', () => {
    const [api] = planBatch(rules, ['/app/api/src/a.py', '/app/api/src/b.py', '/app/api/conf/x.ini']);
    expect(api!.restart).toBe(true);
    expect(api!.sync.map((m) => m.containerPath)).toEqual(['/api/a.py', '/api/b.py']);
  });

  it('runs a sync+exec command once however many files matched it', () => {
    const [api] = planBatch(rules, ['/app/api/hooks/a', '/app/api/hooks/b', '/app/api/hooks/c']);
    expect(api!.exec.map((r) => r.trigger.exec?.command)).toEqual([['reload']]);
    expect(api!.sync).toHaveLength(3);
  });

  it('2,000 changed files are one action per service', () => {
    const paths = Array.from({ length: 2000 }, (_, i) => `/app/${i % 2 ? 'web' : 'api'}/src/f${i}.js`);
    const out = planBatch(rules, paths);
    expect(out.map((b) => [b.service, b.sync.length, b.restart])).toEqual([
      ['api', 1000, true],
      ['web', 1000, false],
    ]);
  });
});
