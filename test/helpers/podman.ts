/**
 * Podman's Docker-compatible API for the Podman tests: `podman system service` on a socket of its own,
 * with storage, network configs and settings in a temporary folder, so nothing of the machine's own
 * Podman is touched. The base image is copied in from the Docker Engine (`docker save | podman load`).
 *
 * What it takes for Podman to run containers on a machine without systemd, in a container (see
 * containersConf): cgroupfs instead of systemd's cgroup manager, events in a file instead of the
 * journal, and ulimits no higher than this process's own hard limits (Podman gives a root container
 * nofile/nproc 1048576, which a process without CAP_SYS_RESOURCE cannot raise to: runc fails with
 * "error setting rlimit type 7: operation not permitted"). `init: true` needs Debian's catatonit.
 */
import { execa, type ResultPromise } from 'execa';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Podman {
  socket: string;
  /** `podman` with this service's storage and settings: for what a user would check by hand. */
  podman(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

async function hardLimit(flag: '-Hn' | '-Hu'): Promise<string> {
  const r = await execa('sh', ['-c', `ulimit ${flag}`]);
  return r.stdout.trim();
}

async function containersConf(): Promise<string> {
  const nofile = await hardLimit('-Hn');
  const nofileLimit = nofile === 'unlimited' ? '1048576' : nofile;
  return [
    '[containers]',
    `default_ulimits = ["nofile=${nofileLimit}:${nofileLimit}", "nproc=4096:4096"]`,
    '[engine]',
    'cgroup_manager = "cgroupfs"',
    'events_logger = "file"',
    '',
  ].join('\n');
}

function pingable(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ socketPath: socket, path: '/_ping', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
  });
}

async function answering(socket: string, service: ResultPromise, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (service.exitCode !== null) throw new Error(`podman system service exited:\n${output()}`);
    if (existsSync(socket) && (await pingable(socket))) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`podman system service did not answer on ${socket} within 60s:\n${output()}`);
}

export async function startPodman(image: string): Promise<Podman> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-podman-'));
  const socket = join(dir, 'podman.sock');
  writeFileSync(join(dir, 'containers.conf'), await containersConf());
  const env = { CONTAINERS_CONF: join(dir, 'containers.conf') };
  const globals = [
    '--root',
    join(dir, 'root'),
    '--runroot',
    join(dir, 'run'),
    '--network-config-dir',
    join(dir, 'net'),
  ];
  const podman = async (args: string[]) => {
    const r = await execa('podman', [...globals, ...args], { env, reject: false });
    return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
  };

  const load = await execa('docker', ['save', image]).pipe('podman', [...globals, 'load'], { env, reject: false });
  if (load.exitCode !== 0) throw new Error(`podman load failed: ${load.stderr}`);

  let output = '';
  const service = execa('podman', [...globals, 'system', 'service', '--time=0', `unix://${socket}`], {
    env,
    reject: false,
    buffer: false,
  });
  service.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
  service.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
  await answering(socket, service, () => output);

  return {
    socket,
    podman,
    async stop() {
      await podman(['rm', '--all', '--force', '--time', '0']);
      await podman(['volume', 'prune', '--force']);
      service.kill('SIGTERM');
      await service;
      await podman(['system', 'reset', '--force']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
