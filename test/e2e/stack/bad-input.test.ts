/**
 * Bad input gets one clear message at the user's location, exit 1, and nothing on the engine; `down`
 * never touches containers another tool made.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { berth, containerIds, docker, purgeProject } from '../../helpers/cli.js';

const project = `e2e-bad-${process.pid}`;
afterAll(() => purgeProject(project));

function stack(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-bad-'));
  writeFileSync(join(dir, 'compose.yaml'), text);
  return dir;
}

async function upFails(text: string): Promise<{ stderr: string; dir: string }> {
  const dir = stack(text);
  const r = await berth(['-p', project, 'up', '-d'], { cwd: dir });
  expect(r.exitCode).toBe(1);
  expect(r.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/); // no stack trace
  expect(await containerIds(project)).toEqual({});
  expect((await docker(['network', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`])).stdout).toBe('');
  return { stderr: r.stderr, dir };
}

describe('bad input', () => {
  it('a YAML syntax error points at its line and column', async () => {
    const { stderr, dir } = await upFails('services:\n  web:\n    image: berth-local/busybox\n    command: [sleep, 1\n');
    expect(stderr).toContain(`${join(dir, 'compose.yaml')}:5:1`);
  });

  it('an unknown key is named, with a suggestion', async () => {
    const { stderr, dir } = await upFails('services:\n  web:\n    imagee: berth-local/busybox\n');
    expect(stderr).toContain(`${join(dir, 'compose.yaml')}:3:5: services.web.imagee: unknown key "imagee"`);
    expect(stderr).toContain('did you mean "image"?');
  });

  it('a wrong type says what was expected', async () => {
    const { stderr, dir } = await upFails('services:\n  web:\n    image: berth-local/busybox\n    environment: 42\n');
    expect(stderr).toContain(`${join(dir, 'compose.yaml')}:4:18: services.web.environment:`);
    expect(stderr).toMatch(/must be a mapping|must be a list/);
  });

  it('a depends_on cycle names the cycle', async () => {
    const { stderr } = await upFails([
      'services:',
      '  a:', '    image: berth-local/busybox', '    depends_on: [b]',
      '  b:', '    image: berth-local/busybox', '    depends_on: [a]', '',
    ].join('\n'));
    expect(stderr).toMatch(/a -> b -> a|b -> a -> b/);
  });
});

describe('missing external resources', () => {
  it('an external network that does not exist is named, with how to create it, before anything is made', async () => {
    const { stderr } = await upFails([
      'services:', '  web:', '    image: berth-local/busybox', '    networks: [outside]',
      'networks:', '  outside:', '    external: true', `    name: ${project}-nowhere`, '',
    ].join('\n'));
    expect(stderr).toContain(`network ${project}-nowhere is declared as external, but could not be found`);
    expect(stderr).toContain(`docker network create ${project}-nowhere`);
  });
});

describe('objects of other tools', () => {
  it('down never touches a container without the project label', async () => {
    const foreign = `${project}-web-1`;
    await docker(['rm', '-f', foreign]);
    expect((await docker(['run', '-d', '--name', foreign, 'berth-local/busybox', 'sleep', '300'])).exitCode).toBe(0);
    try {
      const dir = stack('services:\n  web:\n    image: berth-local/busybox\n    command: sleep 300\n');
      const up = await berth(['-p', project, 'up', '-d'], { cwd: dir });
      expect(up.exitCode).not.toBe(0);
      expect(up.stderr).toContain('already in use');
      const down = await berth(['-p', project, 'down'], { cwd: dir });
      expect(down.exitCode).toBe(0);
      const state = await docker(['inspect', '-f', '{{.State.Running}}', foreign]);
      expect(state.stdout).toBe('true');
    } finally {
      await docker(['rm', '-f', foreign]);
    }
  });
});
