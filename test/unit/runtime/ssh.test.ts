import { describe, expect, it } from 'vitest';
import { EngineUnreachableError } from '../../../src/errors.js';
import { errorForConnection } from '../../../src/runtime/docker/engine-errors.js';
import { SshConnectionError, sshArgs, sshFailureText } from '../../../src/runtime/docker/ssh.js';

describe('the ssh command line (as the docker CLI builds it)', () => {
  it('user and port as -l and -p, a connect timeout, no terminal, the host after --', () => {
    expect(sshArgs({ host: 'box', user: 'me', port: 2222 })).toEqual([
      '-l',
      'me',
      '-p',
      '2222',
      '-o',
      'ConnectTimeout=30',
      '-T',
      '--',
      'box',
      'docker',
      'system',
      'dial-stdio',
    ]);
  });

  it('only the host: everything else from the ssh config', () => {
    expect(sshArgs({ host: 'box' })).toEqual([
      '-o',
      'ConnectTimeout=30',
      '-T',
      '--',
      'box',
      'docker',
      'system',
      'dial-stdio',
    ]);
  });

  it('a socket named in the address is passed to the remote docker', () => {
    expect(sshArgs({ host: 'box', socketPath: '/run/user/1000/docker.sock' }).slice(-4)).toEqual([
      'docker',
      '--host=unix:///run/user/1000/docker.sock',
      'system',
      'dial-stdio',
    ]);
  });
});

describe('what ssh said, in one line', () => {
  it('the last line of stderr, without the known-hosts notice', () => {
    const stderr = [
      "Warning: Permanently added '[127.0.0.1]:2222' (ED25519) to the list of known hosts.",
      'bash: line 1: docker: command not found',
      '',
    ].join('\n');
    expect(sshFailureText(127, stderr)).toBe('bash: line 1: docker: command not found');
  });

  it("a changed host key: ssh's banner, then its verdict", () => {
    const stderr = [
      '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
      '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @',
      '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
      'Host key verification failed.',
      '',
    ].join('\r\n');
    expect(sshFailureText(255, stderr)).toBe('Host key verification failed.');
  });

  it('nothing on stderr: the exit code', () => {
    expect(sshFailureText(255, '')).toBe('ssh exited with code 255');
  });
});

describe('an ssh failure as the error berth reports', () => {
  const where = 'ssh://me@box:2222';

  it('ssh itself failed (255): its words, and the ssh command to try by hand', () => {
    const err = errorForConnection(
      new SshConnectionError(255, 'ssh: connect to host box port 2222: Connection refused\n'),
      where,
      'ping the engine',
    );
    expect(err).toBeInstanceOf(EngineUnreachableError);
    expect(err.message).toBe(
      'cannot reach the Docker Engine at ssh://me@box:2222: ssh: connect to host box port 2222: Connection refused',
    );
    expect(err.hint).toBe(
      "check that `ssh -p 2222 me@box docker version` works: berth uses ssh's own config, keys and agent",
    );
  });

  it('no docker on the remote host (127)', () => {
    const err = errorForConnection(new SshConnectionError(127, 'sh: 1: docker: not found\n'), where, 'ping the engine');
    expect(err.message).toBe('cannot reach the Docker Engine at ssh://me@box:2222: sh: 1: docker: not found');
    expect(err.hint).toMatch(/install the docker CLI/);
  });

  it('the remote docker cannot reach its engine', () => {
    const err = errorForConnection(
      new SshConnectionError(
        1,
        'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n',
      ),
      'ssh://box',
      'ping the engine',
    );
    expect(err.message).toMatch(/^cannot reach the Docker Engine at ssh:\/\/box: Cannot connect to the Docker daemon/);
    expect(err.hint).toMatch(/running on the remote host/);
  });
});
