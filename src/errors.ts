/**
 * Every error berth raises on purpose, each with a stable `code`. The CLI entry point catches once,
 * prints `error.message` (plus `detail` when present) and exits with `exitCode`; a stack only with --debug.
 */

export abstract class BerthError extends Error {
  abstract readonly code: string;
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number = 1;
  /** Extra lines printed under the message (a code frame, a list of errors). */
  detail?: string;
  /** One line telling the user what to do next. */
  hint?: string;

  constructor(message: string, options?: { cause?: unknown; hint?: string; detail?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    if (options?.hint !== undefined) this.hint = options.hint;
    if (options?.detail !== undefined) this.detail = options.detail;
  }
}

/** One problem in a stack file, located in the user's file. */
export interface ConfigIssue {
  /** Absolute path of the file the value came from (or "-" for stdin). */
  file: string;
  /** 1-based; 0 when unknown. */
  line: number;
  /** 1-based; 0 when unknown. */
  column: number;
  /** Path in the document, e.g. `services.web.ports[0]`. */
  path: string;
  /** What is wrong, in the user's words: "must be a mapping", "unknown key \"imagee\"". */
  message: string;
  /** What to do about it: "did you mean \"image\"?". */
  hint?: string;
  /** A few source lines around the location with a caret, when the source is at hand. */
  frame?: string;
}

/** The stack files are wrong: carries every issue found, not just the first. */
export class ConfigError extends BerthError {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly issues: ConfigIssue[]) {
    super(formatIssuesHeadline(issues));
    this.detail = issues.map(formatIssue).join('\n\n');
  }
}

export function formatIssue(i: ConfigIssue): string {
  const where = i.line > 0 ? `${i.file}:${i.line}:${i.column}` : i.file;
  const lines = [`${where}: ${i.path ? `${i.path}: ` : ''}${i.message}`];
  if (i.frame) lines.push(i.frame);
  if (i.hint) lines.push(`  hint: ${i.hint}`);
  return lines.join('\n');
}

function formatIssuesHeadline(issues: ConfigIssue[]): string {
  if (issues.length === 1) return 'invalid stack file';
  return `invalid stack file (${issues.length} problems)`;
}

/** No stack file was found, or a named file does not exist. */
export class StackNotFoundError extends BerthError {
  readonly code = 'STACK_NOT_FOUND';
}

/** A dependency cycle between services. */
export class DependencyCycleError extends BerthError {
  readonly code = 'DEPENDENCY_CYCLE';
  constructor(readonly cycle: string[]) {
    super(`dependency cycle between services: ${cycle.join(' -> ')}`, {
      hint: 'remove one of these depends_on/links/network_mode/volumes_from references',
    });
  }
}

/** A service name on the command line that the stack does not define. */
export class NoSuchServiceError extends BerthError {
  readonly code = 'NO_SUCH_SERVICE';
  constructor(
    readonly service: string,
    hint?: string,
  ) {
    super(`no such service: ${service}`, hint === undefined ? undefined : { hint });
  }
}

/** A network or volume the stack declares `external` does not exist. */
export class ExternalResourceMissingError extends BerthError {
  readonly code = 'EXTERNAL_MISSING';
}

/** A volume must be recreated (its driver or driver options changed) and the user did not agree to lose its data. */
export class VolumeRecreateRefusedError extends BerthError {
  readonly code = 'VOLUME_RECREATE_REFUSED';
}

/** Bad command-line usage. */
export class UsageError extends BerthError {
  readonly code = 'USAGE';
  override readonly exitCode = 2;
}

/** The engine cannot be reached at all. */
export class EngineUnreachableError extends BerthError {
  readonly code = 'ENGINE_UNREACHABLE';
}

/** The engine answered with an error status. Keeps the engine's own message. */
export class EngineError extends BerthError {
  readonly code: string;
  constructor(
    readonly status: number,
    readonly engineMessage: string,
    readonly operation: string,
  ) {
    super(`${operation}: ${engineMessage}`);
    this.code = engineCode(status);
  }
}

function engineCode(status: number): string {
  switch (status) {
    case 304:
      return 'ENGINE_NOT_MODIFIED';
    case 400:
      return 'ENGINE_BAD_REQUEST';
    case 401:
      return 'ENGINE_UNAUTHORIZED';
    case 403:
      return 'ENGINE_FORBIDDEN';
    case 404:
      return 'ENGINE_NOT_FOUND';
    case 409:
      return 'ENGINE_CONFLICT';
    case 500:
      return 'ENGINE_INTERNAL';
    case 503:
      return 'ENGINE_UNAVAILABLE';
    default:
      return `ENGINE_HTTP_${status}`;
  }
}

export class NotFoundError extends EngineError {}
export class ConflictError extends EngineError {}

/**
 * A start the engine refused because a port it publishes is taken on the host. `plainly` says so in a
 * user's words ("port 127.0.0.1:8080 is already allocated"); the message stays the engine's.
 */
export class PortTakenError extends EngineError {
  constructor(
    status: number,
    engineMessage: string,
    operation: string,
    /** `host:port` as the engine named it. */
    readonly address: string,
    /** `allocated`: another container publishes it; `in use`: another process listens on it. */
    readonly how: 'allocated' | 'in use',
  ) {
    super(status, engineMessage, operation);
  }

  get plainly(): string {
    return `port ${this.address} is already ${this.how}`;
  }
}

/**
 * A container create whose name another container holds. `holder` is that container, as the runtime
 * found it after the conflict (absent: it could not be found, e.g. removed meanwhile).
 */
export class NameConflictError extends ConflictError {
  holder?: ResourceUser;
}

/**
 * A recreate could not finish: the new container could not be created or started. The old one was given
 * back its name (and started again when it ran), so the service runs as before; the message says whether.
 */
export class RecreateError extends BerthError {
  readonly code = 'RECREATE_FAILED';
}

/** A `post_start` or `pre_stop` hook exited non-zero; `detail` holds the last lines it printed. */
export class HookError extends BerthError {
  readonly code = 'HOOK_FAILED';
}

/** Applying a plan failed; carries every failure seen before scheduling stopped. */
export class ApplyError extends BerthError {
  readonly code = 'APPLY_FAILED';
  /**
   * `failures`: what failed, each with its error; `skipped`: what did not run because of them, each
   * with why (listed in the detail after the failures).
   */
  constructor(
    readonly failures: { target: string; error: Error }[],
    readonly skipped: { target: string; error: Error }[] = [],
  ) {
    super(
      failures.length === 1
        ? `${failures[0]!.target}: ${failures[0]!.error.message}`
        : `${failures.length} operations failed`,
    );
    const lines = [
      ...(failures.length > 1 ? failures.map((f) => `  ${f.target}: ${f.error.message}`) : []),
      ...skipped.map((f) => `  skipped ${f.target}: ${f.error.message}`),
    ];
    if (lines.length > 0) this.detail = lines.join('\n');
    const hinted = failures
      .map((f) => f.error)
      .find((e): e is BerthError => e instanceof BerthError && e.hint !== undefined);
    if (hinted) this.hint = hinted.hint;
  }
}

/** Something berth did not expect: a bug. */
export class InternalError extends BerthError {
  readonly code = 'INTERNAL';
  override readonly exitCode = 70;
}

/** An image build failed: names the service and, when the engine said which, the Dockerfile step. */
export class BuildError extends BerthError {
  readonly code = 'BUILD_FAILED';
  constructor(
    readonly service: string,
    readonly step: string | undefined,
    readonly engineMessage: string,
    options?: { cause?: unknown; hint?: string; log?: readonly string[] },
  ) {
    // The failing step's last output lines are part of the message: an `up` that fails reports its
    // failures by their message alone.
    const log = options?.log?.length ? `\n${options.log.map((l) => `  > ${l}`).join('\n')}` : '';
    super(`build of service "${service}" failed${step ? ` at ${step}` : ''}: ${engineMessage}${log}`, options);
  }
}

/** A build context, Dockerfile or .dockerignore that cannot be read or is not allowed. */
export class BuildContextError extends BerthError {
  readonly code = 'BUILD_CONTEXT';
}

/** A registry refused the credentials (or asked for some); never carries the secret. */
export class RegistryAuthError extends BerthError {
  readonly code = 'REGISTRY_AUTH';
}

/** An image a service needs is not present and its pull policy forbids getting it. */
export class ImageMissingError extends BerthError {
  readonly code = 'IMAGE_MISSING';
}

/** A service has no container in the state a command needs (exec into a stopped service, port of a missing replica). */
export class NoContainerError extends BerthError {
  readonly code = 'NO_CONTAINER';
}

/**
 * A container a wait was for (`up --wait`, a `depends_on` condition) is not ready and will not become so:
 * it exited, it keeps restarting, its healthcheck fails, it has none, or the service has no container.
 */
export class ContainerNotReadyError extends BerthError {
  readonly code: string;
  /** The container's own exit code, when it exited. */
  readonly containerExitCode?: number;
  /** The last healthcheck's output, when one ran. */
  readonly healthOutput?: string;
  constructor(
    readonly reason: 'exited' | 'restarting' | 'unhealthy' | 'no-healthcheck' | 'not-running' | 'missing',
    /** The container's name (the service's, when it has none). */
    readonly container: string,
    message: string,
    facts: { exitCode?: number | undefined; healthOutput?: string | undefined },
  ) {
    super(message, {
      hint: reason === 'missing' ? 'see why it was not created above' : `see its output: docker logs ${container}`,
    });
    this.code = `CONTAINER_${reason.toUpperCase().replace(/-/g, '_')}`;
    if (facts.exitCode !== undefined) this.containerExitCode = facts.exitCode;
    if (facts.healthOutput !== undefined) this.healthOutput = facts.healthOutput;
  }
}

/** A container that still uses a network or volume being removed. */
export interface ResourceUser {
  id: string;
  /** Without the leading slash; the id's short form when the engine did not say. */
  name: string;
  labels: Record<string, string>;
}

/**
 * A network or volume still in use: by `users`, or, with none, by containers the engine still counts
 * although they are gone (a stale endpoint count, which only an engine restart clears).
 */
export class ResourceInUseError extends BerthError {
  readonly code = 'RESOURCE_IN_USE';
  constructor(
    readonly kind: 'network' | 'volume',
    readonly resource: string,
    readonly users: ResourceUser[],
    options?: { cause?: unknown },
  ) {
    super(
      users.length === 0
        ? `${kind} ${resource} is still counted as in use by containers that no longer exist`
        : `${kind} ${resource} is still in use by ${users.length === 1 ? 'container' : 'containers'} ${users.map((u) => u.name).join(', ')}`,
      {
        ...options,
        hint:
          users.length === 0
            ? 'a stale count in the engine (dockerd 20.10 can keep one after many containers leave at once); it clears when the engine restarts'
            : `remove ${users.length === 1 ? 'that container' : 'those containers'} or disconnect ${users.length === 1 ? 'it' : 'them'} first`,
      },
    );
  }
}

/** The per-project lock cannot be used (its folder is not private, not writable). */
export class ProjectLockError extends BerthError {
  readonly code = 'PROJECT_LOCK';
}
