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

function stack(text: string, others: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-bad-'));
  writeFileSync(join(dir, 'compose.yaml'), text);
  for (const [name, content] of Object.entries(others)) writeFileSync(join(dir, name), content);
  return dir;
}

async function upFails(text: string, others: Record<string, string> = {}): Promise<{ stderr: string; dir: string }> {
  const dir = stack(text, others);
  const r = await berth(['-p', project, 'up', '-d'], { cwd: dir });
  expect(r.exitCode).toBe(1);
  expect(r.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/); // no stack trace
  expect(await containerIds(project)).toEqual({});
  expect(
    (await docker(['network', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`])).stdout,
  ).toBe('');
  return { stderr: r.stderr, dir };
}

describe('bad input', () => {
  it('a YAML syntax error points at its line and column', async () => {
    const { stderr, dir } = await upFails(
      'services:\n  web:\n    image: berth-local/busybox\n    command: [sleep, 1\n',
    );
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
    const { stderr } = await upFails(
      [
        'services:',
        '  a:',
        '    image: berth-local/busybox',
        '    depends_on: [b]',
        '  b:',
        '    image: berth-local/busybox',
        '    depends_on: [a]',
        '',
      ].join('\n'),
    );
    expect(stderr).toMatch(/a -> b -> a|b -> a -> b/);
  });
});

describe('input Compose takes without a word', () => {
  it('an unknown restart policy is an error at its value, naming the policies', async () => {
    const { stderr, dir } = await upFails(
      'services:\n  web:\n    image: berth-local/busybox\n    restart: sometimes\n',
    );
    expect(stderr).toContain(
      `${join(dir, 'compose.yaml')}:4:14: services.web.restart: "sometimes" is not a restart policy`,
    );
    expect(stderr).toContain('hint: use one of: no, always, on-failure[:N] (give up after N retries), unless-stopped');
  });

  it('an unknown YAML tag is an error at its place', async () => {
    const { stderr, dir } = await upFails('services:\n  web:\n    image: !weird berth-local/busybox\n');
    expect(stderr).toContain(`${join(dir, 'compose.yaml')}:3:19: services.web.image: unknown YAML tag "!weird"`);
    expect(stderr).toContain('hint: stack files know only !reset and !override');
  });

  it('an include cycle is an error at the include that closes it, naming the cycle', async () => {
    const { stderr, dir } = await upFails('include: [b.yaml]\nservices:\n  a:\n    image: berth-local/busybox\n', {
      'b.yaml': 'include:\n  - compose.yaml\nservices:\n  b:\n    image: berth-local/busybox\n',
    });
    expect(stderr).toContain(
      `${join(dir, 'b.yaml')}:2:5: include[0]: include cycle: compose.yaml -> b.yaml -> compose.yaml`,
    );
  });

  it('an empty file as the only stack file is an error naming the file', async () => {
    const { stderr, dir } = await upFails('# nothing here yet\n');
    expect(stderr).toContain(`${join(dir, 'compose.yaml')}: empty compose file: the stack file defines nothing`);
  });

  it('an unset variable and a "$" in a .env value are warnings at their file:line; the values are those Compose gives', async () => {
    const dir = stack(
      'services:\n  web:\n    image: berth-local/busybox${TAG}\n    command: sleep 300\n    environment: [KEY]\n',
      { '.env': 'KEY=abc$defghi\n' },
    );
    const up = await berth(['-p', project, 'up', '-d'], { cwd: dir });
    try {
      expect(up.exitCode, up.stderr).toBe(0);
      expect(up.stderr).toContain(
        `warning: ${join(dir, 'compose.yaml')}:3:12: services.web.image: The "TAG" variable is not set. Defaulting to a blank string.`,
      );
      expect(up.stderr).toContain(
        `warning: ${join(dir, '.env')}:1:5: KEY: variable defghi is not set, so "$defghi" becomes an empty string in the value; write $$ for a literal $, or single-quote the value`,
      );
      const env = (await docker(['inspect', '-f', '{{json .Config.Env}}', `${project}-web-1`])).stdout;
      expect(JSON.parse(env) as string[]).toContain('KEY=abc');
    } finally {
      await purgeProject(project);
    }
  });
});

describe('missing external resources', () => {
  it('an external network that does not exist is named, with how to create it, before anything is made', async () => {
    const { stderr } = await upFails(
      [
        'services:',
        '  web:',
        '    image: berth-local/busybox',
        '    networks: [outside]',
        'networks:',
        '  outside:',
        '    external: true',
        `    name: ${project}-nowhere`,
        '',
      ].join('\n'),
    );
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
