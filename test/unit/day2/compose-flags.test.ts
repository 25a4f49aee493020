/**
 * The pure parts of the Compose flags of existing commands: `ps --filter`/`--no-trunc`, `--pull` policies,
 * `pull --policy`/`--ignore-buildable`, and `run --cap-add/--cap-drop/--use-aliases/--build/--pull`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { oneOffService, oneOffSpec } from '../../../src/apply/run.js';
import { selectPulls } from '../../../src/apply/images.js';
import { commandCell, statusFilter } from '../../../src/cli/commands/ps.js';
import { pullCommandPolicy } from '../../../src/cli/commands/pull.js';
import { parseBoolFlag } from '../../../src/cli/flags.js';
import { parsePullFlag } from '../../../src/cli/pull-flag.js';
import { withEnvFromFiles } from '../../../src/config/env-from-file.js';
import { UsageError } from '../../../src/errors.js';
import { formatGraph, planRun } from '../../../src/plan/index.js';
import type { ObservedState } from '../../../src/runtime/runtime.js';
import { project } from '../../helpers/project.js';
import { runOptions } from '../../helpers/run-options.js';

describe('ps flags', () => {
  it("--filter takes Compose's keys: status, source (not implemented), nothing else", () => {
    expect(statusFilter([], ['status=exited'])).toEqual(['exited']);
    expect(() => statusFilter([], ['status'])).toThrow('arguments to --filter should be in form KEY=VAL');
    expect(() => statusFilter([], ['source=image'])).toThrow('not implemented');
    expect(() => statusFilter([], ['name=web'])).toThrow('unknown filter name');
  });

  it('cuts the command at 20 characters with an ellipsis, quoted, unless --no-trunc', () => {
    expect(commandCell('nginx -g daemon off;', true)).toBe('"nginx -g daemon off;"');
    expect(commandCell('docker-entrypoint.sh postgres', true)).toBe('"docker-entrypoint.s…"');
    expect(commandCell('docker-entrypoint.sh postgres', false)).toBe('"docker-entrypoint.sh postgres"');
    expect(commandCell(undefined, true)).toBe('""');
  });

  it('--orphans takes a value as pflag booleans do', () => {
    expect(parseBoolFlag(undefined, '--orphans', true)).toBe(true);
    expect(parseBoolFlag('false', '--orphans', true)).toBe(false);
    expect(parseBoolFlag(true, '--orphans', false)).toBe(true);
    expect(() => parseBoolFlag('nope', '--orphans', true)).toThrow(UsageError);
  });
});

describe('--pull of up, create and run', () => {
  it('takes every pull_policy value, and "policy" as each service its own', () => {
    for (const p of [
      'always',
      'missing',
      'if_not_present',
      'never',
      'build',
      'daily',
      'weekly',
      'every_12h',
      'every_1d',
    ])
      expect(parsePullFlag(p)).toBe(p);
    expect(parsePullFlag('policy')).toBeUndefined();
    expect(parsePullFlag(undefined)).toBeUndefined();
    expect(() => parsePullFlag('sometimes')).toThrow('invalid --pull option "sometimes"');
    expect(() => parsePullFlag('every_x')).toThrow(UsageError);
  });
});

describe('pull --policy and --ignore-buildable', () => {
  const p = project('demo', {
    web: { image: 'nginx' },
    cached: { image: 'redis', pull_policy: 'missing' },
    never: { image: 'mine/never', pull_policy: 'never' },
    app: { image: 'me/app', build: { context: '/src' } },
    builtOnly: { build: { context: '/src' } },
  });
  const services = Object.values(p.services);

  it("follows each service's pull_policy, as Compose's pull does", () => {
    expect(selectPulls(services, {}, new Set(['redis']))).toEqual({
      pull: ['me/app', 'nginx'],
      skipped: [
        { ref: 'mine/never', why: 'Skipped (pull_policy never)' },
        { ref: 'redis', why: 'Skipped - Image is already present locally' },
      ],
    });
  });

  it('--policy missing skips what is here, --policy always pulls it; --ignore-buildable leaves builds out', () => {
    expect(selectPulls(services, { policy: 'missing' }, new Set(['nginx', 'redis'])).pull).toEqual([
      'me/app',
      'mine/never',
    ]);
    expect(selectPulls(services, { policy: 'always' }, new Set(['redis'])).pull).toEqual([
      'me/app',
      'mine/never',
      'nginx',
      'redis',
    ]);
    const noBuilds = selectPulls(services, { ignoreBuildable: true }, new Set());
    expect(noBuilds.pull).toEqual(['nginx', 'redis']);
    expect(noBuilds.skipped).toContainEqual({ ref: 'me/app', why: 'Skipped - Image can be built' });
  });

  it('--policy takes missing, if_not_present or always', () => {
    expect(pullCommandPolicy('always')).toBe('always');
    expect(pullCommandPolicy(undefined)).toBeUndefined();
    expect(() => pullCommandPolicy('never')).toThrow('invalid --policy option "never"');
  });
});

describe('run flags', () => {
  const p = project('demo', {
    web: {
      image: 'busybox',
      cap_add: ['NET_ADMIN'],
      cap_drop: ['MKNOD'],
      networks: { default: { aliases: ['www'] } },
    },
  });
  const base = runOptions({ noDeps: true, remove: true });
  const slug = 'cd'.repeat(32);

  it('--cap-add and --cap-drop add to the lists, each taking the capability out of the other', () => {
    const s = oneOffService(p.services.web!, { ...base, capAdd: ['SYS_TIME', 'MKNOD'], capDrop: ['NET_ADMIN'] });
    expect(s.cap_add).toEqual(['SYS_TIME', 'MKNOD']);
    expect(s.cap_drop).toEqual(['NET_ADMIN']);
    const spec = oneOffSpec(p, s, base, slug, 'test');
    expect(spec.capAdd).toEqual(['SYS_TIME', 'MKNOD']);
    expect(spec.capDrop).toEqual(['NET_ADMIN']);
  });

  it("joins the networks under the service's name and aliases only with --use-aliases", () => {
    const s = oneOffService(p.services.web!, base);
    expect(oneOffSpec(p, s, base, slug, 'test').endpoints.map((e) => e.aliases)).toEqual([[]]);
    expect(oneOffSpec(p, s, { ...base, useAliases: true }, slug, 'test').endpoints.map((e) => e.aliases)).toEqual([
      ['web', 'www'],
    ]);
  });

  it('--build builds a present image of a service with build:, --pull always pulls a present one', () => {
    const built = project('demo', { web: { image: 'me/web', build: { context: '/src' } } });
    const observed: ObservedState = {
      containers: [],
      networks: [],
      volumes: [],
      images: { 'me/web': 'sha256:1', busybox: 'sha256:2' },
    };
    const options = { berthVersion: 'test', slug };
    expect(formatGraph(planRun(built, observed, base, options))).not.toContain('build');
    expect(formatGraph(planRun(built, observed, { ...base, build: true }, options))).toContain(
      'image me/web: build: up --build',
    );
    expect(formatGraph(planRun(p, observed, { ...base, pull: 'always' }, options))).toContain(
      'image busybox: pull: --pull always',
    );
  });

  it('--env-from-file: -e wins, then the first file that sets a variable; values refer to what is set so far', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-env-from-file-'));
    writeFileSync(join(dir, 'a.env'), 'A=from-a\nB=from-a\nURL=http://${HOST}/\n');
    writeFileSync(join(dir, 'b.env'), 'B=from-b\nC=from-b\n');
    expect(withEnvFromFiles({ A: 'flag', HOST: 'db' }, ['a.env', 'b.env'], dir)).toEqual({
      A: 'flag',
      HOST: 'db',
      B: 'from-a',
      URL: 'http://db/',
      C: 'from-b',
    });
    expect(() => withEnvFromFiles({}, ['missing.env'], dir)).toThrow('--env-from-file: cannot read missing.env');
  });
});
