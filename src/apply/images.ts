/**
 * The image side of apply: a service's build as a BuildSpec, `berth build` as a plan of builds run by
 * the walker (a build follows the build of the image its Dockerfile starts FROM), pulls and pushes.
 */
import { ApplyError, BerthError, BuildContextError, NotFoundError } from '../errors.js';
import { buildGraph, serviceDependencies, withDependencies } from '../graph/index.js';
import type { Emit, EventStatus, Renderer } from '../progress/events.js';
import { actionId, applyPlan, limitAll } from './apply.js';
import { resolve } from 'node:path';
import type { BuildConfig, Project, ServiceConfig, ServiceSecret } from '../config/model.js';
import { readBuildBases } from '../config/dockerfile.js';
import { located } from '../config/issues.js';
import { locateKey } from '../config/locate-key.js';
import { actionTitle, parsePullPolicy, planBuild, serviceImage, type Action, type UpOptions } from '../plan/index.js';
import type { BuildProgress, BuildSecret, BuildSpec, BuildSsh, ImageSummary, Runtime } from '../runtime/runtime.js';

export type BuildAction = Extract<Action, { kind: 'build-image' }>;

export interface BuildOptions {
  noCache?: boolean;
  /** Always pull newer base images (`build --pull`). */
  pullBase?: boolean;
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
    throw new BuildContextError(`service "${service.name}": remote build contexts (${b.context}) are not supported`, {
      hint: 'clone it and point build.context at the folder',
    });
  }
  refuseSessionKeys(project, service);
  const spec: BuildSpec = {
    service: service.name,
    context: b.context,
    tags: [...new Set([serviceImage(project, service), ...(b.tags ?? [])])],
  };
  const source: BuildSource = { project, build: b, service, options, args: buildArgs(b, options) };
  for (const setField of Object.values(buildFields)) setField(spec, source);
  return spec;
}

/**
 * The build keys that need a BuildKit session service berth does not serve (it serves secrets and SSH
 * agents): the engine's build endpoint alone cannot give them, and a build without them would make a
 * different image (one context instead of several).
 */
const SESSION_KEYS: Record<string, string> = {
  additional_contexts: "the engine's build endpoint takes one context; more reach the build through it",
};

/** A service whose build needs a session is refused, each such key named at its place, before anything is built. */
function refuseSessionKeys(project: Project, service: ServiceConfig): void {
  const b = service.build!;
  const used = Object.keys(SESSION_KEYS).filter((k) => isSet(b[k]));
  if (used.length === 0) return;
  const detail = used.map((k) => {
    const path = ['services', service.name, 'build', k];
    return `  ${located(locateKey(project.config_files, path), path.join('.'), SESSION_KEYS[k]!)}`;
  });
  const keys = used.map((k) => `build.${k}`).join(', ');
  throw new BuildContextError(
    `service "${service.name}" cannot be built: ${keys} need${used.length === 1 ? 's' : ''} a BuildKit session service berth does not serve`,
    {
      detail: detail.join('\n'),
      hint: 'build the image with `docker buildx build` and name it in "image:", or drop the key',
    },
  );
}

function isSet(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (Array.isArray(v)) return v.length > 0;
  return typeof v !== 'object' || Object.keys(v).length > 0;
}

/** What a BuildSpec is made from: the service's build section, the service, the command's options. */
interface BuildSource {
  project: Project;
  build: BuildConfig;
  service: ServiceConfig;
  options: BuildOptions;
  /** The build args with a value (`build.args` under `--build-arg`; no value: from the environment). */
  args: Record<string, string>;
}

function buildArgs(b: BuildConfig, options: BuildOptions): Record<string, string> {
  const env = options.env ?? {};
  const args: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...b.args, ...options.buildArgs })) {
    const value = v ?? env[k];
    if (value !== undefined && value !== null) args[k] = value;
  }
  return args;
}

/** Each build key's part of the BuildSpec, in the order the spec's fields are set. */
const buildFields: Record<string, (spec: BuildSpec, from: BuildSource) => void> = {
  // Only the stack's own labels: each label is one more step (and layer) in the classic builder.
  labels: (spec, { build: b }) => {
    if (b.labels && Object.keys(b.labels).length > 0) spec.labels = { ...b.labels };
  },
  dockerfile: (spec, { build: b }) => {
    if (b.dockerfile_inline !== undefined) spec.dockerfileInline = b.dockerfile_inline;
    else if (b.dockerfile !== undefined) spec.dockerfile = b.dockerfile;
  },
  args: (spec, { args }) => {
    if (Object.keys(args).length > 0) spec.args = args;
  },
  target: (spec, { build: b }) => {
    if (b.target !== undefined) spec.target = b.target;
  },
  cache_from: (spec, { build: b }) => {
    if (b.cache_from?.length) spec.cacheFrom = b.cache_from;
  },
  no_cache: (spec, { build: b, options }) => {
    if (b.no_cache || options.noCache) spec.noCache = true;
  },
  pull: (spec, { build: b, options }) => {
    if (b.pull || options.pullBase) spec.pull = true;
  },
  network: (spec, { build: b }) => {
    if (b.network !== undefined) spec.network = b.network;
  },
  shm_size: (spec, { build: b }) => {
    if (b.shm_size !== undefined) spec.shmSize = b.shm_size;
  },
  extra_hosts: (spec, { build: b }) => {
    if (b.extra_hosts?.length) spec.extraHosts = b.extra_hosts;
  },
  platforms: (spec, { build: b, service }) => {
    if (service.platform !== undefined) spec.platform = service.platform;
    else if (b.platforms?.length === 1) spec.platform = b.platforms[0]!;
  },
  quiet: (spec, { options }) => {
    if (options.quiet) spec.quiet = true;
  },
  ssh: (spec, from) => {
    if (from.build.ssh?.length) spec.ssh = from.build.ssh.map((entry) => buildSsh(entry, from));
  },
  secrets: (spec, from) => {
    if (from.build.secrets?.length) spec.secrets = from.build.secrets.map((s) => buildSecret(s, from));
  },
};

/**
 * An SSH agent to forward, as Compose reads `build.ssh`: `default` is the agent of SSH_AUTH_SOCK;
 * `id=path` names a socket (relative to the project directory).
 */
function buildSsh(entry: string, { project, service, options }: BuildSource): BuildSsh {
  const eq = entry.indexOf('=');
  const id = eq < 0 ? entry : entry.slice(0, eq);
  const path = eq < 0 ? (id === 'default' ? options.env?.['SSH_AUTH_SOCK'] : undefined) : entry.slice(eq + 1);
  if (path === undefined || path === '')
    throw new BuildContextError(
      `service "${service.name}": build.ssh "${id}" names no agent socket${id === 'default' ? ' and SSH_AUTH_SOCK is not set' : ''}`,
      { hint: 'start ssh-agent (it sets SSH_AUTH_SOCK), or write "id=/path/to/agent.sock"' },
    );
  return { id, socket: resolve(project.working_dir, path) };
}

/**
 * A build secret as Compose gives it to BuildKit: its id is the target, else the source; its value the
 * top-level secret's file, environment variable or content. A secret berth cannot give is an error
 * naming it (never its value): the build is not made without it.
 */
function buildSecret(ref: ServiceSecret, { project, service, options }: BuildSource): BuildSecret {
  const id = ref.target ?? ref.source;
  const def = project.secrets?.[ref.source];
  const refuse = (why: string): never => {
    throw new BuildContextError(`service "${service.name}": build secret "${ref.source}" ${why}`);
  };
  if (!def) return refuse('is not defined in the top-level "secrets"');
  if (def.file !== undefined) return { id, file: resolve(project.working_dir, def.file) };
  if (def.content !== undefined) return { id, value: def.content };
  if (def.environment !== undefined) {
    const value = options.env?.[def.environment];
    return value === undefined ? refuse(`reads the variable ${def.environment}, which is not set`) : { id, value };
  }
  return refuse('is external: only the engine of a swarm holds it, and a build cannot read it');
}

/** Runs one build action: the spec prepared for it, output lines as progress. */
export async function executeBuild(
  a: BuildAction,
  rt: Runtime,
  spec: BuildSpec | undefined,
  progress: (p: BuildProgress) => void,
): Promise<string> {
  if (!spec) throw new BuildContextError(`no build prepared for image ${a.target} (service ${a.builds})`);
  return rt.buildImage(spec, progress);
}

/** The BuildSpec of every build action of a plan, keyed by image reference. */
export function buildSpecsFor(
  project: Project,
  actions: readonly Action[],
  options: BuildOptions = {},
): Map<string, BuildSpec> {
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
export async function imageTagTimes(
  project: Project,
  rt: Runtime,
  options: UpOptions,
  present: Record<string, string>,
): Promise<Pick<UpOptions, 'imageTagTimes'>> {
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

/** Turns an emit into a Say for one progress line. */
function sayFor(emit: Emit, id: string, title: string): (status: EventStatus, text: string, detail?: string) => void {
  return (status, text, detail) => emit({ id, title, status, text, ...(detail !== undefined && { detail }) });
}

export interface BuildCommandOptions extends BuildOptions {
  /** Also build the services these depend on (`--with-dependencies`). */
  withDependencies?: boolean;
  parallel: number;
}

/**
 * `berth build`: every selected service with `build:` (all by default), as a plan whose builds follow
 * the builds they start FROM, run by the same walker as `up`. Returns the image id of each built
 * reference; a single failed build throws its own error, several an ApplyError naming each, and what
 * was skipped because of them.
 */
export async function buildServices(
  project: Project,
  rt: Runtime,
  names: string[],
  options: BuildCommandOptions,
  renderer: Renderer,
): Promise<Map<string, string>> {
  const plan = planBuild(project, {
    services: names,
    withDependencies: options.withDependencies === true,
    buildBases: await readBuildBases(project, options.env),
  });
  const emit: Emit = (e) => renderer.event(e);
  renderer.start(plan.actions.map((a) => ({ id: actionId(a), title: actionTitle(a) })));
  const buildSpecs = buildSpecsFor(project, plan.actions, options);
  try {
    await applyPlan(plan, rt, emit, { parallel: options.parallel, buildSpecs });
  } catch (err) {
    const single = err instanceof ApplyError && err.failures.length === 1 && err.skipped.length === 0;
    throw single && err.failures[0]!.error instanceof BerthError ? err.failures[0]!.error : err;
  } finally {
    await renderer.done();
  }
  const built = new Map<string, string>();
  for (const a of plan.actions) {
    const image = await rt.inspectImage(a.target);
    if (image) built.set(a.target, image.id);
  }
  return built;
}

export interface PullCommandOptions {
  ignoreFailures?: boolean;
  includeDeps?: boolean;
  parallel: number;
}

/**
 * `berth pull`: the images of the selected services that name one (`image:`); services that only
 * build are left out. Each reference is pulled once. Returns the references that failed when failures
 * are ignored; throws otherwise.
 */
export async function pullServices(
  project: Project,
  rt: Runtime,
  names: string[],
  options: PullCommandOptions,
  renderer: Renderer,
): Promise<string[]> {
  const graph = buildGraph(
    Object.fromEntries(Object.values(project.services).map((s) => [s.name, serviceDependencies(s)])),
  );
  const selected =
    names.length === 0 ? new Set(graph.nodes) : options.includeDeps ? withDependencies(graph, names) : new Set(names);
  const refs = [
    ...new Set(
      Object.values(project.services)
        .filter((s) => selected.has(s.name) && s.image !== undefined)
        .map((s) => s.image!),
    ),
  ].sort();
  return transferImages(
    refs,
    options.parallel,
    options.ignoreFailures ?? false,
    renderer,
    'Pulling',
    'Pulled',
    (ref, onProgress) => rt.pullImage(ref, onProgress),
  );
}

/** `berth push`: the images of the selected services that have both `build:` and `image:` (as Compose). */
export async function pushServices(
  project: Project,
  rt: Runtime,
  names: string[],
  options: { ignoreFailures?: boolean; parallel: number },
  renderer: Renderer,
): Promise<string[]> {
  const selected = names.length === 0 ? new Set(Object.keys(project.services)) : new Set(names);
  const services = Object.values(project.services).filter((s) => selected.has(s.name) && s.image !== undefined);
  const withBuild = services.filter((s) => s.build);
  const refs = [...new Set((withBuild.length > 0 ? withBuild : services).map((s) => s.image!))].sort();
  return transferImages(
    refs,
    options.parallel,
    options.ignoreFailures ?? false,
    renderer,
    'Pushing',
    'Pushed',
    (ref, onProgress) => rt.pushImage(ref, onProgress),
  );
}

/** Pushes these references (`stack deploy --push`), one progress line each; a failure throws once all have settled. */
export async function pushImages(refs: string[], rt: Runtime, parallel: number, renderer: Renderer): Promise<void> {
  await transferImages(refs, parallel, false, renderer, 'Pushing', 'Pushed', (ref, onProgress) =>
    rt.pushImage(ref, onProgress),
  );
}

async function transferImages(
  refs: string[],
  parallel: number,
  ignoreFailures: boolean,
  renderer: Renderer,
  working: string,
  done: string,
  transfer: (ref: string, onProgress: (p: { status: string; fraction?: number }) => void) => Promise<void>,
): Promise<string[]> {
  const emit: Emit = (e) => renderer.event(e);
  renderer.start(refs.map((r) => ({ id: `image:${r}`, title: `image ${r}` })));
  const failures: { target: string; error: Error }[] = [];
  try {
    await limitAll(refs, parallel, async (ref) => {
      const say = sayFor(emit, `image:${ref}`, `image ${ref}`);
      say('working', working);
      try {
        await transfer(ref, (p) => {
          if (p.fraction !== undefined)
            emit({
              id: `image:${ref}`,
              title: `image ${ref}`,
              status: 'working',
              text: `${working} ${Math.round(p.fraction * 100)}%`,
              progress: p.fraction,
            });
        });
        say('done', done);
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        say(ignoreFailures ? 'warning' : 'failed', ignoreFailures ? 'Skipped' : 'Error', error.message);
        failures.push({ target: `image ${ref}`, error });
      }
    });
  } finally {
    await renderer.done();
  }
  if (failures.length > 0 && !ignoreFailures)
    throw failures.length === 1 && failures[0]!.error instanceof BerthError
      ? failures[0]!.error
      : new ApplyError(failures);
  return failures.map((f) => f.target.slice('image '.length));
}

export interface ProjectImage {
  service: string;
  ref: string;
  /** Absent: not present locally. */
  image?: ImageSummary;
  /** The service names no image of its own: berth makes `<project>-<service>` by building. */
  local: boolean;
}

/** The image of each selected service (all by default), as present locally. */
export async function projectImages(project: Project, rt: Runtime, names: string[] = []): Promise<ProjectImage[]> {
  const services = Object.values(project.services)
    .filter((s) => names.length === 0 || names.includes(s.name))
    .sort((a, b) => a.name.localeCompare(b.name));
  return Promise.all(
    services.map(async (s) => {
      const ref = serviceImage(project, s);
      const image = await rt.inspectImage(ref);
      const out: ProjectImage = { service: s.name, ref, local: s.image === undefined };
      if (image) out.image = image;
      return out;
    }),
  );
}

/**
 * `down --rmi local|all`: removes the images of the project's services (`local`: only those berth
 * named itself, `<project>-<service>`); images that are gone already, or still used by a container
 * of another project, are reported, not fatal. Returns the references removed.
 */
export async function removeProjectImages(
  project: Project,
  rt: Runtime,
  mode: 'local' | 'all',
  emit: Emit,
): Promise<string[]> {
  const images = await projectImages(project, rt);
  const refs = [...new Set(images.filter((i) => i.image && (mode === 'all' || i.local)).map((i) => i.ref))].sort();
  const removed: string[] = [];
  for (const ref of refs) {
    const say = sayFor(emit, `image:${ref}`, `image ${ref}`);
    say('working', 'Removing');
    try {
      await rt.removeImage(ref);
      removed.push(ref);
      say('done', 'Removed');
    } catch (err) {
      if (err instanceof NotFoundError) {
        say('done', 'Removed', 'already gone');
        continue;
      }
      say('warning', 'Kept', err instanceof Error ? err.message : String(err));
    }
  }
  return removed;
}
