/**
 * One comparable shape for what `docker-compose config` (v1.29) prints and what berth's loader
 * returns. Each attribute has one normalizer that accepts every form either side writes (v1 keeps
 * many short forms: `"8080:80"`, `"./a:/a:ro"`, `command: echo hi`; berth's model is all long
 * form), so the same function is applied to both sides and the results are compared with toEqual.
 * The reasons for each normalization are in README.md beside this file.
 */

type Obj = Record<string, unknown>;
type Norm = (v: unknown) => unknown;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Scalars as text, recursively: v1 prints `A: 1` where berth keeps the string "1". */
export function loose(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(loose);
  if (isObj(v))
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== undefined)
        .map(([k, x]) => [k, loose(x)]),
    );
  if (v === null || v === undefined) return v;
  return String(v);
}

/** Split a command line into words: quotes and backslashes, as a POSIX shell would (no expansion). */
export function shellWords(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else cur += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < s.length && '"\\$`'.includes(s[i + 1]!)) cur += s[++i]!;
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      has = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i]!;
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur !== '') out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
    }
  }
  if (has || cur !== '') out.push(cur);
  return out;
}

const UNITS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go duration text ("1m30s", "500ms") -> nanoseconds; numbers are taken as they are. */
export function durationNs(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  let total = 0;
  for (const m of v.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(m[1]) * UNITS[m[2]!]!;
  return Math.round(total);
}

const BYTE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** "512m", "1g", "1gb", 1000 -> bytes. */
export function bytes(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)b?$/i.exec(v.trim());
  return m ? Math.floor(Number(m[1]) * BYTE_UNITS[m[2]!.toLowerCase()]!) : v;
}

/** ["A=1", "B"] or {A: 1, B: null} -> {A: "1", B: null}. */
export function dict(v: unknown, bare: '' | null = null): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  if (Array.isArray(v)) {
    for (const item of v) {
      const s = String(item);
      const eq = s.indexOf('=');
      out[eq < 0 ? s : s.slice(0, eq)] = eq < 0 ? bare : s.slice(eq + 1);
    }
  } else if (isObj(v)) {
    for (const [k, x] of Object.entries(v)) out[k] = x === null || x === undefined ? bare : String(x);
  }
  return out;
}

const list = (v: unknown): unknown => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.map(String) : v);
const words = (v: unknown): unknown => (typeof v === 'string' ? shellWords(v) : Array.isArray(v) ? v.map(String) : v);

/** A port as one line: "host_ip:published:target/protocol[ host]". */
function ports(v: unknown): unknown {
  if (!Array.isArray(v)) return v;
  return v.map((p) => {
    if (isObj(p)) {
      const mode = p.mode === 'host' ? ' host' : '';
      return `${String(p.host_ip ?? '')}:${String(p.published ?? '')}:${String(p.target)}/${String(p.protocol ?? 'tcp')}${mode}`;
    }
    const [spec, proto = 'tcp'] = String(p).split('/');
    const parts = spec!.split(':');
    const target = parts.pop()!;
    const published = parts.pop() ?? '';
    return `${parts.join(':')}:${published}:${target}/${proto}`;
  });
}

/** A mount as {type, source, target, read_only, and the options both sides know}. */
function volumes(v: unknown): unknown {
  if (!Array.isArray(v)) return v;
  return v.map((m) => {
    const out: Obj = {};
    if (isObj(m)) {
      out.type = m.type;
      if (m.source !== undefined) out.source = m.source;
      out.target = m.target;
      out.read_only = m.read_only === true;
      const bind = isObj(m.bind) ? m.bind : {};
      if (bind.selinux !== undefined) out.selinux = bind.selinux;
      if (bind.propagation !== undefined) out.propagation = bind.propagation;
      if (isObj(m.volume) && m.volume.nocopy === true) out.nocopy = true;
      if (isObj(m.tmpfs) && m.tmpfs.size !== undefined) out.tmpfs_size = bytes(m.tmpfs.size);
      return out;
    }
    const parts = String(m).split(':');
    if (parts.length === 1) return { type: 'volume', target: parts[0], read_only: false };
    const [source, target, modes = ''] = parts as [string, string, string?];
    out.type = /^[./~]/.test(source) ? 'bind' : 'volume';
    out.source = source;
    out.target = target;
    out.read_only = false;
    for (const flag of modes.split(',').filter(Boolean)) {
      if (flag === 'ro') out.read_only = true;
      else if (flag === 'z' || flag === 'Z') out.selinux = flag;
      else if (flag === 'nocopy') out.nocopy = true;
      else if (flag !== 'rw') out.propagation = flag;
    }
    return out;
  });
}

function dependsOn(v: unknown): unknown {
  if (Array.isArray(v)) return Object.fromEntries(v.map((n) => [String(n), 'service_started']));
  if (isObj(v))
    return Object.fromEntries(
      Object.entries(v).map(([n, d]) => [n, isObj(d) ? (d.condition ?? 'service_started') : 'service_started']),
    );
  return v;
}

function healthcheck(v: unknown): unknown {
  if (!isObj(v)) return v;
  const out: Obj = {};
  if (v.test !== undefined)
    out.test = typeof v.test === 'string' ? ['CMD-SHELL', v.test] : (v.test as unknown[]).map(String);
  for (const k of ['interval', 'timeout', 'start_period', 'start_interval'])
    if (v[k] !== undefined) out[k] = durationNs(v[k]);
  if (v.retries !== undefined) out.retries = Number(v.retries);
  // v1 writes `disable: true` as `test: [NONE]`, which is what it means to the engine.
  if (v.disable === true) return { test: ['NONE'] };
  return out;
}

function ulimits(v: unknown): unknown {
  if (!isObj(v)) return v;
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [
      k,
      isObj(x) ? { soft: Number(x.soft), hard: Number(x.hard) } : { soft: Number(x), hard: Number(x) },
    ]),
  );
}

function extraHosts(v: unknown): unknown {
  const entries = Array.isArray(v)
    ? v.map((e) => String(e).replace('=', ':'))
    : isObj(v)
      ? Object.entries(v).map(([h, ip]) => `${h}:${String(ip)}`)
      : [];
  return entries.sort();
}

function devices(v: unknown): unknown {
  if (!Array.isArray(v)) return v;
  return v.map((d) => {
    if (isObj(d)) return { source: d.source, target: d.target ?? d.source, permissions: d.permissions ?? 'rwm' };
    const [source, target, permissions] = String(d).split(':');
    return { source, target: target ?? source, permissions: permissions ?? 'rwm' };
  });
}

function mounts(v: unknown): unknown {
  if (!Array.isArray(v)) return v;
  return v.map((s) => {
    if (!isObj(s)) return { source: String(s) };
    const out: Obj = { source: s.source };
    if (s.target !== undefined) out.target = s.target;
    if (s.uid !== undefined) out.uid = String(s.uid);
    if (s.gid !== undefined) out.gid = String(s.gid);
    if (s.mode !== undefined) out.mode = Number(s.mode);
    return out;
  });
}

function build(v: unknown): unknown {
  const b: Obj = typeof v === 'string' ? { context: v } : isObj(v) ? { ...v } : {};
  // v1 writes a bare build arg as an empty string; v2 keeps it unset (null). See README.
  if (b.args !== undefined) b.args = dict(b.args, '');
  if (b.labels !== undefined) b.labels = dict(b.labels, '');
  return loose(b);
}

function deploy(v: unknown): unknown {
  if (!isObj(v)) return v;
  const d: Obj = { ...v };
  if (d.labels !== undefined) d.labels = dict(d.labels, '');
  if (isObj(d.resources)) {
    const r: Obj = {};
    for (const [k, x] of Object.entries(d.resources)) {
      if (!isObj(x)) continue;
      const l: Obj = { ...x };
      if (l.cpus !== undefined) l.cpus = Number(l.cpus);
      if (l.memory !== undefined) l.memory = bytes(l.memory);
      r[k] = l;
    }
    d.resources = r;
  }
  if (isObj(d.restart_policy))
    d.restart_policy = {
      ...d.restart_policy,
      delay: durationNs(d.restart_policy.delay),
      window: durationNs(d.restart_policy.window),
    };
  if (isObj(d.update_config)) d.update_config = { ...d.update_config, delay: durationNs(d.update_config.delay) };
  return loose(d);
}

function serviceNetworks(v: unknown): unknown {
  if (Array.isArray(v)) return Object.fromEntries(v.map((n) => [String(n), null]));
  return loose(v);
}

/** Per service attribute: how to compare it. Attributes not listed compare `loose`. */
export const SERVICE_NORMS: Record<string, Norm> = {
  command: words,
  entrypoint: words,
  environment: (v) => dict(v),
  labels: (v) => dict(v, ''),
  sysctls: (v) => dict(v, ''),
  annotations: (v) => dict(v, ''),
  ports,
  volumes,
  depends_on: dependsOn,
  healthcheck,
  ulimits,
  extra_hosts: extraHosts,
  devices,
  secrets: mounts,
  configs: mounts,
  build,
  deploy,
  networks: serviceNetworks,
  // v1 writes a service reference as "service:NAME[:MODE]"; berth keeps it as written ("NAME[:MODE]").
  volumes_from: (v) => (Array.isArray(v) ? v.map((x) => String(x).replace(/^service:/, '')) : v),
  dns: list,
  dns_search: list,
  tmpfs: list,
  expose: list,
  shm_size: bytes,
  mem_limit: bytes,
  mem_reservation: bytes,
  memswap_limit: bytes,
  stop_grace_period: durationNs,
  cpus: Number,
  scale: Number,
  pids_limit: Number,
};

export function normService(key: string, value: unknown): unknown {
  return (SERVICE_NORMS[key] ?? loose)(value);
}

/** Per top-level resource attribute (networks, volumes, secrets, configs). */
export function normResource(key: string, value: unknown): unknown {
  if (key === 'labels' || key === 'driver_opts') return dict(value, '');
  return loose(value);
}
