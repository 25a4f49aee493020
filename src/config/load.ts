/**
 * loadProject(): find the stack files, read them, and turn them into a `Project`, or throw a
 * ConfigError carrying every problem found (StackNotFoundError when there is nothing to read).
 *
 * Per file: parse (positions kept) -> interpolate -> validate against the schema -> rewrite to long
 * form -> include -> extends. Then the files merge in order, profiles apply and the result is
 * normalized into the model. The world (cwd, environment, stdin) comes in through the options.
 */
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { canonicalFile } from './canonical.js';
import { discoverFiles } from './discovery.js';
import { DotenvError, parseDotenv, unsetWarning, type DotenvUnset } from './dotenv.js';
import { interpolateTree, type UnsetReference } from './interpolate.js';
import { closest, Issues, located } from './issues.js';
import { cloneTree, mergeMappings } from './merge.js';
import type { Project } from './model.js';
import { isValidProjectName, normalizeProjectName, PROJECT_NAME_RULE } from './names.js';
import { normalizeProject } from './normalize.js';
import { definitionKeyWarnings, engineKeyWarnings, type EngineGatedWarning } from './engine-keys.js';
import { withFileValues } from './file-values.js';
import { withWrittenPaths } from './written-paths.js';
import { isMapping, Positions, put } from './positions.js';
import { swarmImagePlaces, swarmKeyReport, type SwarmImagePlace } from './swarm-keys.js';
import { privilegeNotices, type Locate, type PrivilegeNotice } from './privileges.js';
import { prepareValidator, validateTree } from './schema.js';
import { substitute, TemplateError, type Lookup } from './template.js';
import { decodeText, parseYaml } from './yaml.js';
import { FileReader, type Probe } from './files.js';
import { deepFreeze, environmentOf } from './loaded.js';

export interface LoadOptions {
  /** Working directory (never read from the process inside config/). */
  cwd: string;
  /** The shell environment (never read from the process inside config/). */
  env: Record<string, string | undefined>;
  /** `-f`, repeatable; "-" reads stdin. */
  files?: string[];
  /** `-p`. */
  projectName?: string;
  /** `--project-directory`. */
  projectDirectory?: string;
  /** `--env-file`, repeatable (later files win). */
  envFiles?: string[];
  /** COMPOSE_DISABLE_ENV_FILE: read no env file at all (neither `.env` nor `--env-file`), as Compose. */
  disableEnvFile?: boolean;
  /** `--profile`. */
  profiles?: string[];
  /**
   * Services named on the command line: one disabled by its profiles activates them, as Compose does
   * (`up tool` runs a service of the `debug` profile, and the rest of that profile with it).
   */
  enableServices?: string[];
  /** Default true; false for `config --no-interpolate`. */
  interpolate?: boolean;
  /**
   * Default true; false for `config --no-path-resolution`: relative paths are kept as written in the
   * model (files are still read where they are). A model only `config` prints.
   */
  resolvePaths?: boolean;
  /**
   * Default true; false for `config --no-normalize`: the model without what normalization adds (the
   * implicit `default` network, names made from keys). A model only `config` prints.
   */
  normalize?: boolean;
  /** For `-f -`. */
  readStdin?: () => Promise<string>;
  /** Width of code frames in error reports (the terminal's width at the CLI edge); default 100. */
  frameWidth?: number;
  /**
   * Where the stack goes: `engine` (default) containers on one engine, `swarm` services of
   * `berth stack deploy`, whose translation report (config/swarm-keys.ts) replaces the engine's.
   */
  target?: 'engine' | 'swarm';
}

export interface LoadResult {
  project: Project;
  warnings: string[];
  /** Warnings that hold on an engine older than their API version (config/engine-keys.ts). */
  engineGated?: EngineGatedWarning[];
  /** With `target: 'swarm'`: where each service names its image and build, for the deploy's image checks. */
  swarmImages?: SwarmImagePlace[];
  /**
   * The environment interpolation used: the shell's over the project's .env / --env-file
   * values, plus COMPOSE_PROJECT_NAME (what `config --environment` prints).
   */
  environment: Record<string, string>;
}

type Obj = Record<string, unknown>;

/** Shared state of one load: positions, issues, sources, warnings. */
class Session {
  readonly positions = new Positions();
  /** Every file-system answer of this load, for the cache (config/cache.ts). */
  readonly files = new FileReader();
  readonly sources = new Map<string, string>();
  readonly issues: Issues;
  readonly warnings: string[] = [];
  /** Relative paths as written, by their resolved form (see CanonicalContext.written). */
  readonly written = new Map<string, string>();
  private readonly unset = new Set<string>();
  private versionWarned = false;

  constructor(
    readonly opts: LoadOptions,
    frameWidth: number,
  ) {
    this.issues = new Issues(this.sources, frameWidth);
  }

  get interpolate(): boolean {
    return this.opts.interpolate !== false;
  }

  /** Once per variable, at its first use. */
  warnUnset(refs: UnsetReference[]): void {
    for (const r of refs) {
      if (this.unset.has(r.name)) continue;
      this.unset.add(r.name);
      this.warnings.push(located(r.pos, r.path, `The "${r.name}" variable is not set. Defaulting to a blank string.`));
    }
  }

  warnVersion(file: string): void {
    if (this.versionWarned) return;
    this.versionWarned = true;
    this.warnings.push(
      `${file}: the attribute "version" is obsolete, it will be ignored; remove it to avoid confusion`,
    );
  }

  fail(): never {
    throw new ConfigError(this.issues.list);
  }

  check(): void {
    if (this.issues.count > 0) this.fail();
  }
}

/** Read dotenv files into one record (later files win). Missing explicit files are errors. */
function readEnvFiles(paths: string[], explicit: boolean, shell: Lookup, s: Session): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of paths) {
    if (!s.files.exists(p)) {
      if (explicit) s.issues.add(undefined, '', `env file ${p} not found`, 'check the path given with --env-file', p);
      continue;
    }
    // Not kept for code frames: a frame would print the values on the lines around an error.
    const text = s.files.readText(p);
    try {
      // A variable the shell sets wins over the file's value, whatever that value refers to.
      const onUnset = (u: DotenvUnset): void => {
        if (shell(u.key) === undefined) s.warnings.push(unsetWarning(p, u));
      };
      const vars = parseDotenv(text, { lookup: (n) => shell(n) ?? out[n], onUnset });
      for (const [k, v] of Object.entries(vars)) put(out, k, v);
    } catch (e) {
      if (!(e instanceof DotenvError)) throw e;
      s.issues.add({ file: p, line: e.line, column: e.column }, '', e.message);
    }
  }
  return out;
}

/** The shell first, then each layer in turn. */
function lookupIn(shell: Lookup, ...layers: Record<string, string | undefined>[]): Lookup {
  return (name) => {
    const fromShell = shell(name);
    if (fromShell !== undefined) return fromShell;
    for (const l of layers) {
      if (Object.prototype.hasOwnProperty.call(l, name) && l[name] !== undefined) return l[name];
    }
    return undefined;
  };
}

interface FileContext {
  /** Relative paths in the file resolve against this directory. */
  baseDir: string;
  lookup: Lookup;
}

/** Parse one stack file into its documents (layers, in order); undefined when it has syntax errors. */
function parseTree(file: string, text: string, s: Session): Obj[] | undefined {
  s.sources.set(file, text);
  return parseYaml(text, file, s.positions, s.issues).documents;
}

/** Interpolate, validate and rewrite a parsed file to long form; undefined when it has errors. */
function finishTree(root: Obj, file: string, ctx: FileContext, s: Session): Obj | undefined {
  const before = s.issues.count;
  if (s.interpolate) {
    const r = interpolateTree(root, ctx.lookup, s.positions, s.issues, file);
    s.warnUnset(r.unset);
  }
  if (s.issues.count > before) return undefined;
  if (root.version !== undefined) s.warnVersion(file);
  if (!validateTree(root, file, s.positions, s.issues)) return undefined;
  delete root.version;
  canonicalFile(root, {
    file,
    positions: s.positions,
    issues: s.issues,
    baseDir: ctx.baseDir,
    home: ctx.lookup('HOME'),
    raw: !s.interpolate,
    warnings: s.warnings,
    written: s.written,
  });
  if (s.issues.count > before) return undefined;
  return root;
}

function readStackFile(file: string, s: Session): string | undefined {
  let bytes: Uint8Array;
  try {
    bytes = s.files.read(file);
  } catch (e) {
    s.issues.add(undefined, '', `cannot read the file: ${(e as Error).message}`, undefined, file);
    return undefined;
  }
  return decodeText(bytes, file, s.issues);
}

/**
 * Loads files by path for `extends: {file}` and `include`, each once: parsed, interpolated,
 * validated, long form, includes applied. `extends` is resolved service by service (see
 * Extends), so two files may extend services of each other.
 */
class FileLoader {
  private readonly cache = new Map<string, Obj | undefined>();
  /** The files whose includes are being applied, outermost first: an include of one of them is a cycle. */
  readonly including: string[] = [];
  readonly extends: Extends;
  constructor(private readonly s: Session) {
    this.extends = new Extends(this, s);
  }

  load(file: string, ctx: FileContext): Obj | undefined {
    if (this.cache.has(file)) return this.cache.get(file);
    this.cache.set(file, undefined);
    const text = readStackFile(file, this.s);
    if (text === undefined) return undefined;
    const docs = parseTree(file, text, this.s);
    if (!docs) return undefined;
    let tree: Obj | undefined;
    for (const doc of docs) {
      const layer = finishTree(doc, file, ctx, this.s);
      if (!layer) return undefined;
      applyIncludes(layer, file, ctx, this, this.s);
      tree = tree ? mergeMappings(tree, layer, [], this.s.positions) : layer;
    }
    this.cache.set(file, tree);
    return tree;
  }
}

/** include, then extends, within one file's tree. */
function processTree(root: Obj, file: string, ctx: FileContext, loader: FileLoader, s: Session): void {
  applyIncludes(root, file, ctx, loader, s);
  loader.extends.applyAll(root, file, ctx);
}

/**
 * `extends`, resolved per service and memoized per (file, service): a service's base is resolved
 * first (in its own file, which may be another one, or this one again through another file),
 * then the service's own keys merge over a copy of it. A chain that comes back to a service
 * being resolved is a cycle, reported where its `extends` is written.
 */
class Extends {
  /** Per services mapping (a file's tree; a file read twice is two trees): name -> done. */
  private readonly done = new WeakMap<object, Set<string>>();

  constructor(
    private readonly loader: FileLoader,
    private readonly s: Session,
  ) {}

  applyAll(root: Obj, file: string, ctx: FileContext): void {
    const services = root.services;
    if (!isMapping(services)) return;
    for (const name of Object.keys(services)) this.resolve(services, file, name, ctx, []);
  }

  /** Resolve `services[name]` in place; false when its chain is broken (reported). */
  private resolve(services: Obj, file: string, name: string, ctx: FileContext, chain: ExtendsLink[]): boolean {
    let done = this.done.get(services);
    if (!done) this.done.set(services, (done = new Set()));
    const svc = services[name];
    if (done.has(name) || !isMapping(svc) || !isMapping(svc.extends)) {
      done.add(name);
      return true;
    }
    if (this.reportCycle(svc, file, name, chain)) return false;
    const ext = svc.extends as ExtendsRef;
    const next = [...chain, { file, name }];
    const { base, ok } =
      ext.file !== undefined
        ? this.baseInOtherFile(name, ext, ext.file, ctx, next)
        : this.baseInSameFile(services, file, name, ext, ctx, next);
    done.add(name);
    if (!base || !ok) return false;
    this.mergeOntoBase(services, name, svc, base);
    return true;
  }

  /** True (and reported) when `name` in `file` is already on the chain being resolved. */
  private reportCycle(svc: Obj, file: string, name: string, chain: ExtendsLink[]): boolean {
    const start = chain.findIndex((c) => c.file === file && c.name === name);
    if (start < 0) return false;
    const cycle = [...chain.slice(start), { file, name }];
    const label = (c: ExtendsLink): string => (c.file === cycle[0]!.file ? c.name : `${c.name} (${basename(c.file)})`);
    this.s.issues.add(
      this.s.positions.valueAt(svc, 'extends'),
      ['services', name, 'extends'],
      `circular extends: ${cycle.map(label).join(' -> ')}`,
    );
    return true;
  }

  /** `extends: { file, service }`: the service in that file, itself resolved first. */
  private baseInOtherFile(
    name: string,
    ext: ExtendsRef,
    extFile: string,
    ctx: FileContext,
    next: ExtendsLink[],
  ): ExtendsBase {
    const s = this.s;
    const other = this.loader.load(extFile, { baseDir: dirname(extFile), lookup: ctx.lookup });
    const otherServices = other && isMapping(other.services) ? other.services : undefined;
    if (other && !isMapping(otherServices?.[ext.service])) {
      s.issues.add(
        s.positions.valueAt(ext, 'service'),
        ['services', name, 'extends', 'service'],
        `service "${ext.service}" not found in ${extFile}`,
        hintFor(ext.service, Object.keys(otherServices ?? {})),
      );
      return { base: undefined, ok: true };
    }
    if (!otherServices) return { base: undefined, ok: true };
    const ok = this.resolve(
      otherServices,
      extFile,
      ext.service,
      { baseDir: dirname(extFile), lookup: ctx.lookup },
      next,
    );
    return { base: otherServices[ext.service] as Obj, ok };
  }

  /** `extends: { service }`: a service of the same file, itself resolved first. */
  private baseInSameFile(
    services: Obj,
    file: string,
    name: string,
    ext: ExtendsRef,
    ctx: FileContext,
    next: ExtendsLink[],
  ): ExtendsBase {
    if (!isMapping(services[ext.service])) {
      this.s.issues.add(
        this.s.positions.valueAt(ext, 'service'),
        ['services', name, 'extends', 'service'],
        `cannot extend undefined service "${ext.service}"`,
        hintFor(ext.service, Object.keys(services)),
      );
      return { base: undefined, ok: true };
    }
    const ok = this.resolve(services, file, ext.service, ctx, next);
    return { base: services[ext.service] as Obj, ok };
  }

  /** The service's own keys merged over a copy of its base, positions and tags kept. */
  private mergeOntoBase(services: Obj, name: string, svc: Obj, base: Obj): void {
    const s = this.s;
    const copy = cloneTree(base, s.positions);
    delete copy.extends;
    const own: Obj = { ...svc };
    delete own.extends;
    for (const k of Object.keys(own)) s.positions.copyEntry(svc, k, own, k);
    for (const k of s.positions.resetKeys(svc)) s.positions.markReset(own, k);
    for (const k of Object.keys(own)) if (s.positions.isOverride(svc, k)) s.positions.markOverride(own, k);
    put(services, name, mergeMappings(copy, own, ['services', name], s.positions));
  }
}

interface ExtendsLink {
  file: string;
  name: string;
}

type ExtendsRef = { service: string; file?: string };

/** The service an `extends` names (undefined when missing, reported), and whether its own chain resolved. */
interface ExtendsBase {
  base: Obj | undefined;
  ok: boolean;
}

function hintFor(word: string, candidates: string[]): string | undefined {
  const c = closest(word, candidates);
  return c ? `did you mean "${c}"?` : undefined;
}

const RESOURCE_KINDS = ['services', 'networks', 'volumes', 'secrets', 'configs'] as const;

function applyIncludes(root: Obj, file: string, ctx: FileContext, loader: FileLoader, s: Session): void {
  const includes = root.include;
  delete root.include;
  if (!Array.isArray(includes)) return;
  const fileDir = file === '-' ? ctx.baseDir : dirname(file);
  loader.including.push(file);
  try {
    includes.forEach((inc: { path: string[]; project_directory?: string; env_file?: string[] }, i) =>
      includeOne(root, inc, i, includes, fileDir, ctx, loader, s),
    );
  } finally {
    loader.including.pop();
  }
}

/** One entry of `include`: its files loaded (each with its own includes) and their resources added to `root`. */
function includeOne(
  root: Obj,
  inc: { path: string[]; project_directory?: string; env_file?: string[] },
  i: number,
  includes: unknown[],
  fileDir: string,
  ctx: FileContext,
  loader: FileLoader,
  s: Session,
): void {
  const paths = inc.path.map((p) => (isAbsolute(p) ? p : resolve(fileDir, p)));
  const projectDir = inc.project_directory ? resolve(fileDir, inc.project_directory) : dirname(paths[0]!);
  const envPaths = inc.env_file ? inc.env_file.map((p) => resolve(fileDir, p)) : [join(projectDir, '.env')];
  const dotenv = readEnvFiles(envPaths, inc.env_file !== undefined, ctx.lookup, s);
  const subCtx: FileContext = { baseDir: projectDir, lookup: (n) => ctx.lookup(n) ?? dotenv[n] };
  let merged: Obj | undefined;
  for (const p of paths) {
    if (!s.files.exists(p)) {
      s.issues.add(s.positions.valueAt(includes, i), ['include', i], `included file ${p} not found`);
      continue;
    }
    const start = loader.including.indexOf(p);
    if (start >= 0) {
      const cycle = [...loader.including.slice(start), p];
      // Named from the directory of the outermost file (the project's, as a rule).
      const base = dirname(loader.including[0]!);
      s.issues.add(
        s.positions.valueAt(includes, i),
        ['include', i],
        `include cycle: ${cycle.map((f) => relative(base, f) || f).join(' -> ')}`,
        'a file cannot include itself, directly or through the files it includes: remove one of these includes',
      );
      continue;
    }
    const tree = loader.load(p, subCtx);
    if (!tree) continue;
    loader.extends.applyAll(tree, p, subCtx);
    merged = merged
      ? mergeMappings(merged, cloneTree(tree, s.positions), [], s.positions)
      : cloneTree(tree, s.positions);
  }
  if (!merged) return;
  for (const kind of RESOURCE_KINDS) {
    const incoming = merged[kind];
    if (!isMapping(incoming)) continue;
    if (!isMapping(root[kind])) {
      root[kind] = {};
      s.positions.setSelf(root[kind] as object, s.positions.valueAt(includes, i));
    }
    const target = root[kind] as Obj;
    for (const [name, def] of Object.entries(incoming)) {
      if (Object.prototype.hasOwnProperty.call(target, name)) {
        s.issues.add(
          s.positions.keyAt(target, name),
          [kind, name],
          `${kind.slice(0, -1)} "${name}" is also defined by the included file ${paths.join(', ')}`,
          'rename one of them; included resources cannot be overridden',
        );
        continue;
      }
      put(target, name, def);
      s.positions.copyEntry(incoming, name, target, name);
    }
  }
}

export async function loadProject(opts: LoadOptions): Promise<LoadResult> {
  return (await loadJournaled(opts)).result;
}

/**
 * loadProject, and the elevated privileges of its services, each where a file writes it
 * (config/privileges.ts): what `plan` and `up --dry-run` show. Never through the project cache, which
 * keeps no source positions.
 */
export async function loadProjectWithNotices(opts: LoadOptions): Promise<LoadResult & { notices: PrivilegeNotice[] }> {
  const { result, notices } = await loadJournaled(opts);
  return { ...result, notices };
}

/**
 * loadProject, and the journal of every file-system answer it was built from (config/cache.ts), and
 * the privilege notices (which need the positions, gone once the load returns).
 */
export async function loadJournaled(
  opts: LoadOptions,
): Promise<{ result: LoadResult; journal: Probe[]; dotenv: Record<string, string>; notices: PrivilegeNotice[] }> {
  const s = new Session(opts, opts.frameWidth ?? 100);
  await prepareValidator();
  const { shell, files, projectDir, dotenv, lookup } = locateStack(opts, s);

  // Read every file first: the project name may come from one of them.
  const texts = await readStackTexts(files, opts, s);
  s.check();
  const parsed = parseStackTexts(texts, s);
  s.check();

  const name = projectName(opts, lookup, parsed, projectDir, s);
  s.check();
  const envWithName =
    lookup('COMPOSE_PROJECT_NAME') === undefined ? lookupIn(shell, dotenv, { COMPOSE_PROJECT_NAME: name }) : lookup;
  const ctx: FileContext = { baseDir: projectDir, lookup: envWithName };
  const root = mergedRoot(parsed, files, ctx, s);
  const profiles = withServiceProfiles(activeProfiles(opts, lookup), root, opts.enableServices ?? []);

  const project = normalizeProject({
    root,
    name,
    workingDir: projectDir,
    configFiles: files,
    profiles,
    lookup: envWithName,
    positions: s.positions,
    issues: s.issues,
    warnings: s.warnings,
    sources: s.sources,
    files: s.files,
    raw: !s.interpolate,
    swarm: opts.target === 'swarm',
    normalize: opts.normalize !== false,
  });
  s.check();
  const locate: Locate = (service, path) => s.positions.locate(root, ['services', service, ...path], 'key');
  const notices = privilegeNotices(project.services, (service, path) =>
    s.positions.locate(root, ['services', service, ...path]),
  );
  const engineKeys =
    opts.target === 'swarm' ? swarmKeys(project.services, locate, s) : engineKeyWarnings(project.services, locate);
  if (opts.target !== 'swarm') {
    const definitions = definitionKeyWarnings(project, (path) => s.positions.locate(root, path, 'key'));
    engineKeys.warnings.push(...definitions.warnings);
    engineKeys.gated.push(...definitions.gated);
  }
  const environment = environmentOf(dotenv, opts.env, name);
  const shown = opts.resolvePaths === false ? withWrittenPaths(project, s.written) : project;
  const result: LoadResult = {
    project: deepFreeze(withFileValues(shown, environment)),
    warnings: [...new Set([...s.warnings, ...engineKeys.warnings])],
    environment,
    ...(engineKeys.gated.length > 0 && { engineGated: engineKeys.gated }),
    ...(opts.target === 'swarm' && { swarmImages: swarmImagePlaces(project.services, locate) }),
  };
  return { result, journal: s.files.journal, dotenv, notices };
}

/** The swarm translation report: its errors fail the load (nothing is deployed), its warnings are the load's. */
function swarmKeys(services: Project['services'], locate: Locate, s: Session): { warnings: string[]; gated: [] } {
  const report = swarmKeyReport(services, locate);
  for (const e of report.errors) s.issues.add(e.pos, ['services', e.service, ...e.path], e.message, e.hint);
  s.check();
  return {
    warnings: report.warnings.map((w) => located(w.pos, ['services', w.service, ...w.path], w.message)),
    gated: [],
  };
}

/** Where the stack is: its files, its project directory, and the variables of its `.env` (or --env-file). */
interface StackLocation {
  /** The shell environment, journaled. */
  shell: Lookup;
  files: string[];
  projectDir: string;
  dotenv: Record<string, string>;
  /** The shell over the dotenv variables. */
  lookup: Lookup;
}

function locateStack(opts: LoadOptions, s: Session): StackLocation {
  const cwd = resolve(opts.cwd);
  // Every variable the stack uses is looked up here, and so journaled (the cache keys on them).
  const shell: Lookup = (n) => s.files.variable(opts.env, n);
  const envDir = opts.projectDirectory ? resolve(cwd, opts.projectDirectory) : cwd;
  const explicitEnv = opts.envFiles !== undefined && opts.envFiles.length > 0;
  const envPaths = (dir: string): string[] =>
    opts.disableEnvFile === true ? [] : explicitEnv ? opts.envFiles!.map((f) => resolve(cwd, f)) : [join(dir, '.env')];

  let dotenv = readEnvFiles(envPaths(envDir), explicitEnv, shell, s);
  s.check();
  let lookup = lookupIn(shell, dotenv);

  const found = discoverFiles({
    fs: s.files,
    cwd,
    searchDir: envDir,
    ...(opts.files ? { files: opts.files } : {}),
    ...(lookup('COMPOSE_FILE') ? { composeFile: lookup('COMPOSE_FILE')! } : {}),
    ...(lookup('COMPOSE_PATH_SEPARATOR') ? { pathSeparator: lookup('COMPOSE_PATH_SEPARATOR')! } : {}),
  });
  s.warnings.push(...found.warnings);
  const first = found.files[0]!;
  const projectDir = opts.projectDirectory ? envDir : first === '-' ? cwd : dirname(first);
  if (!explicitEnv && projectDir !== envDir) {
    dotenv = readEnvFiles(envPaths(projectDir), false, shell, s);
    lookup = lookupIn(shell, dotenv);
  }
  return { shell, files: found.files, projectDir, dotenv, lookup };
}

async function readStackTexts(
  files: string[],
  opts: LoadOptions,
  s: Session,
): Promise<{ file: string; text: string }[]> {
  const texts: { file: string; text: string }[] = [];
  for (const file of files) {
    if (file === '-') {
      if (!opts.readStdin) s.issues.add(undefined, '', 'cannot read a stack file from stdin here', undefined, '-');
      else texts.push({ file, text: await opts.readStdin() });
      continue;
    }
    const text = readStackFile(file, s);
    if (text !== undefined) texts.push({ file, text });
  }
  return texts;
}

/** Every document of every file, in order. */
function parseStackTexts(texts: { file: string; text: string }[], s: Session): { file: string; root: Obj }[] {
  const parsed: { file: string; root: Obj }[] = [];
  for (const { file, text } of texts) {
    for (const root of parseTree(file, text, s) ?? []) parsed.push({ file, root });
  }
  return parsed;
}

/** Each document finished (interpolated, validated, long form), its includes and extends applied, then all merged in order. */
function mergedRoot(parsed: { file: string; root: Obj }[], files: string[], ctx: FileContext, s: Session): Obj {
  const loader = new FileLoader(s);
  const trees: Obj[] = [];
  for (const { file, root } of parsed) {
    const tree = finishTree(root, file, ctx, s);
    if (tree) trees.push(tree);
  }
  s.check();
  for (let i = 0; i < trees.length; i++) processTree(trees[i]!, parsed[i]!.file, ctx, loader, s);
  s.check();

  const root = trees[0]!;
  for (const t of trees.slice(1)) mergeMappings(root, t, [], s.positions);
  if (Object.keys(root).length === 0) refuseEmpty(files, s);
  return root;
}

/** The active profiles plus those of each named service that they leave disabled. */
function withServiceProfiles(active: string[], root: Obj, names: string[]): string[] {
  const services = isMapping(root.services) ? root.services : {};
  const out = [...active];
  for (const name of names) {
    const s = services[name];
    const own =
      isMapping(s) && Array.isArray(s.profiles) ? s.profiles.filter((p): p is string => typeof p === 'string') : [];
    if (own.length > 0 && !own.some((p) => out.includes(p))) out.push(...own);
  }
  return out;
}

/** --profile, else COMPOSE_PROFILES (comma-separated). */
function activeProfiles(opts: LoadOptions, lookup: Lookup): string[] {
  return opts.profiles?.length
    ? opts.profiles
    : (lookup('COMPOSE_PROFILES') ?? '')
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p !== '');
}

/**
 * Nothing at all in the stack files (empty, only comments, `{}`, only `version:`): Compose refuses
 * such a stack ("empty compose file"), and so does berth. An empty file next to one that defines
 * something is only an empty layer, as in Compose.
 */
function refuseEmpty(files: string[], s: Session): never {
  const which = files.length === 1 ? 'the stack file' : 'every stack file';
  for (const file of files) {
    s.issues.add(
      undefined,
      '',
      `empty compose file: ${which} defines nothing (no services, networks or volumes)`,
      'add a "services:" mapping with at least one service, or point -f at the right file',
      file,
    );
  }
  s.fail();
}

/** `-p` > COMPOSE_PROJECT_NAME > top-level `name` (last file wins) > the project directory's name. */
function projectName(
  opts: LoadOptions,
  lookup: Lookup,
  files: { file: string; root: Obj }[],
  projectDir: string,
  s: Session,
): string {
  const rule = (value: string): string => `${PROJECT_NAME_RULE}; try "${normalizeProjectName(value)}"`;
  const strict = (value: string, origin: string): string => {
    if (!isValidProjectName(value)) s.issues.add(undefined, '', `invalid project name "${value}"`, rule(value), origin);
    return value;
  };
  if (opts.projectName !== undefined && opts.projectName !== '') return strict(opts.projectName, '--project-name');
  const fromEnv = lookup('COMPOSE_PROJECT_NAME');
  if (fromEnv) return strict(fromEnv, 'COMPOSE_PROJECT_NAME');
  for (let i = files.length - 1; i >= 0; i--) {
    const { root } = files[i]!;
    if (typeof root.name !== 'string') continue;
    let value = root.name;
    if (s.interpolate) {
      try {
        value = substitute(value, lookup).value;
      } catch (e) {
        if (!(e instanceof TemplateError)) throw e;
        // Reported with its location when the file is interpolated.
        continue;
      }
    }
    if (value === '') continue;
    if (!isValidProjectName(value))
      s.issues.add(s.positions.valueAt(root, 'name'), ['name'], `invalid project name "${value}"`, rule(value));
    return value;
  }
  const derived = normalizeProjectName(basename(projectDir));
  if (derived === '') {
    s.issues.add(
      undefined,
      '',
      `cannot derive a project name from the directory ${projectDir}`,
      'set one with -p, COMPOSE_PROJECT_NAME or a top-level "name:"',
      projectDir,
    );
  }
  return derived;
}
