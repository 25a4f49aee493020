/**
 * `berth config`: the resolved stack as Docker Compose's `config` prints it (YAML or JSON), or one
 * of its lists (services, volumes, networks, profiles, images, config hashes, the interpolation
 * environment). Only what the chosen output needs is imported: `-q` loads the stack and nothing more.
 */
import { ImageMissingError, NoSuchServiceError, UsageError } from '../../errors.js';
import type { Project } from '../../config/model.js';
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
  /** `--no-normalize` sets this to false. */
  normalize?: boolean;
  /** `--no-path-resolution` sets this to false. */
  pathResolution?: boolean;
  output?: string;
  variables?: boolean;
  resolveImageDigests?: boolean;
  lockImageDigests?: boolean;
}

const lines = (xs: Iterable<string>): string => [...xs].map((x) => `${x}\n`).join('');

export default async function config(ctx: Context, _args: string[], raw: Record<string, unknown>): Promise<number> {
  const opts = raw as ConfigOptions;
  if (opts.variables) return printVariables(ctx, opts);
  const format = opts.format ?? 'yaml';
  if (format !== 'yaml' && format !== 'json') throw new UsageError(`unsupported format "${format}": use yaml or json`);
  const interpolate = opts.interpolate !== false;

  const loaded = await ctx.loadResult({
    ...(!interpolate && { interpolate: false }),
    ...(opts.normalize === false && { normalize: false }),
    ...(opts.pathResolution === false && { resolvePaths: false }),
  });
  if (opts.quiet) return 0;
  const pin = opts.resolveImageDigests === true || opts.lockImageDigests === true;
  const project = pin ? await pinnedProject(ctx, loaded.project) : loaded.project;

  const text =
    (await listText(project, opts)) ??
    (opts.environment ? environmentText(loaded.environment) : await documentText(project, format, opts));
  await writeOut(ctx, opts, text);
  return 0;
}

const environmentText = (environment: Record<string, string>): string =>
  lines(
    Object.entries(environment)
      .map(([k, v]) => `${k}=${v}`)
      .sort(),
  );

/** The stack itself, or with `--lock-image-digests` the override file of its pinned images. */
async function documentText(project: Project, format: 'yaml' | 'json', opts: ConfigOptions): Promise<string> {
  if (opts.lockImageDigests) return (await import('../../config/digests.js')).lockedImages(project, format);
  const { renderProject } = await import('../../config/render.js');
  return renderProject(project, format, { escapeDollars: opts.interpolate !== false });
}

/** `--services`, `--volumes`, `--networks`, `--hash`, `--profiles` or `--images`; undefined: none of them. */
async function listText(project: Project, opts: ConfigOptions): Promise<string | undefined> {
  if (opts.services) return lines(Object.keys(project.services).sort());
  if (opts.volumes) return lines(Object.keys(project.volumes).sort());
  if (opts.networks) return lines(Object.keys(project.networks).sort());
  if (opts.hash !== undefined && opts.hash !== '') return hashes(project, opts.hash);
  if (opts.profiles) {
    const all = [...Object.values(project.services), ...Object.values(project.disabled_services ?? {})];
    return lines([...new Set(all.flatMap((s) => s.profiles ?? []))].sort());
  }
  if (opts.images) {
    const { serviceImage } = await import('../../plan/desired.js');
    return lines(
      Object.keys(project.services)
        .sort()
        .map((name) => serviceImage(project, project.services[name]!)),
    );
  }
  return undefined;
}

async function writeOut(ctx: Context, opts: ConfigOptions, text: string): Promise<void> {
  if (opts.output !== undefined && opts.output !== '') {
    const [fs, path] = await Promise.all([import('node:fs'), import('node:path')]);
    fs.writeFileSync(path.resolve(ctx.world.cwd, opts.output), text);
  } else {
    ctx.world.stdout.write(text);
  }
}

/** `--hash a,b` or `--hash '*'`: one `name hash` line per service, sorted. */
async function hashes(project: Project, hash: string): Promise<string> {
  const { configHash } = await import('../../plan/hash.js');
  const wanted =
    hash === '*'
      ? Object.keys(project.services)
      : hash
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
  return lines(
    wanted.sort().map((name) => {
      const svc = project.services[name];
      if (!svc) throw new NoSuchServiceError(name);
      return `${name} ${configHash(svc)}`;
    }),
  );
}

/** The project with each service's image pinned to the digest its registry reports; one that none reports is an error. */
async function pinnedProject(ctx: Context, project: Project): Promise<Project> {
  const [{ withImagesPinned }, { createSwarmRuntime }] = await Promise.all([
    import('../../config/digests.js'),
    import('../../runtime/index.js'),
  ]);
  // The engine's /distribution endpoint asks the registry; it is the swarm client's, and needs no swarm.
  const registry = createSwarmRuntime({ env: ctx.world.env });
  try {
    const lookup = async (ref: string): Promise<string | undefined> => {
      // With the credentials `docker login` stored, as Compose's digest resolver asks the registry.
      const pinned = await registry.resolveImage(ref, { registryAuth: true });
      return pinned?.slice(pinned.lastIndexOf('@') + 1);
    };
    const { project: pinned, unresolved } = await withImagesPinned(project, lookup);
    if (unresolved.length > 0)
      throw new ImageMissingError(
        `cannot resolve the digest of ${unresolved.join(', ')}: no registry knows the image`,
        {
          hint: 'push the image first, or check the name and your network',
        },
      );
    return pinned;
  } finally {
    registry.close();
  }
}

/** `--variables`: the variables the stack refers to, from its uninterpolated form; a table unless --format says. */
async function printVariables(ctx: Context, opts: ConfigOptions): Promise<number> {
  const format = opts.format ?? 'table';
  if (!['table', 'json', 'yaml'].includes(format))
    throw new UsageError(`unsupported format "${format}": use table, json or yaml`);
  const { project } = await ctx.loadResult({ interpolate: false });
  const v = await import('../../config/variables.js');
  const vars = v.extractVariables(project);
  let text: string;
  if (format === 'json') text = v.variablesJson(vars);
  else if (format === 'yaml') text = v.variablesYaml(vars);
  else {
    const { table } = await import('../table.js');
    text = table(['NAME', 'REQUIRED', 'DEFAULT VALUE', 'ALTERNATE VALUE'], v.variableRows(vars));
  }
  await writeOut(ctx, opts, text);
  return 0;
}
