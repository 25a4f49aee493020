import { Label } from '../../plan/labels.js';
import type { ContainerSummary, PublishedPort } from '../../runtime/runtime.js';
import type { Context } from '../context.js';
import { UsageError } from '../../errors.js';
import { checkServices, parseBoolFlag } from '../flags.js';
import { ago, table } from '../table.js';

const STATES = ['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead'];

/**
 * `--status S` (repeatable) and `--filter KEY=VAL`: the states asked for; empty: no state filter. Compose
 * knows two filter keys, `status` and `source`, and implements only the first: so does berth.
 */
export function statusFilter(status: unknown, filter: unknown): string[] {
  const out: string[] = [];
  for (const s of Array.isArray(status) ? (status as string[]) : []) out.push(s);
  for (const f of Array.isArray(filter) ? (filter as string[]) : []) {
    const eq = f.indexOf('=');
    if (eq < 0) throw new UsageError(`arguments to --filter should be in form KEY=VAL, got "${f}"`);
    const key = f.slice(0, eq);
    if (key === 'source') throw new UsageError('--filter source=...: not implemented (nor is it in Docker Compose)');
    if (key !== 'status') throw new UsageError(`unknown filter ${key}: ps filters on status=STATE only`);
    out.push(f.slice(eq + 1));
  }
  for (const s of out)
    if (!STATES.includes(s)) throw new UsageError(`unknown status "${s}": use one of ${STATES.join(', ')}`);
  return out;
}

/** docker's `Ellipsis`: at most `width` characters, the last one `…` when cut. */
export function ellipsis(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : `${chars.slice(0, width - 1).join('')}…`;
}

/** The COMMAND cell: quoted as Go's strconv.Quote does, cut at 20 characters unless `--no-trunc`. */
export function commandCell(command: string | undefined, truncate: boolean): string {
  return JSON.stringify(truncate ? ellipsis(command ?? '', 20) : (command ?? ''));
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

interface PsView {
  format: string;
  truncate: boolean;
  project: string;
}

export default async function ps(ctx: Context, services: string[], opts: Record<string, unknown>): Promise<number> {
  const states = statusFilter(opts.status, opts.filter);
  const format = typeof opts.format === 'string' ? opts.format : 'table';
  if (format !== 'table' && format !== 'json' && !format.includes('{{')) {
    throw new UsageError(`--format expects table, json or a template such as "{{.Name}} {{.Status}}", got "${format}"`);
  }
  const orphans = parseBoolFlag(opts.orphans, '--orphans', true);
  const { project, name } = await ctx.loadOrName();
  if (project) checkServices(project, services);
  // `--orphans=false`: only the services the stack declares, as Compose does when none is named.
  const wanted = services.length === 0 && !orphans && project ? Object.keys(project.services) : services;
  const rt = await ctx.runtime();
  const all = await rt.listContainers({
    all: opts.all === true || states.length > 0,
    labels: { [Label.project]: name },
  });
  const containers = all
    .filter((c) => wanted.length === 0 || wanted.includes(c.labels[Label.service] ?? ''))
    .filter((c) => states.length === 0 || states.includes(c.state))
    .sort((a, b) => a.name.localeCompare(b.name));
  const out = ctx.world.stdout;
  if (opts.quiet) {
    for (const c of containers) out.write(`${c.id}\n`);
  } else if (opts.services) {
    for (const s of [...new Set(containers.map((c) => c.labels[Label.service] ?? ''))].sort()) out.write(`${s}\n`);
  } else {
    out.write(psText(containers, { format, truncate: opts.trunc !== false, project: name }));
  }
  return 0;
}

/** The table, the JSON lines or the template text of `ps`. */
function psText(containers: ContainerSummary[], view: PsView): string {
  if (view.format === 'json') return containers.map((c) => `${JSON.stringify(psJson(c, view.project))}\n`).join('');
  if (view.format !== 'table')
    return formatTemplate(
      view.format,
      containers.map((c) => ({
        ...psJson(c, view.project),
        ...(view.truncate && { ID: c.id.slice(0, 12), Command: commandCell(c.commandLine, true) }),
      })),
    );
  const now = Date.now();
  return table(
    ['NAME', 'IMAGE', 'COMMAND', 'SERVICE', 'CREATED', 'STATUS', 'PORTS'],
    containers.map((c) => [
      c.name,
      c.image,
      commandCell(c.commandLine, view.truncate),
      c.labels[Label.service] ?? '',
      ago(c.created, now),
      c.status,
      formatPorts(c.ports),
    ]),
  );
}

function psJson(c: ContainerSummary, project: string): Record<string, unknown> {
  return {
    ID: c.id,
    Name: c.name,
    Image: c.image,
    Command: c.commandLine === undefined ? '' : JSON.stringify(c.commandLine),
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
