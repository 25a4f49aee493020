import { Label } from '../../plan/labels.js';
import type { ContainerSummary, PublishedPort } from '../../runtime/runtime.js';
import type { Context } from '../context.js';
import { UsageError } from '../../errors.js';
import { checkServices } from '../flags.js';
import { ago, table } from '../table.js';

const STATES = ['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead'];

/** `--status S` (repeatable) and `--filter status=S`: the states asked for; empty: no state filter. */
export function statusFilter(status: unknown, filter: unknown): string[] {
  const out: string[] = [];
  for (const s of Array.isArray(status) ? (status as string[]) : []) out.push(s);
  for (const f of Array.isArray(filter) ? (filter as string[]) : []) {
    const m = /^status=(.*)$/.exec(f);
    if (!m) throw new UsageError(`--filter supports status=STATE, got "${f}"`);
    out.push(m[1]!);
  }
  for (const s of out)
    if (!STATES.includes(s)) throw new UsageError(`unknown status "${s}": use one of ${STATES.join(', ')}`);
  return out;
}

/**
 * `--format` with a Go-template-like text: `{{.Name}}`, `{{.Service}}`, `{{json .Labels}}`, ... over the
 * fields of `ps --format json`; a leading `table ` adds a header row (`headers` names a field's column
 * where its upper-cased name would not). `\t` in the text is a tab.
 */
export function formatTemplate(
  template: string,
  rows: Record<string, unknown>[],
  headers: Record<string, string> = {},
): string {
  const isTable = template.startsWith('table ');
  const body = (isTable ? template.slice(6) : template).replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  const field = /\{\{\s*(json\s+)?\.(\w+)\s*\}\}/g;
  const render = (row: Record<string, unknown>): string =>
    body.replace(field, (_m, json: string | undefined, key: string) => {
      const v = row[key];
      if (json) return JSON.stringify(v ?? null);
      if (typeof v === 'string') return v;
      if (typeof v === 'number' || typeof v === 'boolean') return String(v);
      return v === undefined || v === null ? '' : JSON.stringify(v);
    });
  const lines = rows.map(render);
  if (isTable) {
    const header = body.replace(
      field,
      (_m, _j: string | undefined, key: string) =>
        headers[key] ?? key.replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase(),
    );
    const cells = [header, ...lines].map((l) => l.split('\t'));
    return table(cells[0]!, cells.slice(1));
  }
  return lines.map((l) => `${l}\n`).join('');
}

export default async function ps(ctx: Context, services: string[], opts: Record<string, unknown>): Promise<number> {
  const states = statusFilter(opts.status, opts.filter);
  const format = typeof opts.format === 'string' ? opts.format : 'table';
  if (format !== 'table' && format !== 'json' && !format.includes('{{')) {
    throw new UsageError(`--format expects table, json or a template such as "{{.Name}} {{.Status}}", got "${format}"`);
  }
  const { project, name } = await ctx.loadOrName();
  if (project) checkServices(project, services);
  const rt = await ctx.runtime();
  const all = await rt.listContainers({
    all: opts.all === true || states.length > 0,
    labels: { [Label.project]: name },
  });
  const containers = all
    .filter((c) => services.length === 0 || services.includes(c.labels[Label.service] ?? ''))
    .filter((c) => states.length === 0 || states.includes(c.state))
    .sort((a, b) => a.name.localeCompare(b.name));
  const out = ctx.world.stdout;
  if (opts.services) {
    for (const s of [...new Set(containers.map((c) => c.labels[Label.service] ?? ''))].sort()) out.write(`${s}\n`);
  } else if (opts.quiet) {
    for (const c of containers) out.write(`${c.id}\n`);
  } else if (format === 'json') {
    for (const c of containers) out.write(`${JSON.stringify(psJson(c, name))}\n`);
  } else if (format !== 'table') {
    out.write(
      formatTemplate(
        format,
        containers.map((c) => psJson(c, name)),
      ),
    );
  } else {
    const now = Date.now();
    out.write(
      table(
        ['NAME', 'IMAGE', 'SERVICE', 'CREATED', 'STATUS', 'PORTS'],
        containers.map((c) => [
          c.name,
          c.image,
          c.labels[Label.service] ?? '',
          ago(c.created, now),
          c.status,
          formatPorts(c.ports),
        ]),
      ),
    );
  }
  return 0;
}

function psJson(c: ContainerSummary, project: string): Record<string, unknown> {
  return {
    ID: c.id,
    Name: c.name,
    Image: c.image,
    Project: project,
    Service: c.labels[Label.service] ?? '',
    Created: c.created,
    State: c.state,
    Status: c.status,
    Health: c.health === 'none' ? '' : c.health,
    Labels: c.labels,
    Networks: c.networks,
    Publishers: c.ports.map((p) => ({
      URL: p.hostIp ?? '',
      TargetPort: p.target,
      PublishedPort: p.hostPort ?? 0,
      Protocol: p.protocol,
    })),
    Ports: formatPorts(c.ports),
  };
}

/** `127.0.0.1:8080->80/tcp, 443/tcp`, as Compose shows them. */
export function formatPorts(ports: PublishedPort[]): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const p of [...ports].sort((a, b) => a.target - b.target || (a.hostPort ?? 0) - (b.hostPort ?? 0))) {
    const host = p.hostPort
      ? `${p.hostIp && p.hostIp !== '' ? (p.hostIp.includes(':') ? `[${p.hostIp}]` : p.hostIp) : '0.0.0.0'}:${p.hostPort}->`
      : '';
    const text = `${host}${p.target}/${p.protocol}`;
    if (!seen.has(text)) {
      seen.add(text);
      parts.push(text);
    }
  }
  return parts.join(', ');
}
