import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { configHash, serviceImage } from '../../plan/index.js';
import type { Context } from '../context.js';

export default async function config(ctx: Context, _args: string[], opts: Record<string, unknown>): Promise<number> {
  const project = await ctx.load(opts.interpolate === false ? { interpolate: false } : {});
  let text: string;
  const lines = (xs: Iterable<string>): string => [...xs].map((x) => `${x}\n`).join('');
  if (opts.services) text = lines(Object.keys(project.services));
  else if (opts.volumes) text = lines(Object.keys(project.volumes));
  else if (opts.networks) text = lines(Object.keys(project.networks));
  else if (opts.profiles) {
    const all = [...Object.values(project.services), ...Object.values(project.disabled_services ?? {})];
    text = lines([...new Set(all.flatMap((s) => s.profiles ?? []))].sort());
  } else if (opts.images) text = lines(Object.values(project.services).map((s) => serviceImage(project, s)));
  else if (typeof opts.hash === 'string') {
    const wanted = opts.hash === '*' ? Object.keys(project.services) : opts.hash.split(',').map((s) => s.trim());
    text = lines(wanted.filter((s) => project.services[s]).map((s) => `${s} ${configHash(project.services[s]!)}`));
  } else {
    const { renderProject } = await import('../../config/render.js');
    text = renderProject(project, opts.format === 'json' ? 'json' : 'yaml');
  }
  if (opts.quiet) return 0;
  if (typeof opts.output === 'string') await writeFile(resolve(ctx.world.cwd, opts.output), text);
  else ctx.world.stdout.write(text);
  return 0;
}
