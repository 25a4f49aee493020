/**
 * `berth plan` shows the order things will happen in: each step with its id and the steps it waits for,
 * as text and as JSON, and `up --dry-run` prints the same; the engine's state is what it plans from.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { berth, purgeProject } from '../../helpers/cli.js';

const project = `e2e-plangraph-${process.pid}`;
afterAll(async () => {
  await purgeProject(project);
});

const dir = mkdtempSync(join(tmpdir(), 'berth-plangraph-'));
const run = (...args: string[]) => berth(['-p', project, ...args], { cwd: dir });
const svc = (extra = '') => `    image: berth-local/busybox\n    init: true\n    command: sleep 300\n${extra}`;
const write = (foo: string) =>
  writeFileSync(
    join(dir, 'compose.yaml'),
    [
      'services:',
      '  db:',
      svc(`    environment:\n      FOO: "${foo}"\n`),
      '  api:',
      svc('    depends_on:\n      db:\n        condition: service_started\n        restart: true\n'),
    ].join('\n'),
  );

interface Operation {
  id: string;
  op: string;
  target: string;
  reason: string;
  after: string[];
}

describe('plan shows the graph', () => {
  it('a restart: true dependent is stopped before its dependency is recreated and started after, in text and JSON', async () => {
    write('one');
    expect((await run('up', '-d')).exitCode).toBe(0);
    write('two');

    const plan = await run('plan');
    expect(plan.exitCode, plan.stderr).toBe(2);
    expect(plan.stdout.split('\n').filter((l) => l !== '')).toEqual([
      `#1 ${project}-api-1: stop: before db is recreated (depends_on restart: true)`,
      `#2 [#1] ${project}-db-1: recreate: environment.FOO changed`,
      `#3 [#2] ${project}-api-1: restart: dependency db recreated`,
    ]);

    const json = await run('plan', '--format', 'json');
    const operations = (JSON.parse(json.stdout) as { operations: Operation[] }).operations;
    expect(operations.map((o) => [o.id, o.op, o.target, o.after])).toEqual([
      ['#1', 'stop-container', `${project}-api-1`, []],
      ['#2', 'recreate-container', `${project}-db-1`, ['#1']],
      ['#3', 'restart-container', `${project}-api-1`, ['#2']],
    ]);
    expect(operations[1]!.reason).toBe('environment.FOO changed');

    const dry = await run('up', '-d', '--dry-run');
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stdout).toBe(plan.stdout);
  });
});
