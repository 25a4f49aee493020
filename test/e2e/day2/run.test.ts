/**
 * `run`: a one-off container named and labelled as Compose does, dependencies started first, the
 * command's exit code returned, and nothing left behind with `--rm`; on a fresh project, the network,
 * volume and image the one-off needs made by its plan first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, docker, purgeProject, ROOT } from '../../helpers/cli.js';

const project = `e2e-run-${process.pid}`;
const nodeps = `e2e-run-nodeps-${process.pid}`;
const fresh = `e2e-run-fresh-${process.pid}`;
const freshFile = `${ROOT}test/e2e/day2/fixtures/run-fresh/compose.yaml`;
const file = `${ROOT}test/e2e/day2/fixtures/run/compose.yaml`;
const run = (...args: string[]) => berth(['-f', file, '-p', project, ...args]);

async function oneOffs(p: string): Promise<string[]> {
  const r = await docker([
    'ps',
    '-a',
    '--filter',
    `label=com.docker.compose.project=${p}`,
    '--filter',
    'label=com.docker.compose.oneoff=True',
    '--format',
    '{{.Names}}',
  ]);
  return r.stdout.split('\n').filter(Boolean);
}
const state = async (name: string): Promise<string> => {
  const r = await docker(['inspect', '-f', '{{.State.Status}}', name]);
  return r.exitCode === 0 ? r.stdout.trim() : 'missing';
};

beforeAll(() => Promise.all([purgeProject(project), purgeProject(nodeps), purgeProject(fresh)]));
afterAll(async () => {
  await Promise.all([purgeProject(project), purgeProject(nodeps), purgeProject(fresh)]);
  await docker(['rmi', '-f', `${fresh}-built`]);
});

describe('run', () => {
  it('starts the dependencies first, returns the exit code and with --rm leaves no container behind', async () => {
    const r = await run('run', '--rm', 'app', 'sh', '-c', 'echo out; echo err >&2; exit 3');
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toBe('out');
    expect(r.stderr).toContain('err');
    expect(await state(`${project}-db-1`)).toBe('running');
    expect(await oneOffs(project)).toEqual([]);
  });

  it('names the container <project>-<service>-run-<id>, labels it one-off, and keeps it without --rm', async () => {
    const r = await run('run', 'app');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe("the service's own command");
    const [name, ...more] = await oneOffs(project);
    expect(more).toEqual([]);
    expect(name).toMatch(new RegExp(`^${project}-app-run-[0-9a-f]{12}$`));
    const labels = JSON.parse((await docker(['inspect', '-f', '{{json .Config.Labels}}', name!])).stdout) as Record<
      string,
      string
    >;
    expect(labels['com.docker.compose.service']).toBe('app');
    expect(labels['com.docker.compose.slug']).toMatch(new RegExp(`^${name!.slice(-12)}[0-9a-f]{52}$`));
    // The service's own containers are unaffected: up has nothing to do for db, and ps lists no app container.
    const ps = await run('ps', '--format', 'json');
    expect(ps.stdout).not.toContain('"Service":"app"');
    const down = await run('down');
    expect(down.exitCode, down.stderr).toBe(0);
    expect(await oneOffs(project)).toEqual([]);
  });

  it("applies -e, -w, -u and --entrypoint over the stack's settings", async () => {
    const r = await run(
      'run',
      '--rm',
      '-e',
      'EXTRA=x',
      '-w',
      '/tmp',
      '-u',
      'nobody',
      '--entrypoint',
      'sh -c',
      'app',
      'echo "$FROM_STACK $EXTRA $(pwd) $(id -u)"',
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('stack x /tmp 65534');
  });

  it('--no-deps starts nothing else; stdin reaches the command', async () => {
    const r = await berth(
      ['-f', file, '-p', nodeps, 'run', '--rm', '--no-deps', '-T', 'app', 'sh', '-c', 'read line; echo "got $line"'],
      { input: 'hello\n' },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('got hello');
    expect(await state(`${nodeps}-db-1`)).toBe('missing');
  });

  it('an unknown service is an error with a suggestion', async () => {
    const r = await run('run', '--rm', 'ap', 'true');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('no such service: ap');
    expect(r.stderr).toContain('did you mean "app"?');
  });
});

describe('run on a fresh project', () => {
  const runFresh = (...args: string[]) => berth(['-f', freshFile, '-p', fresh, ...args]);
  const projectLabel = '{{index .Labels "com.docker.compose.project"}}';

  it('makes the network and the named volume the one-off uses, then runs it on them with its image', async () => {
    const r = await runFresh('run', 'job');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('kept');
    expect(r.stderr).toMatch(new RegExp(`network ${fresh}_back\\s+Created`));
    expect(r.stderr).toMatch(new RegExp(`volume ${fresh}_data\\s+Created`));
    expect((await docker(['network', 'inspect', '-f', projectLabel, `${fresh}_back`])).stdout).toBe(fresh);
    expect((await docker(['volume', 'inspect', '-f', projectLabel, `${fresh}_data`])).stdout).toBe(fresh);
    const [name, ...more] = await oneOffs(fresh);
    expect(more).toEqual([]);
    const seen = await docker([
      'inspect',
      '-f',
      '{{.Config.Image}} {{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}{{range .Mounts}}{{.Name}}{{end}}',
      name!,
    ]);
    expect(seen.stdout).toBe(`berth-local/busybox:latest ${fresh}_back ${fresh}_data`);

    // Everything is there now: the second run plans nothing but its container, and says nothing about it.
    const again = await runFresh('run', '--rm', 'job');
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toBe('kept');
    expect(again.stderr).not.toMatch(/Creat/);
  });

  it("builds the image of a service with build: when it is missing, as Compose's run does", async () => {
    const r = await runFresh('run', '--rm', 'built');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('built-by-run');
    expect(r.stderr).toMatch(new RegExp(`image ${fresh}-built\\s+Built`));
    expect((await docker(['image', 'inspect', '-f', '{{.Id}}', `${fresh}-built`])).exitCode).toBe(0);
  });
});
