/**
 * `berth config`: the resolved stack as Docker Compose's `config` prints it (YAML or JSON), or one
 * of its lists (services, volumes, networks, profiles, images, config hashes, the interpolation
 * environment). Only what the chosen output needs is imported: `-q` loads the stack and nothing more.
 */
import { NoSuchServiceError, UsageError } from '../../errors.js';
import type { Context } from '../context.js';

export interface ConfigOptions {
  format?: string;
  quiet?: boolean;
  services?: boolean;
  volumes?: boolean;
  networks?: boolean;
  profiles?: boolean;
  images?: boolean;
  hash?: string;
  environment?: boolean;
  /** Commander's `--no-interpolate` sets this to false. */
  interpolate?: boolean;
  output?: string;
}

const lines = (xs: Iterable<string>): string => [...xs].map((x) => `${x}\n`).join('');

export default async function config(ctx: Context, _args: string[], raw: Record<string, unknown>): Promise<number> {
  const opts = raw as ConfigOptions;
  const format = opts.format ?? 'yaml';
  if (format !== 'yaml' && format !== 'json') throw new UsageError(`unsupported format "${format}": use yaml or json`);
  const interpolate = opts.interpolate !== false;

  const { project, environment } = await ctx.loadResult(interpolate ? {} : { interpolate: false });
  if (opts.quiet) return 0;

  let text: string;
  if (opts.services) text = lines(Object.keys(project.services).sort());
  else if (opts.volumes) text = lines(Object.keys(project.volumes).sort());
  else if (opts.networks) text = lines(Object.keys(project.networks).sort());
  else if (opts.hash !== undefined && opts.hash !== '') {
    const { configHash } = await import('../../plan/hash.js');
    const wanted =
      opts.hash === '*'
        ? Object.keys(project.services)
        : opts.hash
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== '');
    text = lines(
      wanted.sort().map((name) => {
        const svc = project.services[name];
        if (!svc) throw new NoSuchServiceError(name);
        return `${name} ${configHash(svc)}`;
      }),
    );
  } else if (opts.profiles) {
    const all = [...Object.values(project.services), ...Object.values(project.disabled_services ?? {})];
    text = lines([...new Set(all.flatMap((s) => s.profiles ?? []))].sort());
  } else if (opts.images) {
    const { serviceImage } = await import('../../plan/desired.js');
    text = lines(
      Object.keys(project.services)
        .sort()
        .map((name) => serviceImage(project, project.services[name]!)),
    );
  } else if (opts.environment) {
    text = lines(
      Object.entries(environment)
        .map(([k, v]) => `${k}=${v}`)
        .sort(),
    );
  } else {
    const { renderProject } = await import('../../config/render.js');
    text = renderProject(project, format, { escapeDollars: interpolate });
  }

  if (opts.output !== undefined && opts.output !== '') {
    const [fs, path] = await Promise.all([import('node:fs'), import('node:path')]);
    fs.writeFileSync(path.resolve(ctx.world.cwd, opts.output), text);
  } else {
    ctx.world.stdout.write(text);
  }
  return 0;
}
