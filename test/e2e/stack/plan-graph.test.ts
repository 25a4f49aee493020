/**
 * `berth plan` shows the order things will happen in: each step with its id and the steps it waits for,
 * as text and as JSON, and `up --dry-run` prints the same; the engine's state is what it plans from.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { berth, docker, purgeProject } from '../../helpers/cli.js';

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
  part?: string;
  when?: unknown;
}

describe('plan shows the graph', () => {
  it('a restart: true dependent is stopped before its dependency is recreated and started after, in text and JSON', async () => {
    write('one');
    expect((await run('up', '-d')).exitCode).toBe(0);
    write('two');
    const db = `${project}-db-1`;
    const aside = `${(await docker(['inspect', '-f', '{{.Id}}', db])).stdout.trim().slice(0, 12)}_${db}`;

    const plan = await run('plan');
    expect(plan.exitCode, plan.stderr).toBe(2);
    expect(plan.stdout.split('\n').filter((l) => l !== '')).toEqual([
      `#1 ${project}-api-1: stop: before db is recreated (depends_on restart: true)`,
      `#2 [#1] ${db}: rename: aside as ${aside}, to be replaced (environment.FOO changed)`,
      `#3 [#2] ${db}: stop: the previous container, while the new one is made`,
      `#4 [#2] ${db}: create: environment.FOO changed`,
      `#5 [#3 #4] ${db}: start: the new container`,
      `#6 [#5] ${db}: remove: the previous container, replaced`,
      `#7 [#3 #4 #5] ${db}: remove: if the recreate fails: the new container`,
      `#8 [#7] ${db}: rename: if the recreate fails: the previous container gets its name back`,
      `#9 [#8] ${db}: start: if the recreate fails: the previous container runs again`,
      `#10 [#6 #9] ${project}-api-1: restart: dependency db recreated`,
    ]);

    const json = await run('plan', '--format', 'json');
    const operations = (JSON.parse(json.stdout) as { operations: Operation[] }).operations;
    expect(operations.map((o) => [o.id, o.op, o.part ?? '', o.target, o.after])).toEqual([
      ['#1', 'stop-container', '', `${project}-api-1`, []],
      ['#2', 'rename-container', 'set-aside', db, ['#1']],
      ['#3', 'stop-container', 'stop-previous', db, ['#2']],
      ['#4', 'create-container', 'create', db, ['#2']],
      ['#5', 'start-container', 'start', db, ['#3', '#4']],
      ['#6', 'remove-container', 'remove-previous', db, ['#5']],
      ['#7', 'remove-container', 'remove-new', db, ['#3', '#4', '#5']],
      ['#8', 'rename-container', 'name-back', db, ['#7']],
      ['#9', 'start-container', 'start-previous', db, ['#8']],
      ['#10', 'restart-container', '', `${project}-api-1`, ['#6', '#9']],
    ]);
    expect(operations[3]!.reason).toBe('environment.FOO changed');
    expect(operations[6]!.when).toEqual({ failed: ['#3', '#4', '#5'] });
    expect(operations[7]!.when).toEqual({ ran: '#7' });

    const dry = await run('up', '-d', '--dry-run');
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stdout).toBe(plan.stdout);
  });
});
