/**
 * `berth volumes [-q] [--format table|json|TEMPLATE] [SERVICE...]`: the volumes labelled with the
 * project, as `docker compose volumes` lists them (docker's volume columns and JSON fields); with
 * services named, only those their running containers mount.
 */
import { UsageError } from '../../errors.js';
import { Label } from '../../plan/labels.js';
import type { VolumeSummary } from '../../runtime/runtime.js';
import type { Context } from '../context.js';
import { table } from '../table.js';
import { lifecycleTarget } from './lifecycle.js';
import { formatTemplate } from './ps.js';

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A volume as docker's formatter shows it in JSON (keys in Go's sorted order; no usage data or cluster info: N/A). */
export function volumeJson(v: VolumeSummary): Record<string, string> {
  return {
    Availability: 'N/A',
    Driver: v.driver,
    Group: 'N/A',
    Labels: Object.entries(v.labels)
      .map(([k, val]) => `${k}=${val}`)
      .sort(byName)
      .join(','),
    Links: 'N/A',
    Mountpoint: v.mountpoint,
    Name: v.name,
    Scope: v.scope ?? 'local',
    Size: 'N/A',
    Status: 'N/A',
  };
}

/** The listing in one of the formats: `table` (DRIVER, VOLUME NAME), `json` (one object a line), or a template. Pure. */
export function formatVolumes(volumes: VolumeSummary[], format: string): string {
  if (format === 'json') return volumes.map((v) => `${JSON.stringify(volumeJson(v))}\n`).join('');
  if (format === 'table')
    return table(
      ['DRIVER', 'VOLUME NAME'],
      volumes.map((v) => [v.driver, v.name]),
    );
  return formatTemplate(format, volumes.map(volumeJson), { Name: 'VOLUME NAME' });
}

export default async function volumes(
  ctx: Context,
  services: string[],
  opts: Record<string, unknown>,
): Promise<number> {
  const format = typeof opts.format === 'string' ? opts.format : 'table';
  if (format !== 'table' && format !== 'json' && !format.includes('{{'))
    throw new UsageError(`--format expects table, json or a template such as "{{.Name}}", got "${format}"`);
  const t = await lifecycleTarget(ctx, services);
  const rt = await ctx.runtime();
  const labels = { [Label.project]: t.projectName };
  const [listed, containers] = await Promise.all([
    rt.listVolumes({ labels }),
    services.length > 0 ? rt.listContainers({ labels }) : Promise.resolve([]),
  ]);
  // As Compose: named services keep only the volumes their (running) containers mount.
  const mounted = new Set(
    containers
      .filter((c) => services.includes(c.labels[Label.service] ?? ''))
      .flatMap((c) => c.volumes.map((v) => v.name)),
  );
  const shown = listed
    .filter((v) => services.length === 0 || mounted.has(v.name))
    .sort((a, b) => byName(a.name, b.name));
  if (opts.quiet === true) {
    for (const v of shown) ctx.world.stdout.write(`${v.name}\n`);
    return 0;
  }
  ctx.world.stdout.write(formatVolumes(shown, format));
  return 0;
}
