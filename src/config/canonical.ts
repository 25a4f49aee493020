/**
 * Per-file rewrite of a validated tree into long form with typed scalars, in place, so that the
 * files can be merged key by key: short syntaxes become their long form (ports, volumes,
 * depends_on, networks, secrets...), lists of KEY=VAL become mappings, loosely typed scalars
 * ("yes", "512m", "90s") become booleans, bytes and canonical durations, and relative host paths
 * become absolute against the file's base directory.
 */
import { isAbsolute } from 'node:path';
import { located, type Issues } from './issues.js';
import { toBoolean, toBytes, toInteger, toMode, toNumber, normalizeDuration } from './kinds.js';
import { parsePortShort, portLong, PortSyntaxError } from './ports.js';
import { isMapping, put, text, type PathSeg, type Positions } from './positions.js';
import { shellSplit, ShellSplitError } from './shell.js';
import { hostPath, parseVolumeShort, VolumeSyntaxError, type PathContext } from './volumes.js';

export interface CanonicalContext extends PathContext {
  file: string;
  /** Interpolation was turned off: short forms holding a `$` stay as written. */
  raw?: boolean;
  positions: Positions;
  issues: Issues;
  /** Where warnings about the file go (an ignored volume option). */
  warnings?: string[];
}

/** The options of a short-syntax volume, for the warning about one that is not. */
const KNOWN_OPTIONS =
  'ro, rw, nocopy, z, Z, shared, slave, private, rshared, rslave, rprivate, consistent, cached, delegated';

type Obj = Record<string, unknown>;
type Conv = (v: unknown) => unknown;

/** Leave strings with an unexpanded `$` alone (interpolation turned off): they print as written. */
const keep$ =
  (f: Conv): Conv =>
  (v) =>
    typeof v === 'string' && v.includes('$') ? v : f(v);
const asBool = keep$(toBoolean);
const asInt = keep$(toInteger);
const asNum = keep$(toNumber);
const asBytes = keep$(toBytes);
const asDuration = keep$(normalizeDuration);
const asMode = keep$(toMode);
const asString: Conv = (v) => (v === null || v === undefined ? v : text(v));

export function canonicalFile(root: Obj, ctx: CanonicalContext): void {
  const c = new Canon(ctx);
  c.top(root);
}

class Canon {
  constructor(private readonly ctx: CanonicalContext) {}

  private get positions(): Positions {
    return this.ctx.positions;
  }

  private fail(obj: object, key: PathSeg, path: PathSeg[], message: string, hint?: string): void {
    this.ctx.issues.add(this.positions.valueAt(obj, key), path, message, hint, this.ctx.file);
  }

  /** Replace obj[key] by `value`, giving new nodes the old value's position. */
  private set(obj: Obj, key: string, value: unknown): void {
    const pos = this.positions.valueAt(obj, key);
    put(obj, key, value);
    this.positions.stamp(value, pos);
  }

  private conv(obj: Obj | undefined, key: string, f: Conv): void {
    if (obj && obj[key] !== undefined && obj[key] !== null) put(obj, key, f(obj[key]));
  }

  private convAll(obj: Obj | undefined, keys: string[], f: Conv): void {
    for (const k of keys) this.conv(obj, k, f);
  }

  private path(p: string): string {
    return p.includes('$') ? p : hostPath(p, this.ctx);
  }

  /** Build contexts may be URLs (git repositories, tarballs): those stay as written. */
  private context(p: string): string {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(p) || p.startsWith('git@') || p.startsWith('github.com/')) return p;
    return this.path(p);
  }

  top(root: Obj): void {
    const services = root.services;
    if (isMapping(services))
      for (const [name, svc] of Object.entries(services)) {
        if (isMapping(svc)) this.service(svc, ['services', name]);
        else if (svc === null) this.set(services, name, {});
      }
    for (const kind of ['networks', 'volumes'] as const) {
      const group = root[kind];
      if (!isMapping(group)) continue;
      for (const [name, def] of Object.entries(group)) {
        if (def === null) this.set(group, name, {});
        const d = group[name] as Obj;
        this.external(d);
        this.labels(d, 'labels');
        this.stringMap(d, 'driver_opts');
        this.convAll(d, ['internal', 'attachable', 'enable_ipv6', 'enable_ipv4'], asBool);
      }
    }
    for (const kind of ['secrets', 'configs'] as const) {
      const group = root[kind];
      if (!isMapping(group)) continue;
      for (const def of Object.values(group)) {
        if (!isMapping(def)) continue;
        this.external(def);
        this.labels(def, 'labels');
        this.stringMap(def, 'driver_opts');
        if (typeof def.file === 'string') put(def, 'file', this.path(def.file));
      }
    }
    if (Array.isArray(root.include)) {
      root.include.forEach((inc, i) => {
        if (typeof inc === 'string') {
          const v = { path: [inc] };
          const pos = this.positions.valueAt(root.include as object, i);
          (root.include as unknown[])[i] = v;
          this.positions.stamp(v, pos);
        } else if (isMapping(inc)) {
          if (typeof inc.path === 'string') this.set(inc, 'path', [inc.path]);
          if (typeof inc.env_file === 'string') this.set(inc, 'env_file', [inc.env_file]);
        }
      });
    }
  }

  private external(d: Obj): void {
    const ext = d.external;
    if (isMapping(ext)) {
      // `external: {name: x}` (deprecated) is `external: true` plus `name: x`.
      if (typeof ext.name === 'string' && d.name === undefined) {
        put(d, 'name', ext.name);
        this.positions.copyEntry(ext, 'name', d, 'name');
      }
      this.set(d, 'external', true);
    } else if (ext !== undefined) {
      put(d, 'external', asBool(ext));
    }
  }

  /** list_or_dict -> mapping of strings (labels, annotations, sysctls). */
  private labels(o: Obj | undefined, key: string): void {
    if (!o || o[key] === undefined) return;
    const m = this.keyValues(o, key, false);
    if (m) this.set(o, key, m);
  }

  private stringMap(o: Obj | undefined, key: string): void {
    const m = o?.[key];
    if (!isMapping(m)) return;
    for (const [k, v] of Object.entries(m)) if (v !== null) put(m, k, text(v));
  }

  /**
   * ["A=1", "B"] or {A: 1, B: null} -> {A: "1", B: null}. `nullable`: a bare key stays null
   * (environment, build args); otherwise it becomes "" (labels).
   */
  private keyValues(o: Obj, key: string, nullable: boolean): Record<string, string | null> | undefined {
    const raw = o[key];
    const out: Record<string, string | null> = {};
    const path = (k: PathSeg): PathSeg[] => [key, k];
    if (Array.isArray(raw)) {
      raw.forEach((item, i) => {
        const s = String(item);
        const eq = s.indexOf('=');
        const k = eq < 0 ? s : s.slice(0, eq);
        if (k === '') {
          this.fail(raw, i, path(i), `"${s}" has no name before "="`);
          return;
        }
        put(out, k, eq < 0 ? (nullable ? null : '') : s.slice(eq + 1));
        this.positions.copyEntry(raw, i, out, k);
      });
      return out;
    }
    if (isMapping(raw)) {
      for (const [k, v] of Object.entries(raw)) {
        put(out, k, v === null || v === undefined ? (nullable ? null : '') : text(v));
        this.positions.copyEntry(raw, k, out, k);
      }
      // `A: !reset` removes what an earlier file set for A: the mark goes with the new mapping.
      for (const k of this.positions.resetKeys(raw)) this.positions.markReset(out, k);
      return out;
    }
    return undefined;
  }

  private command(o: Obj, key: string, path: PathSeg[]): void {
    const v = o[key];
    if (typeof v !== 'string') return;
    try {
      this.set(o, key, shellSplit(v));
    } catch (e) {
      if (!(e instanceof ShellSplitError)) throw e;
      this.fail(
        o,
        key,
        [...path, key],
        `cannot split the command into words: ${e.message}`,
        'close the quote, or write the command as a list',
      );
    }
  }

  private stringList(o: Obj, key: string): void {
    if (typeof o[key] === 'string') this.set(o, key, [o[key]]);
  }

  service(s: Obj, path: PathSeg[]): void {
    this.build(s, path);
    this.command(s, 'command', path);
    this.command(s, 'entrypoint', path);
    this.environment(s);
    for (const k of ['labels', 'annotations', 'sysctls']) this.labels(s, k);
    this.envFiles(s, path);
    this.labelFiles(s);
    this.ports(s, path);
    if (Array.isArray(s.expose)) put(s, 'expose', s.expose.map(String));
    this.volumes(s, path);
    for (const k of ['tmpfs', 'dns', 'dns_search']) this.stringList(s, k);
    this.networks(s);
    this.dependsOn(s);
    this.healthcheck(s);
    this.conv(s, 'stop_grace_period', asDuration);
    this.ulimits(s);
    this.extraHosts(s, 'extra_hosts');
    this.devices(s, [...path, 'devices']);
    this.secrets(s, 'secrets', path);
    this.secrets(s, 'configs', path);
    this.loggingOptions(s);
    this.serviceScalars(s);
    if (s.pid === null) delete s.pid;
    if (Array.isArray(s.group_add)) put(s, 'group_add', s.group_add.map(String));
    this.extendsRef(s);
    if (Array.isArray(s.models)) this.set(s, 'models', Object.fromEntries(s.models.map((m) => [String(m), {}])));
    this.blkioConfig(s);
    this.lifecycleHooks(s, path);
    this.developWatch(s, path);
    this.deploy(s);
  }

  /** `build: ./dir` as `{ context: ./dir }`; the context resolved, args and labels as mappings. */
  private build(s: Obj, path: PathSeg[]): void {
    if (typeof s.build === 'string') this.set(s, 'build', { context: s.build });
    if (!isMapping(s.build)) return;
    const b = s.build;
    put(b, 'context', this.context(typeof b.context === 'string' ? b.context : '.'));
    if (b.args !== undefined) {
      const m = this.keyValues(b, 'args', true);
      if (m) this.set(b, 'args', m);
    }
    this.labels(b, 'labels');
    if (b.additional_contexts !== undefined) this.labels(b, 'additional_contexts');
    // Folders resolve as the context does; `docker-image://`, `service:`, URLs stay as written.
    if (isMapping(b.additional_contexts))
      for (const [k, v] of Object.entries(b.additional_contexts))
        if (typeof v === 'string' && !v.startsWith('service:')) put(b.additional_contexts, k, this.context(v));
    if (isMapping(b.ssh))
      this.set(
        b,
        'ssh',
        Object.entries(b.ssh).map(([k, v]) => (v === null || v === '' ? k : `${k}=${text(v)}`)),
      );
    this.convAll(b, ['no_cache', 'pull', 'privileged'], asBool);
    this.conv(b, 'shm_size', asBytes);
    this.extraHosts(b, 'extra_hosts');
    this.secrets(b, 'secrets', [...path, 'build']);
    this.ulimits(b);
  }

  /** `environment` (of a service or a hook) as a mapping. */
  private environment(o: Obj): void {
    if (o.environment === undefined) return;
    const m = this.keyValues(o, 'environment', true);
    if (m) this.set(o, 'environment', m);
  }

  private labelFiles(s: Obj): void {
    if (typeof s.label_file === 'string') this.set(s, 'label_file', [s.label_file]);
    if (Array.isArray(s.label_file))
      put(
        s,
        'label_file',
        s.label_file.map((f) => this.path(String(f))),
      );
  }

  private loggingOptions(s: Obj): void {
    if (!isMapping(s.logging) || !isMapping(s.logging.options)) return;
    const o = s.logging.options;
    for (const [k, v] of Object.entries(o)) if (v !== null) put(o, k, text(v));
  }

  /** Booleans, numbers, sizes and durations written as strings, converted to their types. */
  private serviceScalars(s: Obj): void {
    this.convAll(
      s,
      ['tty', 'stdin_open', 'init', 'privileged', 'read_only', 'oom_kill_disable', 'attach', 'use_api_socket'],
      asBool,
    );
    this.convAll(s, ['scale', 'cpu_count', 'cpu_percent', 'oom_score_adj', 'pids_limit', 'mem_swappiness'], asInt);
    this.convAll(s, ['cpus', 'cpu_shares', 'cpu_quota', 'cpu_period'], asNum);
    this.convAll(s, ['shm_size', 'mem_limit', 'mem_reservation', 'memswap_limit'], asBytes);
    this.convAll(s, ['cpu_rt_period', 'cpu_rt_runtime'], (v) =>
      typeof v === 'string' && /[a-z]$/.test(v) ? asDuration(v) : asNum(v),
    );
  }

  /** `extends: name` as `{ service: name }`, its file resolved. */
  private extendsRef(s: Obj): void {
    if (typeof s.extends === 'string') this.set(s, 'extends', { service: s.extends });
    if (isMapping(s.extends) && typeof s.extends.file === 'string') put(s.extends, 'file', this.path(s.extends.file));
  }

  private blkioConfig(s: Obj): void {
    if (!isMapping(s.blkio_config)) return;
    const b = s.blkio_config;
    this.conv(b, 'weight', asInt);
    for (const k of ['device_read_bps', 'device_write_bps'])
      if (Array.isArray(b[k])) for (const l of b[k] as Obj[]) this.conv(l, 'rate', asBytes);
    for (const k of ['device_read_iops', 'device_write_iops'])
      if (Array.isArray(b[k])) for (const l of b[k] as Obj[]) this.conv(l, 'rate', asInt);
    if (Array.isArray(b.weight_device)) for (const l of b.weight_device as Obj[]) this.conv(l, 'weight', asInt);
  }

  /** `post_start` and `pre_stop`: each hook's command, environment and privileged flag. */
  private lifecycleHooks(s: Obj, path: PathSeg[]): void {
    for (const hook of ['post_start', 'pre_stop']) {
      if (!Array.isArray(s[hook])) continue;
      (s[hook] as Obj[]).forEach((h, i) => {
        this.command(h, 'command', [...path, hook, i]);
        this.environment(h);
        this.conv(h, 'privileged', asBool);
      });
    }
  }

  /** `develop.watch`: each path resolved against the project directory (as compose-go does), its lists and exec normalized. */
  private developWatch(s: Obj, path: PathSeg[]): void {
    if (!isMapping(s.develop) || !Array.isArray(s.develop.watch)) return;
    (s.develop.watch as Obj[]).forEach((w, i) => {
      if (typeof w.path === 'string') put(w, 'path', this.path(w.path));
      this.stringList(w, 'ignore');
      this.stringList(w, 'include');
      this.conv(w, 'initial_sync', asBool);
      if (!isMapping(w.exec)) return;
      this.command(w.exec, 'command', [...path, 'develop', 'watch', i, 'exec']);
      this.environment(w.exec);
      this.conv(w.exec, 'privileged', asBool);
    });
  }

  private envFiles(s: Obj, path: PathSeg[]): void {
    const raw = s.env_file;
    if (raw === undefined) return;
    const list = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : [];
    const out = list.map((e) => {
      if (typeof e === 'string') return { path: this.path(e), required: true };
      const o = e as Obj;
      const r: { path: string; required: boolean; format?: string } = {
        path: this.path(String(o.path)),
        required: o.required === undefined ? true : (asBool(o.required) as boolean),
      };
      if (typeof o.format === 'string') r.format = o.format;
      return r;
    });
    const pos = this.positions.valueAt(s, 'env_file');
    put(s, 'env_file', out);
    if (Array.isArray(raw)) {
      this.positions.setSelf(out, pos);
      out.forEach((_, i) => this.positions.copyEntry(raw, i, out, i));
    }
    this.positions.stamp(out, pos);
    void path;
  }

  private ports(s: Obj, path: PathSeg[]): void {
    const raw = s.ports;
    if (!Array.isArray(raw)) return;
    const out: unknown[] = [];
    this.positions.setSelf(out, this.positions.valueAt(s, 'ports'));
    raw.forEach((item, i) => {
      if (this.ctx.raw && typeof item === 'string' && item.includes('$')) {
        out.push(item);
        this.positions.copyEntry(raw, i, out, out.length - 1);
        return;
      }
      try {
        const ports = isMapping(item) ? [portLong(item)] : parsePortShort(item as string | number);
        for (const port of ports) {
          out.push(port);
          this.positions.copyEntry(raw, i, out, out.length - 1);
          this.positions.stamp(port, this.positions.valueAt(raw, i));
        }
      } catch (e) {
        if (!(e instanceof PortSyntaxError)) throw e;
        this.fail(
          raw,
          i,
          [...path, 'ports', i],
          e.message,
          'write it as [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL], e.g. "8080:80"',
        );
      }
    });
    put(s, 'ports', out);
  }

  private volumes(s: Obj, path: PathSeg[]): void {
    const raw = s.volumes;
    if (!Array.isArray(raw)) return;
    raw.forEach((item, i) => {
      const at = [...path, 'volumes', i];
      if (this.ctx.raw && typeof item === 'string' && item.includes('$')) return;
      if (typeof item === 'string') {
        try {
          const ignored: string[] = [];
          const v = parseVolumeShort(item, this.ctx, ignored);
          const pos = this.positions.valueAt(raw, i);
          for (const option of ignored)
            this.ctx.warnings?.push(
              located(
                pos,
                at,
                `volume option "${option}" ignored, as Docker Compose ignores it (known: ${KNOWN_OPTIONS})`,
              ),
            );
          raw[i] = v;
          this.positions.stamp(v, pos);
        } catch (e) {
          if (!(e instanceof VolumeSyntaxError)) throw e;
          this.fail(
            raw,
            i,
            at,
            e.message,
            'write it as SOURCE:TARGET[:ro], e.g. "./data:/data" or "db-data:/var/lib/db"',
          );
        }
        return;
      }
      const v = item as Obj;
      if (v.type === 'bind' && typeof v.source === 'string') put(v, 'source', this.path(v.source));
      this.conv(v, 'read_only', asBool);
      if (isMapping(v.bind)) this.conv(v.bind, 'create_host_path', asBool);
      if (isMapping(v.volume)) {
        this.conv(v.volume, 'nocopy', asBool);
        this.labels(v.volume, 'labels');
      }
      if (isMapping(v.tmpfs)) {
        this.conv(v.tmpfs, 'size', asBytes);
        this.conv(v.tmpfs, 'mode', asMode);
      }
      if (
        v.type !== 'tmpfs' &&
        v.type !== 'volume' &&
        v.source === undefined &&
        v.type !== 'npipe' &&
        v.type !== 'image'
      ) {
        this.fail(raw, i, at, `a "${String(v.type)}" mount needs a "source"`);
      }
      if (v.target === undefined) this.fail(raw, i, at, 'missing required key "target"');
    });
  }

  private networks(s: Obj): void {
    const raw = s.networks;
    if (Array.isArray(raw)) {
      const out: Obj = {};
      raw.forEach((n, i) => {
        put(out, String(n), null);
        this.positions.setEntry(out, String(n), {
          key: this.positions.valueAt(raw, i)!,
          value: this.positions.valueAt(raw, i)!,
        });
      });
      this.set(s, 'networks', out);
    } else if (isMapping(raw)) {
      for (const v of Object.values(raw)) {
        if (!isMapping(v)) continue;
        this.stringMap(v, 'driver_opts');
        this.conv(v, 'priority', asNum);
        this.conv(v, 'gw_priority', asNum);
      }
    }
  }

  private dependsOn(s: Obj): void {
    const raw = s.depends_on;
    if (raw === undefined) return;
    const out: Obj = {};
    if (Array.isArray(raw)) {
      raw.forEach((n, i) => {
        put(out, String(n), { condition: 'service_started', required: true, restart: false });
        const pos = this.positions.valueAt(raw, i);
        this.positions.setEntry(out, String(n), { key: pos!, value: pos! });
        this.positions.stamp(out[String(n)], pos);
      });
      this.set(s, 'depends_on', out);
      return;
    }
    if (!isMapping(raw)) return;
    for (const [n, d] of Object.entries(raw)) {
      const dd = (isMapping(d) ? d : {}) as Obj;
      const entry: Obj = {
        ...dd,
        condition: dd.condition ?? 'service_started',
        required: dd.required === undefined ? true : asBool(dd.required),
        restart: dd.restart === undefined ? false : asBool(dd.restart),
      };
      put(raw, n, entry);
      this.positions.stamp(entry, this.positions.valueAt(raw, n));
    }
  }

  private healthcheck(s: Obj): void {
    const h = s.healthcheck;
    if (!isMapping(h)) return;
    if (typeof h.test === 'string') this.set(h, 'test', ['CMD-SHELL', h.test]);
    this.convAll(h, ['interval', 'timeout', 'start_period', 'start_interval'], asDuration);
    this.conv(h, 'retries', asInt);
    this.conv(h, 'disable', asBool);
  }

  private ulimits(s: Obj): void {
    const u = s.ulimits;
    if (!isMapping(u)) return;
    for (const [k, v] of Object.entries(u)) {
      if (isMapping(v)) {
        this.conv(v, 'soft', asInt);
        this.conv(v, 'hard', asInt);
      } else {
        const n = asInt(v);
        this.set(u, k, { soft: n, hard: n });
      }
    }
  }

  /** extra_hosts -> ["host:ip", ...], the form the engine takes. */
  private extraHosts(o: Obj, key: string): void {
    const raw = o[key];
    if (raw === undefined) return;
    let out: string[];
    if (Array.isArray(raw)) {
      out = raw.map((e) => {
        const s = String(e);
        const eq = s.indexOf('=');
        return eq > 0 ? `${s.slice(0, eq)}:${s.slice(eq + 1)}` : s;
      });
    } else if (isMapping(raw)) {
      out = Object.entries(raw).flatMap(([h, ip]) => (Array.isArray(ip) ? ip : [ip]).map((x) => `${h}:${String(x)}`));
    } else return;
    this.set(o, key, out);
  }

  private devices(s: Obj, path: PathSeg[]): void {
    const raw = s.devices;
    if (!Array.isArray(raw)) return;
    raw.forEach((d, i) => {
      if (typeof d === 'string') {
        const parts = d.split(':');
        if (parts.length > 3 || parts[0] === '') {
          this.fail(raw, i, [...path, i], `invalid device "${d}": expected SOURCE[:TARGET[:PERMISSIONS]]`);
          return;
        }
        const v: Obj = { source: parts[0], target: parts[1] ?? parts[0], permissions: parts[2] ?? 'rwm' };
        const pos = this.positions.valueAt(raw, i);
        raw[i] = v;
        this.positions.stamp(v, pos);
      } else if (isMapping(d)) {
        d.target ??= d.source;
        d.permissions ??= 'rwm';
      }
    });
  }

  private secrets(s: Obj, key: string, path: PathSeg[]): void {
    const raw = s[key];
    if (!Array.isArray(raw)) return;
    raw.forEach((e, i) => {
      if (typeof e === 'string') {
        const v = { source: e };
        const pos = this.positions.valueAt(raw, i);
        raw[i] = v;
        this.positions.stamp(v, pos);
      } else if (isMapping(e)) {
        this.conv(e, 'mode', asMode);
        this.conv(e, 'uid', asString);
        this.conv(e, 'gid', asString);
      }
    });
    void path;
  }

  private deploy(s: Obj): void {
    const d = s.deploy;
    if (d === null) {
      delete s.deploy;
      return;
    }
    if (!isMapping(d)) return;
    this.conv(d, 'replicas', asInt);
    this.labels(d, 'labels');
    const r = d.resources;
    if (isMapping(r)) {
      for (const k of ['limits', 'reservations']) {
        const l = r[k];
        if (!isMapping(l)) continue;
        this.conv(l, 'cpus', (v) => (typeof v === 'number' ? String(v) : v));
        this.conv(l, 'memory', asBytes);
        this.conv(l, 'pids', asInt);
        if (Array.isArray(l.devices))
          for (const dev of l.devices as Obj[]) this.conv(dev, 'count', (v) => (v === 'all' ? -1 : asInt(v)));
      }
    }
    if (isMapping(d.restart_policy)) {
      this.convAll(d.restart_policy, ['delay', 'window'], asDuration);
      this.conv(d.restart_policy, 'max_attempts', asInt);
    }
    for (const k of ['update_config', 'rollback_config']) {
      const u = d[k];
      if (!isMapping(u)) continue;
      this.conv(u, 'parallelism', asInt);
      this.convAll(u, ['delay', 'monitor'], asDuration);
      this.conv(u, 'max_failure_ratio', asNum);
    }
    if (isMapping(d.placement)) this.conv(d.placement, 'max_replicas_per_node', asInt);
  }
}

export function isUrlContext(p: string): boolean {
  return !isAbsolute(p) && /^[a-z][a-z0-9+.-]*:\/\//i.test(p);
}
