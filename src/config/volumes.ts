/** `volumes:` entries of a service, short (`./data:/data:ro`) and long, into ServiceVolume. */
import { isAbsolute, resolve } from 'node:path';
import type { ServiceVolume } from './model.js';

export class VolumeSyntaxError extends Error {}

const PROPAGATION = new Set(['shared', 'slave', 'private', 'rshared', 'rslave', 'rprivate']);
const CONSISTENCY = new Set(['consistent', 'cached', 'delegated']);

export interface PathContext {
  /** Relative paths resolve against this directory. */
  baseDir: string;
  /** HOME, for `~`. */
  home: string | undefined;
}

/** Absolute host path for `p`: `~` expanded, relative paths against the base directory. */
export function hostPath(p: string, ctx: PathContext): string {
  if (p === '~' || p.startsWith('~/')) {
    if (ctx.home) return resolve(ctx.home, p.slice(2));
    return p;
  }
  if (isAbsolute(p)) return resolve(p);
  return resolve(ctx.baseDir, p);
}

/** A volume short-syntax source is a path when it starts like one; otherwise it is a volume name. */
export function isPathSource(s: string): boolean {
  return (
    s.startsWith('.') || s.startsWith('/') || s.startsWith('~') || /^[A-Za-z]:[\\/]/.test(s) || s.startsWith('\\\\')
  );
}

/** Split on ":" but keep a Windows drive letter ("C:\\x") with its path. */
function splitSpec(spec: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i]!;
    if (c === ':' && !(cur.length === 1 && /[A-Za-z]/.test(cur) && /[\\/]/.test(spec[i + 1] ?? ''))) {
      parts.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  parts.push(cur);
  return parts;
}

export function parseVolumeShort(spec: string, ctx: PathContext): ServiceVolume {
  const parts = splitSpec(spec);
  if (parts.some((p) => p === '') || parts.length > 3)
    throw new VolumeSyntaxError(`invalid volume "${spec}": expected [SOURCE:]TARGET[:MODE]`);
  if (parts.length === 1) return { type: 'volume', target: parts[0]! };
  const [source, target, modeText] = parts as [string, string, string | undefined];
  const modes = modeText === undefined ? [] : modeText.split(',');
  let readOnly = false;
  let propagation: string | undefined;
  let selinux: 'z' | 'Z' | undefined;
  let nocopy = false;
  let consistency: string | undefined;
  for (const m of modes) {
    if (m === 'ro') readOnly = true;
    else if (m === 'rw') readOnly = false;
    else if (m === 'z' || m === 'Z') selinux = m;
    else if (m === 'nocopy') nocopy = true;
    else if (PROPAGATION.has(m)) propagation = m;
    else if (CONSISTENCY.has(m)) consistency = m;
    else throw new VolumeSyntaxError(`invalid volume mode "${m}" in "${spec}"`);
  }
  if (isPathSource(source)) {
    const v: ServiceVolume = { type: 'bind', source: hostPath(source, ctx), target };
    if (readOnly) v.read_only = true;
    const bind: { propagation?: string; create_host_path?: boolean; selinux?: 'z' | 'Z' } = { create_host_path: true };
    if (propagation) bind.propagation = propagation;
    if (selinux) bind.selinux = selinux;
    v.bind = bind;
    if (consistency) v.consistency = consistency;
    return v;
  }
  const v: ServiceVolume = { type: 'volume', source, target };
  if (readOnly) v.read_only = true;
  if (nocopy) v.volume = { nocopy: true };
  if (consistency) v.consistency = consistency;
  return v;
}
