import { UsageError } from '../../errors.js';
import type { Context } from '../context.js';
import { checkServices } from '../flags.js';
import { table } from '../table.js';

/** "1.99MB", as docker prints sizes (powers of 1000). */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let n = bytes;
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(n < 10 ? 2 : n < 100 ? 1 : 0)}${units[i]}`;
}

export default async function images(ctx: Context, services: string[], opts: Record<string, unknown>): Promise<number> {
  const format = typeof opts.format === 'string' ? opts.format : 'table';
  if (format !== 'table' && format !== 'json') throw new UsageError(`--format must be table or json, got "${format}"`);
  const project = await ctx.load({ enableServices: services });
  checkServices(project, services);
  const rt = await ctx.runtime();
  const { projectImages } = await import('../../apply/images.js');
  const list = await projectImages(project, rt, services);
  const present = list.filter((i) => i.image);
  if (opts.quiet === true) {
    for (const id of new Set(present.map((i) => i.image!.id))) ctx.world.stdout.write(`${id}\n`);
    return 0;
  }
  if (format === 'json') {
    const out = present.map((i) => ({
      Service: i.service,
      Image: i.ref,
      ID: i.image!.id,
      Size: i.image!.size,
      Created: i.image!.created,
    }));
    ctx.world.stdout.write(`${JSON.stringify(out)}\n`);
    return 0;
  }
  const rows = present.map((i) => {
    const slash = i.ref.lastIndexOf('/');
    const colon = i.ref.lastIndexOf(':');
    const [repo, tag] = colon > slash ? [i.ref.slice(0, colon), i.ref.slice(colon + 1)] : [i.ref, 'latest'];
    return [i.service, repo, tag, i.image!.id.replace(/^sha256:/, '').slice(0, 12), humanSize(i.image!.size)];
  });
  ctx.world.stdout.write(table(['SERVICE', 'REPOSITORY', 'TAG', 'IMAGE ID', 'SIZE'], rows));
  return 0;
}
