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
  /** Each path resolved, by its resolved form, when it was written otherwise: `config --no-path-resolution` prints them so. */
  written?: Map<string, string>;
}

/** Absolute host path for `p`: `~` expanded, relative paths against the base directory. */
export function hostPath(p: string, ctx: PathContext): string {
  const resolved = resolvedPath(p, ctx);
  if (resolved !== p) ctx.written?.set(resolved, p);
  return resolved;
}

function resolvedPath(p: string, ctx: PathContext): string {
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

interface VolumeModes {
  readOnly: boolean;
  propagation?: string;
  selinux?: 'z' | 'Z';
  nocopy: boolean;
  consistency?: string;
}

/**
 * The comma-separated MODE part of a short volume spec, later modes overriding earlier ones. An option
 * compose-go does not know is ignored, as it ignores it; it goes to `ignored` for a warning.
 */
function parseVolumeModes(modeText: string | undefined, ignored: string[]): VolumeModes {
  const modes: VolumeModes = { readOnly: false, nocopy: false };
  for (const m of modeText === undefined ? [] : modeText.split(',')) {
    if (m === 'ro') modes.readOnly = true;
    else if (m === 'rw') modes.readOnly = false;
    else if (m === 'z' || m === 'Z') modes.selinux = m;
    else if (m === 'nocopy') modes.nocopy = true;
    else if (PROPAGATION.has(m)) modes.propagation = m;
    else if (CONSISTENCY.has(m)) modes.consistency = m;
    else ignored.push(m);
  }
  return modes;
}

function bindVolume(source: string, target: string, modes: VolumeModes, ctx: PathContext): ServiceVolume {
  const v: ServiceVolume = { type: 'bind', source: hostPath(source, ctx), target };
  if (modes.readOnly) v.read_only = true;
  const bind: { propagation?: string; create_host_path?: boolean; selinux?: 'z' | 'Z' } = { create_host_path: true };
  if (modes.propagation) bind.propagation = modes.propagation;
  if (modes.selinux) bind.selinux = modes.selinux;
  v.bind = bind;
  if (modes.consistency) v.consistency = modes.consistency;
  return v;
}

function namedVolume(source: string, target: string, modes: VolumeModes): ServiceVolume {
  const v: ServiceVolume = { type: 'volume', source, target };
  if (modes.readOnly) v.read_only = true;
  if (modes.nocopy) v.volume = { nocopy: true };
  if (modes.consistency) v.consistency = modes.consistency;
  return v;
}

/** One short-syntax entry; the options it ignores (unknown to compose-go) are added to `ignored`. */
export function parseVolumeShort(spec: string, ctx: PathContext, ignored: string[] = []): ServiceVolume {
  const parts = splitSpec(spec);
  if (parts.some((p) => p === '') || parts.length > 3)
    throw new VolumeSyntaxError(`invalid volume "${spec}": expected [SOURCE:]TARGET[:MODE]`);
  if (parts.length === 1) return { type: 'volume', target: parts[0]! };
  const [source, target, modeText] = parts as [string, string, string | undefined];
  const modes = parseVolumeModes(modeText, ignored);
  return isPathSource(source) ? bindVolume(source, target, modes, ctx) : namedVolume(source, target, modes);
}
