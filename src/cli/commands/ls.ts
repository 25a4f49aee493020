import { Label } from '../../plan/labels.js';
import type { ContainerSummary } from '../../runtime/runtime.js';
import { UsageError } from '../../errors.js';
import type { Context } from '../context.js';
import { table } from '../table.js';

export interface ProjectRow {
  Name: string;
  Status: string;
  ConfigFiles: string;
}

/** Every Compose project on the engine, by the project label of its containers. Pure. */
export function projectRows(containers: ContainerSummary[], all: boolean): ProjectRow[] {
  const byProject = new Map<string, ContainerSummary[]>();
  for (const c of containers) {
    const p = c.labels[Label.project];
    if (p) byProject.set(p, [...(byProject.get(p) ?? []), c]);
  }
  const rows: ProjectRow[] = [];
  for (const [name, cs] of [...byProject].sort(([a], [b]) => a.localeCompare(b))) {
    const counts = new Map<string, number>();
    for (const c of cs) counts.set(c.state, (counts.get(c.state) ?? 0) + 1);
    if (!all && !counts.has('running')) continue;
    const status = [...counts]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([s, n]) => `${s}(${n})`)
      .join(', ');
    const files = [...new Set(cs.map((c) => c.labels[Label.configFiles] ?? '').filter(Boolean))].join(',');
    rows.push({ Name: name, Status: status, ConfigFiles: files });
  }
  return rows;
}

/** `berth ls [-a] [-q] [--format table|json] [--filter name=X]` */
export default async function ls(ctx: Context, _args: string[], opts: Record<string, unknown>): Promise<number> {
  const format = typeof opts.format === 'string' ? opts.format : 'table';
  if (format !== 'table' && format !== 'json') throw new UsageError(`--format expects table or json, got "${format}"`);
  const filters = Array.isArray(opts.filter) ? (opts.filter as string[]) : [];
  const names: string[] = [];
  for (const f of filters) {
    const m = /^name=(.+)$/.exec(f);
    if (!m) throw new UsageError(`--filter supports name=NAME, got "${f}"`);
    names.push(m[1]!);
  }
  const rt = await ctx.runtime();
  const containers = await rt.listContainers({ all: true, labels: { [Label.project]: true } });
  const rows = projectRows(containers, opts.all === true).filter(
    (r) => names.length === 0 || names.some((n) => r.Name.includes(n)),
  );
  const out = ctx.world.stdout;
  if (opts.quiet) for (const r of rows) out.write(`${r.Name}\n`);
  else if (format === 'json') out.write(`${JSON.stringify(rows)}\n`);
  else
    out.write(
      table(
        ['NAME', 'STATUS', 'CONFIG FILES'],
        rows.map((r) => [r.Name, r.Status, r.ConfigFiles]),
      ),
    );
  return 0;
}
