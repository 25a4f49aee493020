/**
 * An engine behind ssh, reached as the docker CLI reaches it (cli/connhelper): each connection is one
 * `ssh [-l user] [-p port] -o ConnectTimeout=30 -T -- host docker system dial-stdio` process, and HTTP
 * goes over its stdin and stdout. The user's ssh config, keys and agent apply as they do for `ssh`
 * itself; ssh runs in a session of its own (no terminal to prompt on), as the docker CLI runs it.
 * When ssh or the remote docker fails, the connection fails with what ssh wrote on stderr.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { ResultPromise } from 'execa';

export interface SshTarget {
  host: string;
  user?: string;
  port?: number;
  /** The engine's socket on the remote host; the remote docker's own default when absent. */
  socketPath?: string;
}

/** The arguments to `ssh`, as the docker CLI builds them (connhelper.go, ssh/ssh.go). */
export function sshArgs(target: SshTarget): string[] {
  const args: string[] = [];
  if (target.user !== undefined) args.push('-l', target.user);
  if (target.port !== undefined) args.push('-p', String(target.port));
  args.push('-o', 'ConnectTimeout=30', '-T', '--', target.host);
  const remote =
    target.socketPath !== undefined
      ? ['docker', `--host=unix://${target.socketPath}`, 'system', 'dial-stdio']
      : ['docker', 'system', 'dial-stdio'];
  return [...args, ...remote];
}

/** ssh (or the remote `docker`) ended the connection with an error: `stderr` holds what it said. */
export class SshConnectionError extends Error {
  readonly code = 'ESSH';
  constructor(
    readonly exitCode: number | undefined,
    readonly stderr: string,
  ) {
    super(sshFailureText(exitCode, stderr));
  }
}

/**
 * The line to quote from ssh's stderr: its last one, which is where ssh and a remote shell say what
 * went wrong ("ssh: connect to host h port 22: Connection refused", "Host key verification failed.",
 * "bash: line 1: docker: command not found"). Pure.
 */
export function sshFailureText(exitCode: number | undefined, stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^Warning: Permanently added /.test(l));
  const last = lines[lines.length - 1];
  if (last !== undefined) return last;
  return exitCode === undefined ? 'ssh ended the connection' : `ssh exited with code ${exitCode}`;
}

/** At most this many ssh processes still connecting at once: sshd drops new ones beyond `MaxStartups` (10). */
const MAX_DIALS = 4;
/** Only the last bytes of stderr are kept, as the docker CLI keeps them. */
const STDERR_LIMIT = 4096;

/** Hands out dial slots in order; a slot is given back once the connection carries data, or ends. */
class DialGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  acquire(): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = (): void => {
        this.active++;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.active--;
          this.waiting.shift()?.();
        });
      };
      if (this.active < MAX_DIALS) grant();
      else this.waiting.push(grant);
    });
  }
}

const SSH_OPTIONS = {
  stdin: 'pipe',
  stdout: 'pipe',
  stderr: 'pipe',
  buffer: false,
  reject: false,
  detached: true,
  stripFinalNewline: false,
} as const;

type SshProcess = ResultPromise<typeof SSH_OPTIONS>;

const gate = new DialGate();
const live = new Set<SshProcess>();
let exitHookInstalled = false;

/** ssh runs detached (a session of its own), so it is not killed with berth's process group: end it here. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGTERM');
  });
}

/**
 * One connection: a Duplex over an ssh process's stdin and stdout, with the few `net.Socket` methods
 * Node's HTTP client and agent call. Ending the writable side closes ssh's stdin (a half-close, which
 * `dial-stdio` passes on to the engine); the readable side ends when ssh does.
 */
export class SshConnection extends Duplex {
  private child: SshProcess | undefined;
  private readonly ready: Promise<void>;
  private stderr = '';
  private refed = true;
  private releaseDial: (() => void) | undefined;

  constructor(private readonly target: SshTarget) {
    super({ allowHalfOpen: true });
    this.ready = this.start();
    this.ready.catch((err: unknown) => this.destroy(err instanceof Error ? err : new Error(String(err))));
    // Like a net.Socket that does not allow half-open connections: once the engine's side has ended, so has this.
    this.once('end', () => this.destroy());
  }

  private async start(): Promise<void> {
    const release = await gate.acquire();
    this.releaseDial = release;
    if (this.destroyed) {
      release();
      return;
    }
    const { execa } = await import('execa');
    const child = execa('ssh', sshArgs(this.target), SSH_OPTIONS);
    this.child = child;
    live.add(child);
    installExitHook();
    this.wire(child);
    if (!this.refed) this.unref();
  }

  private wire(child: SshProcess): void {
    child.stdout.on('data', (chunk: Buffer) => {
      this.releaseDial?.();
      if (!this.push(chunk)) child.stdout.pause();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-STDERR_LIMIT);
    });
    // A write after ssh is gone: the exit below says why.
    child.stdin.on('error', () => undefined);
    void child.then((result) => {
      live.delete(child);
      this.releaseDial?.();
      const failed = result.failed && !this.destroyed;
      // Everything ssh wrote has been read once the process has ended and its stdout has closed.
      if (failed) this.destroy(new SshConnectionError(result.exitCode, this.stderr));
      else this.push(null);
    });
  }

  override _read(): void {
    this.child?.stdout.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.ready.then(
      () => {
        if (!this.child) callback(new Error('the ssh connection is closed'));
        // A write fails only once ssh is going (EPIPE): its exit, just after, says why in ssh's words.
        else this.child.stdin.write(chunk, () => callback());
      },
      (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
    );
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.ready.then(
      () => {
        this.child?.stdin.end();
        callback();
      },
      () => callback(),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.releaseDial?.();
    const child = this.child;
    if (child && child.exitCode === null) {
      child.stdin.destroy();
      child.kill('SIGTERM');
    }
    callback(error);
  }

  // What Node's HTTP client and agent call on a socket; the pipes to ssh have no such settings.
  setKeepAlive(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setTimeout(_ms: number, onTimeout?: () => void): this {
    if (onTimeout) this.once('timeout', onTimeout);
    return this;
  }

  /** An idle pooled connection must not keep berth running. */
  unref(): this {
    this.refed = false;
    const child = this.child;
    if (child) {
      child.unref();
      for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as Socket).unref();
    }
    return this;
  }

  ref(): this {
    this.refed = true;
    const child = this.child;
    if (child) {
      child.ref();
      for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as Socket).ref();
    }
    return this;
  }
}

/** An HTTP agent whose every new connection is an ssh process. */
export class SshAgent extends http.Agent {
  constructor(
    private readonly target: SshTarget,
    options: http.AgentOptions,
  ) {
    super(options);
  }

  override createConnection(): Duplex {
    return new SshConnection(this.target);
  }
}
