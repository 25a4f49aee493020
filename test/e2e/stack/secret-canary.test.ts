/**
 * A value given in `.env`, an `env_file` or a secret file reaches the container and nothing else berth
 * writes: no label of a container, network or volume, no file of berth's caches, no output of `up`,
 * `plan`, `ps --format json`, `--progress json`, `--debug` or a failing `up`. Each value is a random
 * canary; a leak would show it as it is or encoded (base64, deflated, as an earlier label was).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { berth, docker, freePort, purgeProject, type Run } from '../../helpers/cli.js';

const project = `e2e-canary-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'berth-canary-'));
const cacheHome = mkdtempSync(join(tmpdir(), 'berth-canary-cache-'));
let blocker: Server | undefined;

afterAll(async () => {
  blocker?.close();
  await purgeProject(project);
});

const canary = (where: string): string => `canary-${where}-${randomUUID().replaceAll('-', '')}`;
const canaries = { dotenv: canary('dotenv'), envFile: canary('envfile'), secret: canary('secret') };
/** Values that replace the first two during the test: they must not leak either. */
const changed = { dotenv: canary('dotenv2'), envFile: canary('envfile2') };
const all = (): string[] => [...Object.values(canaries), ...Object.values(changed)];

const run = (...args: string[]): Promise<Run> =>
  berth(['-p', project, ...args], { cwd: dir, env: { XDG_CACHE_HOME: cacheHome } });

/**
 * The text and every decoding of it a reader might try: each base64-looking run, as it is, inflated
 * (raw, zlib) and gunzipped. A canary leaked in any of these forms is found.
 */
function readings(text: string): string[] {
  const out = [text];
  for (const token of text.match(/[A-Za-z0-9+/_-]{16,}={0,2}/g) ?? []) {
    const bytes = Buffer.from(token.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    out.push(bytes.toString('latin1'));
    for (const inflate of [inflateRawSync, inflateSync, gunzipSync]) {
      try {
        out.push(inflate(bytes).toString('latin1'));
      } catch {
        // not that encoding
      }
    }
  }
  return out;
}

function expectNoCanary(where: string, text: string): void {
  for (const reading of readings(text)) {
    for (const value of all()) expect(reading.includes(value), `${value} leaked into ${where}`).toBe(false);
  }
}

function expectQuiet(where: string, r: Run): void {
  expectNoCanary(`${where} (stdout)`, r.stdout);
  expectNoCanary(`${where} (stderr)`, r.stderr);
}

const compose = [
  'services:',
  '  app:',
  '    image: berth-local/busybox',
  '    init: true',
  '    command: sleep 300',
  '    env_file: [app.env]',
  '    environment:',
  '      DOTENV_TOKEN: ${TOKEN}',
  '    secrets: [x]',
  '    volumes: [data:/data]',
  'volumes:',
  '  data: {}',
  'secrets:',
  '  x:',
  '    file: ./secret.txt',
  '',
].join('\n');

const writeDotenv = (value: string): void => writeFileSync(join(dir, '.env'), `TOKEN=${value}\n`);
const writeEnvFile = (value: string): void => writeFileSync(join(dir, 'app.env'), `FILE_TOKEN=${value}\n`);

async function containerEnv(): Promise<string> {
  const r = await docker(['exec', `${project}-app-1`, 'env']);
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout;
}

/** The labels of every container, network and volume of the project, one JSON text per object. */
async function projectLabels(): Promise<{ where: string; labels: string }[]> {
  const filter = `label=com.docker.compose.project=${project}`;
  const out: { where: string; labels: string }[] = [];
  for (const [kind, list, path] of [
    ['container', ['ps', '-aq', '--filter', filter], '{{json .Config.Labels}}'],
    ['network', ['network', 'ls', '-q', '--filter', filter], '{{json .Labels}}'],
    ['volume', ['volume', 'ls', '-q', '--filter', filter], '{{json .Labels}}'],
  ] as const) {
    const ids = (await docker([...list])).stdout.split('\n').filter(Boolean);
    expect(ids.length, `${kind}s of the project`).toBeGreaterThan(0);
    for (const id of ids) {
      const r = await docker([kind === 'container' ? 'container' : kind, 'inspect', '-f', path, id]);
      expect(r.exitCode, r.stderr).toBe(0);
      out.push({ where: `${kind} ${id} labels`, labels: r.stdout });
    }
  }
  return out;
}

function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .map((rel) => join(root, rel))
    .filter((p) => statSync(p).isFile());
}

describe('secret canaries', () => {
  it('reach the container and no label, cache file or output of berth', async () => {
    writeFileSync(join(dir, 'compose.yaml'), compose);
    writeDotenv(canaries.dotenv);
    writeEnvFile(canaries.envFile);
    writeFileSync(join(dir, 'secret.txt'), canaries.secret);

    // `config` is the one output that shows values: the canaries are real, and found where they are.
    const config = await run('config');
    expect(config.exitCode, config.stderr).toBe(0);
    expect(config.stdout).toContain(canaries.dotenv);
    expect(config.stdout).toContain(canaries.envFile);

    const up = await run('up', '-d');
    expect(up.exitCode, up.stderr).toBe(0);
    expectQuiet('up -d', up);

    const env = await containerEnv();
    expect(env).toContain(`DOTENV_TOKEN=${canaries.dotenv}`);
    expect(env).toContain(`FILE_TOKEN=${canaries.envFile}`);
    const secret = await docker(['exec', `${project}-app-1`, 'cat', '/run/secrets/x']);
    expect(secret.stdout).toBe(canaries.secret);

    const ps = await run('ps', '--format', 'json');
    expect(ps.exitCode, ps.stderr).toBe(0);
    expect(ps.stdout).toContain('dev.berth.config');
    expectQuiet('ps --format json', ps);

    // A changed value: `plan` names the key, never the value (old or new).
    writeDotenv(changed.dotenv);
    const plan = await run('plan');
    expect(plan.exitCode, plan.stderr).toBe(2);
    expect(plan.stdout).toContain(`${project}-app-1: create: environment.DOTENV_TOKEN changed`);
    expectQuiet('plan', plan);
    const planJson = await run('plan', '--format', 'json');
    expect(planJson.stdout).toContain('environment.DOTENV_TOKEN changed');
    expectQuiet('plan --format json', planJson);

    const progress = await run('--progress', 'json', 'up', '-d');
    expect(progress.exitCode, progress.stderr).toBe(0);
    expect(progress.stdout + progress.stderr).toContain('environment.DOTENV_TOKEN changed');
    expectQuiet('up --progress json', progress);
    expect(await containerEnv()).toContain(`DOTENV_TOKEN=${changed.dotenv}`);

    writeEnvFile(changed.envFile);
    const debug = await run('--debug', 'up', '-d');
    expect(debug.exitCode, debug.stderr).toBe(0);
    expectQuiet('up --debug', debug);
    expect(await containerEnv()).toContain(`FILE_TOKEN=${changed.envFile}`);
    expect((await docker(['exec', `${project}-app-1`, 'cat', '/run/secrets/x'])).stdout).toBe(canaries.secret);

    // Failing `up`s, with the canaries in the failing service's create request: a published port
    // another process holds, and an image that is not there with `pull_policy: never`.
    const port = await freePort();
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(port, '127.0.0.1', resolve));
    const failing = (extra: string): string =>
      `services:\n  blocked:\n    image: berth-local/busybox\n    command: sleep 300\n    env_file: [app.env]\n    environment:\n      DOTENV_TOKEN: \${TOKEN}\n    secrets: [x]\n${extra}`;
    writeFileSync(join(dir, 'port.yaml'), failing(`    ports: ["127.0.0.1:${port}:80"]\n`));
    writeFileSync(
      join(dir, 'missing.yaml'),
      failing(`    image: berth-local/no-such-image-${process.pid}\n    pull_policy: never\n`),
    );
    for (const [file, args] of [
      ['port.yaml', ['up', '-d']],
      ['port.yaml', ['--debug', '--progress', 'json', 'up', '-d']],
      ['missing.yaml', ['--debug', 'up', '-d']],
    ] as const) {
      const r = await run('-f', 'compose.yaml', '-f', file, ...args);
      expect(r.exitCode, `${file} ${args.join(' ')}: ${r.stderr}`).not.toBe(0);
      expect(r.stderr + r.stdout).toMatch(file === 'port.yaml' ? new RegExp(`${port}`) : /no-such-image/);
      expectQuiet(`failing ${args.join(' ')} (${file})`, r);
    }

    for (const { where, labels } of await projectLabels()) {
      expect(labels.length).toBeGreaterThan(2);
      expectNoCanary(where, labels);
    }

    // Every file berth wrote under its cache folder: the stack cache and the code cache.
    const written = filesUnder(cacheHome);
    expect(written.some((f) => f.includes(`${join('berth', 'projects')}`))).toBe(true);
    expect(written.some((f) => f.includes(`${join('berth', 'code')}`))).toBe(true);
    for (const file of written) expectNoCanary(file, readFileSync(file, 'latin1'));
  });
});
