/**
 * The image side of apply: a service's build as a BuildSpec, the order builds must run in (a service
 * whose Dockerfile starts `FROM` another service's image is built after it), and running builds in
 * parallel under the same limit as everything else.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { BuildContextError } from '../errors.js';
import type { Project, ServiceConfig } from '../config/model.js';
import { Label, parsePullPolicy, serviceImage, type Action, type UpOptions } from '../plan/index.js';
import type { BuildProgress, BuildSpec, Runtime } from '../runtime/runtime.js';
import { familiarRef } from '../runtime/docker/image-ref.js';

export type BuildAction = Extract<Action, { kind: 'build-image' }>;

export interface BuildOptions {
  noCache?: boolean;
  /** Always pull newer base images. */
  pull?: boolean;
  /** `--build-arg KEY=VALUE` (or `KEY`, taken from the environment). */
  buildArgs?: Record<string, string | null>;
  quiet?: boolean;
  /** For build args without a value. */
  env?: Record<string, string | undefined>;
}

/** The BuildSpec of a service: its image name first, then `build.tags`; args with no value come from `env`. */
export function buildSpecFor(project: Project, service: ServiceConfig, options: BuildOptions = {}): BuildSpec {
  const b = service.build;
  if (!b) throw new BuildContextError(`service "${service.name}" has no build section`);
  if (/^[a-z]+:\/\//i.test(b.context) || b.context.startsWith('git@')) {
    throw new BuildContextError(`service "${service.name}": remote build contexts (${b.context}) are not supported`, { hint: 'clone it and point build.context at the folder' });
  }
  const env = options.env ?? {};
  const args: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...b.args, ...options.buildArgs })) {
    const value = v ?? env[k];
    if (value !== undefined && value !== null) args[k] = value;
  }
  const spec: BuildSpec = {
    service: service.name,
    context: b.context,
    tags: [...new Set([serviceImage(project, service), ...(b.tags ?? [])])],
    labels: { ...b.labels, [Label.project]: project.name, [Label.service]: service.name },
  };
  if (b.dockerfile_inline !== undefined) spec.dockerfileInline = b.dockerfile_inline;
  else if (b.dockerfile !== undefined) spec.dockerfile = b.dockerfile;
  if (Object.keys(args).length > 0) spec.args = args;
  if (b.target !== undefined) spec.target = b.target;
  if (b.cache_from?.length) spec.cacheFrom = b.cache_from;
  if (b.no_cache || options.noCache) spec.noCache = true;
  if (b.pull || options.pull) spec.pull = true;
  if (b.network !== undefined) spec.network = b.network;
  if (b.shm_size !== undefined) spec.shmSize = b.shm_size;
  if (b.extra_hosts?.length) spec.extraHosts = b.extra_hosts;
  if (service.platform !== undefined) spec.platform = service.platform;
  else if (b.platforms?.length === 1) spec.platform = b.platforms[0]!;
  if (options.quiet) spec.quiet = true;
  return spec;
}

/**
 * The images a Dockerfile's stages start from, build args substituted (`ARG` defaults before the first
 * `FROM`, overridden by `args`); stages naming an earlier stage and `scratch` are left out.
 */
export function dockerfileBases(text: string, args: Record<string, string> = {}): string[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split(/\r?\n/)) {
    if (current === '' && /^\s*#/.test(raw)) continue;
    if (/\\\s*$/.test(raw)) {
      current += raw.replace(/\\\s*$/, ' ');
      continue;
    }
    logical.push(current + raw);
    current = '';
  }
  if (current !== '') logical.push(current);

  const vars: Record<string, string> = {};
  const stages = new Set<string>();
  const bases: string[] = [];
  let seenFrom = false;
  const subst = (s: string): string =>
    s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, a: string | undefined, def: string | undefined, b: string | undefined) => {
      const name = (a ?? b)!;
      return args[name] ?? vars[name] ?? def ?? '';
    });
  for (const line of logical) {
    const m = /^\s*(\w+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const instr = m[1]!.toUpperCase();
    const rest = m[2]!.trim();
    if (instr === 'ARG' && !seenFrom) {
      for (const decl of rest.split(/\s+/)) {
        const eq = decl.indexOf('=');
        if (eq > 0) vars[decl.slice(0, eq)] = decl.slice(eq + 1).replace(/^["']|["']$/g, '');
      }
    } else if (instr === 'FROM') {
      seenFrom = true;
      const words = rest.split(/\s+/).filter((w) => !w.startsWith('--'));
      const image = subst(words[0] ?? '');
      const fromStage = stages.has(image.toLowerCase());
      if (words[1]?.toUpperCase() === 'AS' && words[2]) stages.add(words[2].toLowerCase());
      if (image === '' || image === 'scratch' || fromStage) continue;
      bases.push(image);
    }
  }
  return [...new Set(bases)];
}

/** Reads the Dockerfile a build uses (inline text, or the file); undefined when it cannot be read. */
async function dockerfileText(spec: BuildSpec): Promise<string | undefined> {
  if (spec.dockerfileInline !== undefined) return spec.dockerfileInline;
  const path = spec.dockerfile !== undefined && isAbsolute(spec.dockerfile) ? spec.dockerfile : join(spec.context, spec.dockerfile ?? 'Dockerfile');
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined; // the build itself reports the missing Dockerfile
  }
}

/**
 * For each build (by image reference), the other builds it must wait for: those whose image its
 * Dockerfile starts `FROM`.
 */
export async function buildDependencies(specs: Map<string, BuildSpec>): Promise<Map<string, string[]>> {
  const byName = new Map<string, string>();
  for (const [ref, spec] of specs) for (const t of spec.tags) byName.set(familiarRef(t), ref);
  const out = new Map<string, string[]>();
  for (const [ref, spec] of specs) {
    const text = await dockerfileText(spec);
    const bases = text === undefined ? [] : dockerfileBases(text, spec.args);
    const deps = bases.map((b) => byName.get(familiarRef(b))).filter((d): d is string => d !== undefined && d !== ref);
    out.set(ref, [...new Set(deps)]);
  }
  return out;
}

export interface BuildRun {
  failed: { action: BuildAction; error: Error }[];
  /** Builds not started because a build they start FROM failed. */
  skipped: BuildAction[];
}

/**
 * Runs builds in dependency order, at most `limit` at once. A failed build fails nothing else but the
 * builds that start FROM its image, which are skipped.
 */
export async function runBuilds(
  actions: BuildAction[],
  specs: Map<string, BuildSpec>,
  limit: number,
  run: (a: BuildAction) => Promise<void>,
): Promise<BuildRun> {
  const deps = await buildDependencies(specs);
  const byRef = new Map(actions.map((a) => [a.target, a]));
  const failed: { action: BuildAction; error: Error }[] = [];
  const skipped: BuildAction[] = [];
  const state = new Map<string, 'waiting' | 'running' | 'done' | 'failed'>(actions.map((a) => [a.target, 'waiting']));
  let running = 0;
  const max = Math.max(1, limit);

  await new Promise<void>((resolve) => {
    const pump = (): void => {
      let again = true;
      while (again) {
        again = false;
        for (const a of actions) {
          if (state.get(a.target) !== 'waiting') continue;
          const mine = (deps.get(a.target) ?? []).filter((d) => byRef.has(d));
          if (mine.some((d) => state.get(d) === 'failed')) {
            state.set(a.target, 'failed');
            skipped.push(a);
            again = true;
          }
        }
      }
      for (const a of actions) {
        if (state.get(a.target) !== 'waiting') continue;
        const mine = (deps.get(a.target) ?? []).filter((d) => byRef.has(d));
        if (running >= max || !mine.every((d) => state.get(d) === 'done')) continue;
        state.set(a.target, 'running');
        running++;
        run(a).then(
          () => {
            state.set(a.target, 'done');
            running--;
            pump();
          },
          (err: unknown) => {
            failed.push({ action: a, error: err instanceof Error ? err : new Error(String(err)) });
            state.set(a.target, 'failed');
            running--;
            pump();
          },
        );
      }
      if (running === 0) resolve();
    };
    pump();
  });
  // Builds left waiting start FROM each other in a circle.
  for (const a of actions) {
    if (state.get(a.target) !== 'waiting') continue;
    const error = new BuildContextError(`cannot order the build of service "${a.builds}": its Dockerfile starts FROM an image built from it (${(deps.get(a.target) ?? []).join(', ')})`);
    failed.push({ action: a, error });
  }
  return { failed, skipped };
}

/** Runs one build action: the spec prepared for it, output lines as progress. */
export async function executeBuild(a: BuildAction, rt: Runtime, spec: BuildSpec | undefined, progress: (p: BuildProgress) => void): Promise<string> {
  if (!spec) throw new BuildContextError(`no build prepared for image ${a.target} (service ${a.builds})`);
  return rt.buildImage(spec, progress);
}

/** The BuildSpec of every build action of a plan, keyed by image reference. */
export function buildSpecsFor(project: Project, actions: readonly Action[], options: BuildOptions = {}): Map<string, BuildSpec> {
  const out = new Map<string, BuildSpec>();
  for (const a of actions) {
    if (a.kind !== 'build-image') continue;
    const service = project.services[a.builds];
    if (service) out.set(a.target, buildSpecFor(project, service, options));
  }
  return out;
}

/**
 * For services with a periodic pull policy (`daily`, `weekly`, `every_<d>`), when their image was last
 * tagged locally: what the planner compares with `now`. Other policies need no inspect.
 */
export async function imageTagTimes(project: Project, rt: Runtime, options: UpOptions, present: Record<string, string>): Promise<Pick<UpOptions, 'imageTagTimes'>> {
  const refs = new Set<string>();
  for (const s of Object.values(project.services)) {
    const policy = parsePullPolicy(options.pull ?? s.pull_policy ?? 'missing');
    const ref = serviceImage(project, s);
    if (policy?.kind === 'every' && present[ref] !== undefined) refs.add(ref);
  }
  if (refs.size === 0) return {};
  const out: Record<string, number> = {};
  for (const ref of refs) {
    const img = await rt.inspectImage(ref);
    if (img?.lastTagTime !== undefined) out[ref] = img.lastTagTime;
  }
  return { imageTagTimes: out };
}
