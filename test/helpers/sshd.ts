/**
 * A real OpenSSH server on loopback for the ssh engine tests: its own host key, a client key made for
 * the test and authorized for root, and an ssh client config the tests hand to berth the only way ssh
 * reads one from outside (ssh takes `~` from the password database, not $HOME): an `ssh` first on PATH
 * that runs the real one with `-F <config>`. The "remote" docker is this machine's own docker CLI.
 *
 * Host aliases in the config: `127.0.0.1` (any port: the client key, the right host key), `nodocker`
 * (a second key whose login has no `docker` on PATH) and `wrongkey` (a known_hosts file holding another
 * host key).
 */
import { execa, type ResultPromise } from 'execa';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './cli.js';

export interface Sshd {
  port: number;
  /** Environment for berth: PATH with the configured `ssh` first. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

const SSHD = '/usr/sbin/sshd';

async function keygen(path: string): Promise<string> {
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'berth-e2e', '-f', path]);
  return readFileSync(`${path}.pub`, 'utf8').trim();
}

function sshdConfig(dir: string, port: number): string {
  return [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${dir}/host_key`,
    `PidFile ${dir}/sshd.pid`,
    `AuthorizedKeysFile ${dir}/authorized_keys`,
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    // the test's files live in a world-readable temporary folder
    'StrictModes no',
    // lets the `nodocker` key's login run without docker on its PATH
    'PermitUserEnvironment yes',
    '',
  ].join('\n');
}

function clientConfig(dir: string, port: number): string {
  const common = (identity: string, knownHosts: string): string[] => [
    `  IdentityFile ${dir}/${identity}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${knownHosts}`,
    '  StrictHostKeyChecking yes',
  ];
  return [
    'Host 127.0.0.1',
    ...common('id_test', `${dir}/known_hosts`),
    'Host nodocker',
    '  HostName 127.0.0.1',
    `  Port ${port}`,
    '  User root',
    ...common('id_nodocker', `${dir}/known_hosts`),
    'Host wrongkey',
    '  HostName 127.0.0.1',
    `  Port ${port}`,
    '  User root',
    ...common('id_test', `${dir}/wrong_known_hosts`),
    '',
  ].join('\n');
}

/** Waits until sshd says it listens; rejects with its output when it exits first. */
function listening(child: ResultPromise, output: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sshd did not start within 20s:\n${output()}`)), 20_000);
    child.stderr?.on('data', () => {
      if (/Server listening on/.test(output())) {
        clearTimeout(timer);
        resolve();
      }
    });
    void child.then((r) => {
      clearTimeout(timer);
      reject(new Error(`sshd exited (${r.exitCode}):\n${output()}`));
    });
  });
}

export async function startSshd(): Promise<Sshd> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-sshd-'));
  const port = await freePort();
  const hostKey = await keygen(join(dir, 'host_key'));
  const otherHostKey = await keygen(join(dir, 'other_host_key'));
  const clientKey = await keygen(join(dir, 'id_test'));
  const noDockerKey = await keygen(join(dir, 'id_nodocker'));
  const hostKeyText = (k: string): string => k.split(' ').slice(0, 2).join(' ');
  writeFileSync(join(dir, 'authorized_keys'), `${clientKey}\nenvironment="PATH=/nonexistent" ${noDockerKey}\n`);
  writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${hostKeyText(hostKey)}\n`);
  writeFileSync(join(dir, 'wrong_known_hosts'), `[127.0.0.1]:${port} ${hostKeyText(otherHostKey)}\n`);
  writeFileSync(join(dir, 'sshd_config'), sshdConfig(dir, port));
  writeFileSync(join(dir, 'ssh_config'), clientConfig(dir, port));
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin', 'ssh'), `#!/bin/sh\nexec /usr/bin/ssh -F ${dir}/ssh_config "$@"\n`);
  chmodSync(join(dir, 'bin', 'ssh'), 0o755);
  // sshd's privilege separation folder; the package makes it at boot, a container has none.
  mkdirSync('/run/sshd', { recursive: true });

  let output = '';
  const child = execa(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { reject: false, buffer: false });
  child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
  await listening(child, () => output);
  return {
    port,
    env: { PATH: `${dir}/bin:${process.env['PATH'] ?? '/usr/bin:/bin'}` },
    async stop() {
      child.kill('SIGTERM');
      await child;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
