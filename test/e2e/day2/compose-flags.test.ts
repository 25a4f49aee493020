/**
 * Compose's flags of existing commands, each checked where its effect shows: on the engine (docker
 * inspect), in what `ps` lists, in the tar `cp -` writes and reads, in the events `--since/--until`
 * replays. One project: `web` and `old`; then `old` leaves the stack file and is an orphan.
 */
import { execa } from 'execa';
import { chownSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, BIN, containerStates, docker, purgeProject, stackInTempDir } from '../../helpers/cli.js';
import { eventually } from '../../helpers/eventually.js';

const t = stackInTempDir('flags');
const IDLE = `["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.2; done"]`;
const WITH_OLD = [
  'services:',
  '  web:',
  '    image: berth-local/busybox:latest',
  `    command: ${IDLE}`,
  '    networks: {default: {aliases: [www]}}',
  '  old:',
  '    image: berth-local/busybox:latest',
  `    command: ${IDLE}`,
  '',
].join('\n');
const WITHOUT_OLD = WITH_OLD.split('  old:')[0]!;
const startSec = Math.floor(Date.now() / 1000) - 1;

async function inspect(name: string, template: string): Promise<string> {
  return (await docker(['inspect', '-f', template, name])).stdout.trim();
}

/** berth in the project's folder with binary stdin and stdout (for tar streams). */
async function berthBytes(
  args: string[],
  input?: Buffer,
): Promise<{ exitCode: number; stdout: Buffer; stderr: string }> {
  const r = await execa('node', [BIN, '-p', t.project, ...args], {
    cwd: t.dir,
    env: { CI: 'true' },
    reject: false,
    encoding: 'buffer',
    ...(input !== undefined && { input }),
  });
  return { exitCode: r.exitCode ?? -1, stdout: Buffer.from(r.stdout), stderr: Buffer.from(r.stderr).toString() };
}

async function tarEntries(data: Buffer): Promise<Record<string, string>> {
  const extract = tar.extract();
  const out: Record<string, string> = {};
  const done = (async () => {
    for await (const e of extract) {
      const chunks: Buffer[] = [];
      for await (const c of e) chunks.push(c as Buffer);
      out[e.header.name] = Buffer.concat(chunks).toString();
    }
  })();
  extract.end(data);
  await done;
  return out;
}

beforeAll(async () => {
  await purgeProject(t.project);
  t.write(WITH_OLD);
  const up = await t.run('up', '-d');
  expect(up.exitCode, up.stderr).toBe(0);
  t.write(WITHOUT_OLD);
});
afterAll(async () => {
  await purgeProject(t.project);
});

describe('ps', () => {
  it('lists the orphan by default, not with --orphans=false; COMMAND is cut unless --no-trunc', async () => {
    const all = await t.run('ps', '--format', '{{.Service}}');
    expect(all.stdout.split('\n').sort()).toEqual(['old', 'web']);
    const declared = await t.run('ps', '--orphans=false', '--format', '{{.Service}}');
    expect(declared.stdout).toBe('web');
    const table = await t.run('ps', 'web');
    expect(table.stdout).toMatch(/COMMAND/);
    expect(table.stdout).toMatch(/"sh -c [^\n]{13}…"/);
    expect((await t.run('ps', '--no-trunc', 'web')).stdout).toContain('sleep 0.2');
    const full = await t.run('ps', '--no-trunc', '--format', '{{.ID}} {{.Command}}', 'web');
    expect(full.stdout).toMatch(/^[0-9a-f]{64} "sh -c /);
    expect((await t.run('ps', '--format', '{{.ID}}', 'web')).stdout).toMatch(/^[0-9a-f]{12}$/);
  });

  it('--filter status=exited lists exited containers only; an unknown filter is a usage error', async () => {
    const bad = await t.run('ps', '--filter', 'label=x');
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('unknown filter label');
    expect((await t.run('ps', '--filter', 'status=exited', '-q')).stdout).toBe('');
  });
});

describe('kill --remove-orphans', () => {
  it('leaves the orphan running without the flag, kills it too with it (as Compose)', async () => {
    const name = `${t.project}-old-1`;
    expect((await t.run('kill', 'web')).exitCode).toBe(0);
    expect((await t.run('kill')).exitCode).toBe(0);
    expect((await containerStates(t.project))[name]).toBe('running');
    const r = await t.run('kill', '--remove-orphans');
    expect(r.exitCode, r.stderr).toBe(0);
    await eventually(async () => expect((await containerStates(t.project))[name]).toBe('exited'));
    const exited = await t.run('ps', '--filter', 'status=exited', '--format', '{{.Service}}');
    expect(exited.stdout.split('\n').sort()).toEqual(['old', 'web']);
  });

  it('COMPOSE_REMOVE_ORPHANS=true in the .env: up removes the orphan', async () => {
    writeFileSync(join(t.dir, '.env'), 'COMPOSE_REMOVE_ORPHANS=true\n');
    try {
      const up = await t.run('up', '-d');
      expect(up.exitCode, up.stderr).toBe(0);
      expect(Object.keys(await containerStates(t.project))).toEqual([`${t.project}-web-1`]);
    } finally {
      writeFileSync(join(t.dir, '.env'), '');
    }
  });
});

describe('run', () => {
  it('--cap-add, --cap-drop and --use-aliases reach the container; --env-from-file its environment', async () => {
    writeFileSync(join(t.dir, 'run.env'), 'FROM_FILE=yes\nBOTH=file\n');
    const r = await t.run(
      'run',
      '-d',
      '--name',
      `${t.project}-caps`,
      '--cap-add',
      'SYS_TIME',
      '--cap-drop',
      'CHOWN',
      '--use-aliases',
      '--env-from-file',
      'run.env',
      '-e',
      'BOTH=flag',
      'web',
      'sleep',
      '30',
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const name = `${t.project}-caps`;
    expect(await inspect(name, '{{json .HostConfig.CapAdd}}')).toContain('SYS_TIME');
    expect(await inspect(name, '{{json .HostConfig.CapDrop}}')).toContain('CHOWN');
    const aliases = await inspect(name, `{{json (index .NetworkSettings.Networks "${t.project}_default").Aliases}}`);
    expect(JSON.parse(aliases)).toEqual(expect.arrayContaining(['web', 'www']));
    const env = await inspect(name, '{{json .Config.Env}}');
    expect(JSON.parse(env)).toEqual(expect.arrayContaining(['FROM_FILE=yes', 'BOTH=flag']));
  });

  it('without --use-aliases the one-off has neither the service name nor its aliases', async () => {
    const r = await t.run('run', '-d', '--name', `${t.project}-plain`, 'web', 'sleep', '30');
    expect(r.exitCode, r.stderr).toBe(0);
    const aliases = await inspect(
      `${t.project}-plain`,
      `{{json (index .NetworkSettings.Networks "${t.project}_default").Aliases}}`,
    );
    expect(JSON.parse(aliases) ?? []).not.toContain('www');
    expect(JSON.parse(aliases) ?? []).not.toContain('web');
  });

  it('--pull takes every pull_policy value; an unknown one is a usage error', async () => {
    const ok = await t.run('run', '--rm', '--pull', 'if_not_present', 'web', 'true');
    expect(ok.exitCode, ok.stderr).toBe(0);
    const bad = await t.run('run', '--rm', '--pull', 'sometimes', 'web', 'true');
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('invalid --pull option "sometimes"');
  });
});

describe('cp -', () => {
  it('writes the tar of a container path to stdout, and extracts a tar from stdin into a folder', async () => {
    expect((await t.run('exec', '-T', 'web', 'sh', '-c', 'mkdir -p /tmp/in && echo hi > /tmp/out.txt')).exitCode).toBe(
      0,
    );
    const out = await berthBytes(['cp', 'web:/tmp/out.txt', '-']);
    expect(out.exitCode, out.stderr).toBe(0);
    expect(await tarEntries(out.stdout)).toEqual({ 'out.txt': 'hi\n' });

    const pack = tar.pack();
    pack.entry({ name: 'note.txt', mode: 0o644 }, 'from stdin\n');
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const c of pack) chunks.push(c as Buffer);
    const put = await berthBytes(['cp', '-', 'web:/tmp/in'], Buffer.concat(chunks));
    expect(put.exitCode, put.stderr).toBe(0);
    expect((await t.run('exec', '-T', 'web', 'cat', '/tmp/in/note.txt')).stdout).toBe('from stdin');
  });

  it('-L copies what a link points to, under the link name; -a keeps the owner', async () => {
    await t.run('exec', '-T', 'web', 'sh', '-c', 'echo target > /tmp/real.txt && ln -sf real.txt /tmp/link.txt');
    const out = await berthBytes(['cp', '-L', 'web:/tmp/link.txt', '-']);
    expect(out.exitCode, out.stderr).toBe(0);
    expect(await tarEntries(out.stdout)).toEqual({ 'link.txt': 'target\n' });

    const host = mkdtempSync(join(tmpdir(), 'berth-cp-a-'));
    const file = join(host, 'owned.txt');
    writeFileSync(file, 'x');
    if (process.getuid?.() === 0) chownSync(file, 4321, 4321);
    const owner = String(statSync(file).uid);
    expect(owner).not.toBe('0');
    const ownerIn = async (path: string) => (await t.run('exec', '-T', 'web', 'stat', '-c', '%u', path)).stdout;
    expect((await t.run('cp', file, 'web:/tmp/plain.txt')).exitCode).toBe(0);
    expect(await ownerIn('/tmp/plain.txt')).toBe('0');
    expect((await t.run('cp', '-a', file, 'web:/tmp/')).exitCode).toBe(0);
    expect(await ownerIn('/tmp/owned.txt')).toBe(owner);
  });
});

describe('events --since --until', () => {
  it('replays the past events of the window and exits', async () => {
    const untilSec = Math.floor(Date.now() / 1000);
    const r = await t.run('events', '--json', '--since', String(startSec), '--until', String(untilSec));
    expect(r.exitCode, r.stderr).toBe(0);
    const events = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { action: string; service: string });
    expect(events).toContainEqual(expect.objectContaining({ action: 'start', service: 'web' }));
    expect(events).toContainEqual(expect.objectContaining({ action: 'kill', service: 'old' }));
  });
});

describe('COMPOSE_* settings and --pull of create and up', () => {
  const withEnv = (env: Record<string, string>, ...args: string[]) =>
    berth(['-p', t.project, ...args], { cwd: t.dir, env });

  it('COMPOSE_IGNORE_ORPHANS: up neither warns about the orphan nor removes it', async () => {
    t.write(WITH_OLD);
    expect((await t.run('up', '-d')).exitCode).toBe(0);
    t.write(WITHOUT_OLD);
    const warned = await t.run('up', '-d');
    expect(warned.stderr).toContain('found orphan containers');
    const ignored = await withEnv({ COMPOSE_IGNORE_ORPHANS: 'true', COMPOSE_REMOVE_ORPHANS: 'true' }, 'up', '-d');
    expect(ignored.exitCode, ignored.stderr).toBe(0);
    expect(ignored.stderr).not.toContain('orphan');
    expect((await containerStates(t.project))[`${t.project}-old-1`]).toBe('running');
  });

  it('COMPOSE_PROGRESS from the .env, COMPOSE_STATUS_STDOUT from the shell: where and how progress shows', async () => {
    writeFileSync(join(t.dir, '.env'), 'COMPOSE_PROGRESS=json\n');
    try {
      const json = await t.run('restart', 'web');
      expect(json.exitCode, json.stderr).toBe(0);
      expect(JSON.parse(json.stderr.split('\n')[0]!)).toMatchObject({ id: `container:${t.project}-web-1` });
      const stdout = await withEnv({ COMPOSE_STATUS_STDOUT: '1' }, 'restart', 'web');
      expect(stdout.stderr).toBe('');
      expect(JSON.parse(stdout.stdout.split('\n')[0]!)).toMatchObject({ id: `container:${t.project}-web-1` });
      const flag = await t.run('--progress', 'quiet', 'restart', 'web');
      expect(flag.stderr).toBe('');
    } finally {
      writeFileSync(join(t.dir, '.env'), '');
    }
  });

  it('create and up take any pull_policy value for --pull; an unknown one is a usage error', async () => {
    const created = await t.run('create', '--pull', 'never', 'web');
    expect(created.exitCode, created.stderr).toBe(0);
    const up = await t.run('up', '-d', '--pull', 'if_not_present', 'web');
    expect(up.exitCode, up.stderr).toBe(0);
    const bad = await t.run('create', '--pull', 'sometimes');
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('invalid --pull option "sometimes"');
  });
});
