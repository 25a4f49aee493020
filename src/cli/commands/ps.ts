import { Label } from '../../plan/labels.js';
import type { ContainerSummary, PublishedPort } from '../../runtime/runtime.js';
import type { Context } from '../context.js';
import { checkServices } from '../flags.js';
import { ago, table } from '../table.js';

export default async function ps(ctx: Context, services: string[], opts: Record<string, unknown>): Promise<number> {
  const { project, name } = await ctx.loadOrName();
  if (project) checkServices(project, services);
  const rt = await ctx.runtime();
  const all = await rt.listContainers({ all: opts.all === true, labels: { [Label.project]: name } });
  const containers = all
    .filter((c) => services.length === 0 || services.includes(c.labels[Label.service] ?? ''))
    .sort((a, b) => a.name.localeCompare(b.name));
  const out = ctx.world.stdout;
  if (opts.services) {
    for (const s of [...new Set(containers.map((c) => c.labels[Label.service] ?? ''))].sort()) out.write(`${s}\n`);
  } else if (opts.quiet) {
    for (const c of containers) out.write(`${c.id}\n`);
  } else if (opts.format === 'json') {
    for (const c of containers) out.write(`${JSON.stringify(psJson(c, name))}\n`);
  } else {
    const now = Date.now();
    out.write(table(
      ['NAME', 'IMAGE', 'SERVICE', 'CREATED', 'STATUS', 'PORTS'],
      containers.map((c) => [c.name, c.image, c.labels[Label.service] ?? '', ago(c.created, now), c.status, formatPorts(c.ports)]),
    ));
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
    Publishers: c.ports.map((p) => ({ URL: p.hostIp ?? '', TargetPort: p.target, PublishedPort: p.hostPort ?? 0, Protocol: p.protocol })),
    Ports: formatPorts(c.ports),
  };
}

/** `127.0.0.1:8080->80/tcp, 443/tcp`, as Compose shows them. */
export function formatPorts(ports: PublishedPort[]): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const p of [...ports].sort((a, b) => a.target - b.target || (a.hostPort ?? 0) - (b.hostPort ?? 0))) {
    const host = p.hostPort ? `${p.hostIp && p.hostIp !== '' ? (p.hostIp.includes(':') ? `[${p.hostIp}]` : p.hostIp) : '0.0.0.0'}:${p.hostPort}->` : '';
    const text = `${host}${p.target}/${p.protocol}`;
    if (!seen.has(text)) { seen.add(text); parts.push(text); }
  }
  return parts.join(', ');
}
