/** `ports:` entries, short (`"127.0.0.1:8000-8001:80-81/udp"`) and long, into PortConfig. */
import type { PortConfig } from './model.js';
import { text } from './positions.js';

export class PortSyntaxError extends Error {}

const PROTOCOLS = new Set(['tcp', 'udp', 'sctp']);

interface Range {
  start: number;
  end: number;
}

function parseRange(s: string, what: string): Range {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) throw new PortSyntaxError(`invalid ${what} port "${s}"`);
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  for (const p of [start, end]) {
    if (p < 0 || p > 65535) throw new PortSyntaxError(`invalid ${what} port "${s}": ports go from 1 to 65535`);
  }
  if (end < start) throw new PortSyntaxError(`invalid ${what} port range "${s}": the end is before the start`);
  return { start, end };
}

/** Parse one short-syntax port; ranges expand into one entry per container port. */
export function parsePortShort(spec: string | number): PortConfig[] {
  let s = String(spec).trim();
  let protocol = 'tcp';
  const slash = s.lastIndexOf('/');
  if (slash >= 0) {
    protocol = s.slice(slash + 1).toLowerCase();
    s = s.slice(0, slash);
    if (!PROTOCOLS.has(protocol)) throw new PortSyntaxError(`invalid protocol "${protocol}": use tcp, udp or sctp`);
  }
  let hostIp: string | undefined;
  let host: string | undefined;
  let container: string;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0 || s[close + 1] !== ':') throw new PortSyntaxError(`invalid IPv6 host address in "${String(spec)}"`);
    hostIp = s.slice(1, close);
    const rest = s.slice(close + 2).split(':');
    if (rest.length !== 2) throw new PortSyntaxError(`invalid port mapping "${String(spec)}"`);
    [host, container] = rest as [string, string];
  } else {
    const parts = s.split(':');
    if (parts.length === 1) container = parts[0]!;
    else if (parts.length === 2) [host, container] = parts as [string, string];
    else {
      container = parts[parts.length - 1]!;
      host = parts[parts.length - 2]!;
      hostIp = parts.slice(0, -2).join(':');
    }
  }
  if (container === '') throw new PortSyntaxError(`no container port in "${String(spec)}"`);
  const target = parseRange(container, 'container');
  const published = host === undefined || host === '' ? undefined : parseRange(host, 'host');
  const count = target.end - target.start + 1;
  const base = (t: number): PortConfig => {
    const p: PortConfig = { mode: 'ingress', target: t, protocol: protocol as PortConfig['protocol'] };
    if (hostIp) p.host_ip = hostIp;
    return p;
  };
  if (!published) return range(target).map(base);
  const pcount = published.end - published.start + 1;
  if (count === 1) {
    const p = base(target.start);
    p.published = pcount === 1 ? String(published.start) : `${published.start}-${published.end}`;
    return [p];
  }
  if (pcount !== count)
    throw new PortSyntaxError(`host and container port ranges in "${String(spec)}" have different sizes`);
  return range(target).map((t, i) => ({ ...base(t), published: String(published.start + i) }));
}

function range(r: Range): number[] {
  const out: number[] = [];
  for (let p = r.start; p <= r.end; p++) out.push(p);
  return out;
}

/** Long syntax; values already typed by the caller where the schema allowed strings. */
export function portLong(raw: Record<string, unknown>): PortConfig {
  const target = typeof raw.target === 'number' ? raw.target : Number(text(raw.target ?? ''));
  if (!Number.isInteger(target) || target < 1 || target > 65535)
    throw new PortSyntaxError(`invalid container port "${text(raw.target ?? '')}"`);
  const protocol = raw.protocol === undefined ? 'tcp' : text(raw.protocol).toLowerCase();
  if (!PROTOCOLS.has(protocol)) throw new PortSyntaxError(`invalid protocol "${protocol}": use tcp, udp or sctp`);
  const p: PortConfig = {
    mode: raw.mode === 'host' ? 'host' : 'ingress',
    target,
    protocol: protocol as PortConfig['protocol'],
  };
  if (typeof raw.name === 'string') p.name = raw.name;
  if (typeof raw.host_ip === 'string' && raw.host_ip !== '') p.host_ip = raw.host_ip;
  if (raw.published !== undefined && raw.published !== null && raw.published !== '') {
    const pub = text(raw.published);
    parseRange(pub, 'host');
    p.published = pub;
  }
  if (typeof raw.app_protocol === 'string') p.app_protocol = raw.app_protocol;
  for (const [k, v] of Object.entries(raw)) if (k.startsWith('x-')) (p as unknown as Record<string, unknown>)[k] = v;
  return p;
}

/** Key for merging: the same host binding of the same container port is one port. */
export function portKey(p: PortConfig): string {
  return `${p.host_ip ?? ''}:${p.published ?? ''}:${p.target}/${p.protocol}`;
}
