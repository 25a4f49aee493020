/**
 * Settings that hand a container some power over the host (`privileged`, host namespaces, broad
 * capabilities, the Docker socket), found in the loaded model and located where a file wrote them.
 * Compose runs them without a word; `berth plan` and `up --dry-run` name each one before anything is
 * created, so that a reviewer sees what a change lets a container do. The rules are one table keyed
 * by the setting; the places come from the loader's positions through `Locate`.
 */
import { relative, isAbsolute } from 'node:path';
import type { ServiceConfig } from './model.js';
import type { PathSeg, Pos } from './positions.js';

export interface PrivilegeNotice {
  service: string;
  /** The setting as a user would write it: `privileged: true`, `cap_add: SYS_ADMIN`. */
  setting: string;
  /** Where the file that brought it (after overrides, extends and includes) writes it. */
  pos?: Pos;
  /** What it gives the container. */
  risk: string;
}

/** The place of `services.<service>.<path>` in the files. */
export type Locate = (service: string, path: PathSeg[]) => Pos | undefined;

/** One finding of a rule: the setting, its path under the service, what it gives. */
interface Finding {
  setting: string;
  path: PathSeg[];
  risk: string;
}

const HOST_NAMESPACES: Record<string, string> = {
  pid: 'the container sees every process of the host and can signal or trace them',
  network_mode:
    "the container shares the host's network: it can listen on any host port and reach services bound to the host's loopback",
  ipc: "the container shares the host's IPC namespace (shared memory, semaphores and message queues of host processes)",
  userns_mode: "the engine's user-namespace remapping is off for the container: root in it is root on the host",
};

const CAPABILITIES: Record<string, string> = {
  ALL: 'the container gets every capability of the host',
  SYS_ADMIN: 'CAP_SYS_ADMIN lets the container mount filesystems and do most of what root does on the host',
  SYS_MODULE: 'CAP_SYS_MODULE lets the container load kernel modules into the host',
};

const CONTROL = 'control of the engine, and so root on the host';

/** Host paths whose bind hands over the Docker socket (the socket itself, or a directory holding it). */
const SOCKET_BINDS: Record<string, string> = {
  '/var/run/docker.sock': `the Docker socket gives the container ${CONTROL}`,
  '/run/docker.sock': `the Docker socket gives the container ${CONTROL}`,
  '/var/run': `the directory holds the Docker socket, which gives the container ${CONTROL}`,
  '/run': `the directory holds the Docker socket, which gives the container ${CONTROL}`,
  '/': "the container can read and write the host's whole filesystem, the Docker socket included",
};

const UNCONFINED = /^(seccomp|apparmor)[:=]unconfined$/;

/** The rules, one per setting. */
const RULES: ((svc: ServiceConfig) => Finding[])[] = [
  (svc) =>
    svc.privileged === true
      ? [
          {
            setting: 'privileged: true',
            path: ['privileged'],
            risk: 'the container gets every capability of the host and access to all its devices',
          },
        ]
      : [],
  (svc) =>
    Object.entries(HOST_NAMESPACES)
      .filter(([key]) => svc[key] === 'host')
      .map(([key, risk]) => ({ setting: `${key}: host`, path: [key], risk })),
  (svc) =>
    (svc.cap_add ?? []).flatMap((cap, i) => {
      const name = cap.toUpperCase().replace(/^CAP_/, '');
      const risk = CAPABILITIES[name];
      return risk === undefined ? [] : [{ setting: `cap_add: ${cap}`, path: ['cap_add', i], risk }];
    }),
  (svc) =>
    svc.volumes.flatMap((v, i) => {
      if (v.type !== 'bind' || v.source === undefined) return [];
      const source = v.source.length > 1 ? v.source.replace(/\/+$/, '') : v.source;
      const risk = SOCKET_BINDS[source];
      return risk === undefined ? [] : [{ setting: `volumes: ${v.source}:${v.target}`, path: ['volumes', i], risk }];
    }),
  (svc) =>
    (svc.security_opt ?? []).flatMap((opt, i) =>
      UNCONFINED.test(opt)
        ? [
            {
              setting: `security_opt: ${opt}`,
              path: ['security_opt', i],
              risk: `the container runs without the engine's ${opt.split(/[:=]/)[0]!} profile`,
            },
          ]
        : [],
    ),
];

/** Every elevated privilege of the services, in service order, then in the order of the rules. */
export function privilegeNotices(services: Record<string, ServiceConfig>, locate: Locate): PrivilegeNotice[] {
  const out: PrivilegeNotice[] = [];
  for (const [name, svc] of Object.entries(services)) {
    for (const rule of RULES) {
      for (const f of rule(svc)) {
        const pos = locate(name, f.path);
        out.push({ service: name, setting: f.setting, ...(pos && { pos }), risk: f.risk });
      }
    }
  }
  return out;
}

/**
 * `web: privileged: true (compose.yaml:7:5): the container gets every capability of the host`, the
 * file named relative to `cwd` when it lies under it.
 */
export function formatNotice(n: PrivilegeNotice, cwd: string): string {
  const where = n.pos ? ` (${shortPath(n.pos.file, cwd)}:${n.pos.line}:${n.pos.column})` : '';
  return `${n.service}: ${n.setting}${where}: ${n.risk}`;
}

function shortPath(file: string, cwd: string): string {
  if (!isAbsolute(file)) return file;
  const rel = relative(cwd, file);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? file : rel;
}
