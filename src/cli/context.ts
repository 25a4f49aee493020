/**
 * What every command needs, built once from the global flags and the world (env, cwd, streams):
 * the stack loader's options, the runtime, the renderer. The world is read here and nowhere deeper.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { StackNotFoundError, UsageError } from '../errors.js';
import type { EngineGatedWarning, LoadOptions, LoadResult, ProjectCache } from '../config/index.js';
import type { Project } from '../config/model.js';
import { DRY_RUN_PREFIX, type Renderer } from '../progress/events.js';
import type { AnsiMode, ProgressMode } from '../progress/index.js';
import type { DryRunWrite } from '../runtime/dry-run.js';
import type { Runtime } from '../runtime/runtime.js';
import { logColors, resolveAnsi } from './ansi.js';

export const VERSION = '0.1.0';

export interface GlobalOptions {
  file?: string[];
  projectName?: string;
  projectDirectory?: string;
  envFile?: string[];
  profile?: string[];
  progress?: ProgressMode;
  parallel?: string;
  debug?: boolean;
  /** `--context`: a docker context, over DOCKER_HOST and DOCKER_CONTEXT, as the docker CLI's flag. */
  context?: string;
  /** `--dry-run` (global, or `up`'s and `down`'s own): the engine is read, never changed. */
  dryRun?: boolean;
  /** `--ansi <mode>`; `false` for the deprecated `--no-ansi`. */
  ansi?: string | false;
}

export interface World {
  env: Record<string, string | undefined>;
  cwd: string;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  /**
   * The running bundle: its id, and the folder for berth's caches when they are on (bin/berth.cjs
   * decides: $XDG_CACHE_HOME/berth or ~/.cache/berth, none with BERTH_NO_CACHE). With a folder,
   * loaded projects are cached in it (config/cache.ts).
   */
  bundle?: {
    build: string;
    cacheRoot?: string | undefined;
    /**
     * Set when this run read the stack's files (no cached project served it): the code it compiled is
     * then the loader's too, and bin/berth.cjs keeps its code cache apart from a leaner run's.
     */
    readStack?: boolean;
  };
}

export class Context {
  private runtimeHandle?: Runtime;
  private runtimePromise?: Promise<Runtime>;
  /** The loaded stack's warnings that hold on an older engine, until `warnForEngine` prints them. */
  private engineGated: EngineGatedWarning[] = [];
  /** A dry run's pretended engine calls, told at the end. */
  private readonly dryRunWrites: DryRunWrite[] = [];
  /** `<project>/<service>` of the one-shot jobs of the loaded stack (others wait for them to complete). */
  private readonly oneShots = new Set<string>();
  private ansiMode?: AnsiMode;
  /** The environment of the loaded stack (the shell over its `.env`): where COMPOSE_* settings are read once loaded. */
  private loadedEnv?: Record<string, string>;

  constructor(
    readonly world: World,
    readonly global: GlobalOptions,
  ) {}

  static from(cmd: Command, world: World): Context {
    return new Context(world, cmd.optsWithGlobals<GlobalOptions>());
  }

  loadOptions(overrides: Partial<LoadOptions> = {}): LoadOptions {
    const g = this.global;
    const opts: LoadOptions = { cwd: this.world.cwd, env: this.world.env, readStdin: () => readAll(this.world.stdin) };
    if (g.file?.length) opts.files = g.file;
    if (g.projectName !== undefined) opts.projectName = g.projectName;
    if (g.projectDirectory !== undefined) opts.projectDirectory = g.projectDirectory;
    const envFiles = g.envFile?.length ? g.envFile : splitList(this.world.env.COMPOSE_ENV_FILES);
    if (envFiles.length) opts.envFiles = envFiles;
    if (isTrue(this.world.env.COMPOSE_DISABLE_ENV_FILE)) opts.disableEnvFile = true;
    if (g.profile?.length) opts.profiles = g.profile;
    return { ...opts, ...overrides };
  }

  async load(overrides: Partial<LoadOptions> = {}): Promise<Project> {
    return (await this.loadResult(overrides)).project;
  }

  /** Loads the stack (through the project cache when there is one) and prints the loader's warnings. */
  async loadResult(overrides: Partial<LoadOptions> = {}): Promise<LoadResult> {
    const cache = this.projectCache();
    const opts = this.loadOptions(overrides);
    // config/cache.js alone on a hit; the loader (YAML, schema) is imported only when a file changed.
    const readStack = (): void => {
      if (this.world.bundle) this.world.bundle.readStack = true;
    };
    const result: LoadResult = cache
      ? await (await import('../config/cache.js')).loadProjectCached(opts, cache, readStack)
      : (readStack(), await (await import('../config/index.js')).loadProject(opts));
    this.printLoadWarnings(result);
    this.loadedEnv = result.environment;
    checkComposeSettings((name) => this.setting(name));
    return result;
  }

  /** A dry run makes a one-shot job read as completed once started, so that waits on it end. */
  private noteOneShots(project: Project): void {
    for (const s of Object.values(project.services))
      for (const [dep, d] of Object.entries(s.depends_on))
        if (d.condition === 'service_completed_successfully') this.oneShots.add(`${project.name}/${dep}`);
  }

  /**
   * A COMPOSE_* setting as Compose reads it: from the shell, else from the project's `.env` (once the
   * stack is loaded; Compose copies the `.env`'s COMPOSE_* variables into its environment at start).
   */
  setting(name: string): string | undefined {
    return this.world.env[name] ?? this.loadedEnv?.[name];
  }

  /** A boolean COMPOSE_* setting (`1`, `t`, `true`, any case, as Go's ParseBool), false when unset. */
  flagSetting(name: string): boolean {
    return isTrue(this.setting(name));
  }

  /** The loader's warnings, now; those that depend on the engine, kept for `warnForEngine`. */
  printLoadWarnings(result: Pick<LoadResult, 'warnings' | 'engineGated'> & { project?: Project }): void {
    for (const w of result.warnings) this.world.stderr.write(`warning: ${w}\n`);
    this.engineGated = result.engineGated ?? [];
    if (result.project) this.noteOneShots(result.project);
  }

  /**
   * The loaded stack's keys this engine's API is too old for, once each, by key, service and
   * file:line; asks the engine its version only when the stack has such a key.
   */
  async warnForEngine(): Promise<void> {
    const gated = this.engineGated;
    this.engineGated = [];
    if (gated.length === 0) return;
    const { warningsForEngine } = await import('../config/index.js');
    const { apiVersion } = await (await this.runtime()).info();
    for (const w of warningsForEngine(gated, apiVersion)) this.world.stderr.write(`warning: ${w}\n`);
  }

  /** `<cache root>/projects`, when the running bundle has a cache folder. */
  private projectCache(): ProjectCache | undefined {
    const bundle = this.world.bundle;
    return bundle?.cacheRoot === undefined
      ? undefined
      : { dir: join(bundle.cacheRoot, 'projects'), build: bundle.build };
  }

  /**
   * The project when a stack file is found; when none is and a name is given (`-p`, COMPOSE_PROJECT_NAME),
   * just the name: `down`, `ps` and friends work from labels alone, as Compose's do.
   */
  async loadOrName(): Promise<{ project?: Project; name: string }> {
    try {
      const project = await this.load();
      return { project, name: project.name };
    } catch (err) {
      const name = this.global.projectName ?? this.world.env.COMPOSE_PROJECT_NAME;
      if (err instanceof StackNotFoundError && name) return { name: name.toLowerCase() };
      throw err;
    }
  }

  /** The environment the engine is found from: the world's, with `--context` over DOCKER_HOST. */
  engineEnv(): World['env'] {
    return engineEnv(this.world.env, this.global.context);
  }

  /** Whether this command only pretends to change the engine (`--dry-run`). */
  get dryRun(): boolean {
    return this.global.dryRun === true;
  }

  /** The engine; in a dry run, behind the runtime that reads it and records what it would have changed. */
  runtime(): Promise<Runtime> {
    this.runtimePromise ??= import('../runtime/index.js').then(async ({ createRuntime }) => {
      const engine = createRuntime({ env: engineEnv(this.world.env, this.global.context) });
      this.runtimeHandle = this.dryRun ? await this.dryRunRuntime(engine) : engine;
      return this.runtimeHandle;
    });
    return this.runtimePromise;
  }

  private async dryRunRuntime(engine: Runtime): Promise<Runtime> {
    const [{ DryRunRuntime }, { Label }] = await Promise.all([
      import('../runtime/dry-run.js'),
      import('../plan/labels.js'),
    ]);
    return new DryRunRuntime(engine, {
      record: (w) => void this.dryRunWrites.push(w),
      runsToCompletion: (labels) => this.oneShots.has(`${labels[Label.project] ?? ''}/${labels[Label.service] ?? ''}`),
    });
  }

  /**
   * Start connecting to the engine (load the client, negotiate the API version) while the stack files
   * are read: the two overlap instead of adding up. Failures surface on the first real call.
   */
  warmEngine(): void {
    this.runtime()
      .then((rt) => rt.connect())
      .catch(() => undefined);
  }

  /**
   * Runs `fn` holding the lock of the project on this engine (apply/lock.ts), waiting for another berth
   * that holds it: commands that change a project take turns.
   */
  async withProjectLock<T>(project: string, fn: () => Promise<T>): Promise<T> {
    const [{ withProjectLock, lockDir, pidIsAlive }, { tmpdir }, rt] = await Promise.all([
      import('../apply/lock.js'),
      import('node:os'),
      this.runtime(),
    ]);
    const isDir = (path: string): boolean => statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
    const world = {
      dir: lockDir(this.world.env, tmpdir(), process.getuid?.(), isDir),
      pid: process.pid,
      isAlive: pidIsAlive,
      onWait: (message: string) => void this.world.stderr.write(`${message}\n`),
    };
    return withProjectLock({ endpoint: rt.endpoint, project }, world, fn);
  }

  /** The progress view: `--progress`, else COMPOSE_PROGRESS, else auto; on stdout with COMPOSE_STATUS_STDOUT. */
  async renderer(): Promise<Renderer> {
    const { createRenderer } = await import('../progress/index.js');
    checkComposeSettings((name) => this.setting(name));
    const out = this.flagSetting('COMPOSE_STATUS_STDOUT') ? this.world.stdout : this.world.stderr;
    return createRenderer(this.progressMode(), out, this.world.env, { ansi: this.ansi(), dryRun: this.dryRun });
  }

  /** `--progress`, else COMPOSE_PROGRESS (the shell's, else the `.env`'s), else auto. */
  progressMode(): ProgressMode {
    const fromEnv = this.setting('COMPOSE_PROGRESS')?.toLowerCase();
    return this.global.progress ?? ((fromEnv || undefined) as ProgressMode | undefined) ?? 'auto';
  }

  /** `--ansi`, COMPOSE_ANSI (the shell's, else the `.env`'s) or `auto`; the deprecated `--no-ansi` is warned about once. */
  ansi(): AnsiMode {
    if (this.ansiMode !== undefined) return this.ansiMode;
    const { mode, deprecated } = resolveAnsi(this.global.ansi, { COMPOSE_ANSI: this.setting('COMPOSE_ANSI') });
    if (deprecated) this.world.stderr.write('warning: --no-ansi is deprecated: use --ansi never\n');
    this.ansiMode = mode;
    return mode;
  }

  /** Colors and escaping of container logs on stdout, by `--ansi`, `--no-color` and NO_COLOR. */
  logColors(noColor: boolean): ReturnType<typeof logColors> {
    return logColors(this.ansi(), this.world.stdout, this.world.env, noColor);
  }

  parallel(): number {
    const text = this.global.parallel ?? this.setting('COMPOSE_PARALLEL_LIMIT');
    if (text === undefined || text === '' || text === '-1') return Infinity;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1)
      throw new UsageError(`--parallel must be a positive integer or -1, got "${text}"`);
    return n;
  }

  close(): void {
    this.reportDryRun();
    this.runtimeHandle?.close();
  }

  /**
   * A dry run ends by listing the engine calls it did not make, on stderr: plain lines, or one JSON object
   * each with `--progress json`; nothing with `--progress quiet`.
   */
  private reportDryRun(): void {
    const writes = this.dryRunWrites.splice(0);
    const progress = this.progressMode();
    if (writes.length === 0 || progress === 'quiet') return;
    const err = this.world.stderr;
    if (progress === 'json') {
      for (const w of writes) err.write(`${JSON.stringify({ 'dry-run': true, call: w.call, text: w.text })}\n`);
      return;
    }
    err.write(`${DRY_RUN_PREFIX}nothing was changed; berth would have asked the engine to:\n`);
    for (const w of writes) err.write(`${DRY_RUN_PREFIX}  ${w.text}\n`);
  }
}

const PROGRESS_MODES = ['auto', 'tty', 'plain', 'json', 'quiet'];
const ANSI_MODES = ['never', 'always', 'auto'];
const BOOLEAN_TEXTS = ['1', 't', 'true', '0', 'f', 'false', ''];

/** Go's strconv.ParseBool, as Compose's StringToBool reads its boolean settings: anything else is false. */
function isTrue(value: string | undefined): boolean {
  return value !== undefined && ['1', 't', 'true'].includes(value.toLowerCase());
}

/** `a.env,b.env` -> the paths; none when unset or empty. */
function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

/** The COMPOSE_* settings berth reads, refused with a clear message when their value means nothing. */
export function checkComposeSettings(setting: (name: string) => string | undefined): void {
  const oneOf = (name: string, allowed: string[]): void => {
    const v = setting(name);
    if (v !== undefined && v !== '' && !allowed.includes(v.toLowerCase()))
      throw new UsageError(`${name}=${v} is not valid: use one of ${allowed.filter((a) => a !== '').join(', ')}`);
  };
  oneOf('COMPOSE_PROGRESS', PROGRESS_MODES);
  oneOf('COMPOSE_ANSI', ANSI_MODES);
  for (const name of ['COMPOSE_IGNORE_ORPHANS', 'COMPOSE_REMOVE_ORPHANS', 'COMPOSE_STATUS_STDOUT'])
    oneOf(name, BOOLEAN_TEXTS);
}

async function readAll(stream: NodeJS.ReadStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** The environment the runtime reads its engine from: `--context` given, it is the context, whatever DOCKER_HOST says. */
function engineEnv(env: World['env'], context: string | undefined): World['env'] {
  if (context === undefined || context.trim() === '') return env;
  return { ...env, DOCKER_HOST: undefined, DOCKER_CONTEXT: context };
}
