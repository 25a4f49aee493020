/**
 * Elevated privileges (config/privileges.ts): files in, one notice per setting out, each at the place
 * of the file that brought it (an override, an extended file), for the services that are enabled.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProjectWithNotices } from '../../../src/config/load.js';
import { formatNotice } from '../../../src/config/privileges.js';
import { writeStack, type Files } from './helpers.js';

async function notices(files: Files, opts: { profiles?: string[] } = {}): Promise<string[]> {
  const dir = writeStack(files);
  const r = await loadProjectWithNotices({ cwd: dir, env: {}, ...opts });
  return r.notices.map((n) => formatNotice(n, dir));
}

describe('privilege notices', () => {
  it('names each elevated privilege with its file:line:column and what it gives the container', async () => {
    expect(
      await notices({
        'compose.yaml': [
          'services:',
          '  web:',
          '    image: x',
          '    privileged: true',
          '    cap_add: [NET_ADMIN, ALL, cap_sys_admin]',
          '    volumes:',
          '      - /var/run/docker.sock:/var/run/docker.sock:ro',
          '      - ./data:/data',
          '      - type: bind',
          '        source: /run/docker.sock',
          '        target: /sock',
          '    security_opt: ["seccomp:unconfined", "no-new-privileges:true"]',
          '  agent:',
          '    image: x',
          '    pid: host',
          '    network_mode: host',
          '    ipc: host',
          '    userns_mode: host',
          '  plain:',
          '    image: x',
          '    privileged: false',
          '    pid: "service:agent"',
          '    cap_add: [CHOWN]',
          '',
        ].join('\n'),
      }),
    ).toEqual([
      'web: privileged: true (compose.yaml:4:17): the container gets every capability of the host and access to all its devices',
      'web: cap_add: ALL (compose.yaml:5:26): the container gets every capability of the host',
      'web: cap_add: cap_sys_admin (compose.yaml:5:31): CAP_SYS_ADMIN lets the container mount filesystems and do most of what root does on the host',
      'web: volumes: /var/run/docker.sock:/var/run/docker.sock (compose.yaml:7:9): the Docker socket gives the container control of the engine, and so root on the host',
      'web: volumes: /run/docker.sock:/sock (compose.yaml:9:9): the Docker socket gives the container control of the engine, and so root on the host',
      "web: security_opt: seccomp:unconfined (compose.yaml:12:20): the container runs without the engine's seccomp profile",
      'agent: pid: host (compose.yaml:15:10): the container sees every process of the host and can signal or trace them',
      "agent: network_mode: host (compose.yaml:16:19): the container shares the host's network: it can listen on any host port and reach services bound to the host's loopback",
      "agent: ipc: host (compose.yaml:17:10): the container shares the host's IPC namespace (shared memory, semaphores and message queues of host processes)",
      "agent: userns_mode: host (compose.yaml:18:18): the engine's user-namespace remapping is off for the container: root in it is root on the host",
    ]);
  });

  it('locates a privilege in the file that brought it: an override, an extended file', async () => {
    expect(
      await notices({
        'compose.yaml': 'services:\n  web:\n    extends: {file: base.yaml, service: base}\n    image: x\n',
        'base.yaml': 'services:\n  base:\n    volumes: ["/var/run:/host/run"]\n',
        'compose.override.yaml': 'services:\n  web:\n    privileged: true\n',
      }),
    ).toEqual([
      'web: privileged: true (compose.override.yaml:3:17): the container gets every capability of the host and access to all its devices',
      'web: volumes: /var/run:/host/run (base.yaml:3:15): the directory holds the Docker socket, which gives the container control of the engine, and so root on the host',
    ]);
  });

  it('says nothing of a service its profile leaves out, or of a stack without privileges', async () => {
    const files = {
      'compose.yaml': 'services:\n  web:\n    image: x\n  debug:\n    image: x\n    profiles: [debug]\n    pid: host\n',
    };
    expect(await notices(files)).toEqual([]);
    expect(await notices(files, { profiles: ['debug'] })).toEqual([
      'debug: pid: host (compose.yaml:7:10): the container sees every process of the host and can signal or trace them',
    ]);
  });

  it('names a file outside the working directory by its full path', async () => {
    const dir = writeStack({ 'compose.yaml': 'services:\n  web:\n    image: x\n    privileged: true\n' });
    const r = await loadProjectWithNotices({ cwd: dir, env: {} });
    expect(formatNotice(r.notices[0]!, '/elsewhere')).toBe(
      `web: privileged: true (${join(dir, 'compose.yaml')}:4:17): the container gets every capability of the host and access to all its devices`,
    );
  });
});
