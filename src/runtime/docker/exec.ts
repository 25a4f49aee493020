/**
 * Processes berth talks to through a hijacked connection: `exec` (create, start, read the exit code)
 * and `attach` to a container. Output is demultiplexed unless the process has a TTY; the caller's
 * stdin is sent until it ends, then the write side is closed so the process sees end-of-file.
 */
import type { Duplex } from 'node:stream';
import { EngineError } from '../../errors.js';
import type { ExecSpec, ProcessIO } from '../runtime.js';
import { Demuxer, hijack } from './stream.js';
import { pathSegment, type Transport } from './transport.js';

interface Pumped {
  /** Settles when the output has ended (the process exited or the engine closed the stream). */
  ended: Promise<void>;
}

/** Connects a hijacked socket to the caller's streams. */
export function pump(socket: Duplex, io: ProcessIO, tty: boolean): Pumped {
  const demux = new Demuxer();
  const onInput = (chunk: Buffer | string): void => {
    socket.write(chunk);
  };
  const onInputEnd = (): void => {
    socket.end();
  };
  const stdin = io.stdin;
  if (stdin) {
    stdin.on('data', onInput);
    stdin.once('end', onInputEnd);
    stdin.resume();
  }
  const ended = new Promise<void>((resolve, reject) => {
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      if (stdin) {
        stdin.removeListener('data', onInput);
        stdin.removeListener('end', onInputEnd);
        stdin.pause();
      }
      if (err) reject(err);
      else resolve();
    };
    socket.on('data', (chunk: Buffer) => {
      if (tty) {
        io.stdout.write(chunk);
        return;
      }
      for (const f of demux.push(chunk)) (f.stream === 'stderr' ? io.stderr : io.stdout).write(f.data);
    });
    socket.on('end', () => finish());
    socket.on('close', () => finish());
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // The engine may reset the connection once the process is gone: that is the end, not a failure.
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') finish();
      else finish(err);
    });
  });
  return { ended };
}

function followResize(io: ProcessIO, resize: () => Promise<void>): () => void {
  if (!io.terminal) return () => undefined;
  return io.terminal.onResize(() => {
    resize().catch(() => undefined);
  });
}

async function resizeTo(transport: Transport, path: string, io: ProcessIO, operation: string): Promise<void> {
  if (!io.terminal) return;
  const { rows, columns } = io.terminal.size();
  if (!rows || !columns) return;
  await transport.request({ method: 'POST', path, query: { h: rows, w: columns }, operation });
}

export async function execInContainer(
  transport: Transport,
  containerId: string,
  spec: ExecSpec,
  io: ProcessIO,
): Promise<number> {
  const short = containerId.slice(0, 12);
  const attach = spec.detach !== true;
  const created = await transport.json<{ Id: string }>({
    method: 'POST',
    path: `/containers/${pathSegment(containerId)}/exec`,
    body: {
      AttachStdin: attach && io.stdin !== undefined,
      AttachStdout: attach,
      AttachStderr: attach,
      Tty: spec.tty,
      Cmd: spec.command,
      ...(spec.env?.length && { Env: spec.env }),
      ...(spec.user !== undefined && { User: spec.user }),
      ...(spec.workingDir !== undefined && { WorkingDir: spec.workingDir }),
      ...(spec.privileged && { Privileged: true }),
    },
    operation: `exec in container ${short}`,
  });
  const execPath = `/exec/${pathSegment(created.Id)}`;
  if (!attach) {
    await transport.request({
      method: 'POST',
      path: `${execPath}/start`,
      body: { Detach: true, Tty: spec.tty },
      operation: `start exec in container ${short}`,
    });
    return 0;
  }
  const socket = await hijack(transport, {
    method: 'POST',
    path: `${execPath}/start`,
    json: { Detach: false, Tty: spec.tty },
    operation: `start exec in container ${short}`,
  });
  const { ended } = pump(socket, io, spec.tty);
  const resize = (): Promise<void> =>
    resizeTo(transport, `${execPath}/resize`, io, `resize exec in container ${short}`);
  const stop = followResize(io, resize);
  await resize().catch(() => undefined);
  try {
    await ended;
  } finally {
    stop();
    socket.destroy();
  }
  // The output can end a moment before the engine records the exit code.
  for (let i = 0; ; i++) {
    const info = await transport.json<{ Running?: boolean; ExitCode?: number | null }>({
      method: 'GET',
      path: `${execPath}/json`,
      operation: `inspect exec in container ${short}`,
    });
    if (!info.Running && typeof info.ExitCode === 'number') return info.ExitCode;
    if (i >= 100)
      throw new EngineError(500, "the command's output ended but it is still running", `exec in container ${short}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function attachToContainer(
  transport: Transport,
  id: string,
  io: ProcessIO,
  options: { tty: boolean; detachKeys?: string },
): Promise<{ ended: Promise<void>; resize(): Promise<void> }> {
  const short = id.slice(0, 12);
  const socket = await hijack(transport, {
    method: 'POST',
    path: `/containers/${pathSegment(id)}/attach`,
    query: {
      stream: true,
      stdin: io.stdin !== undefined,
      stdout: true,
      stderr: true,
      // The engine ends the attachment (not the container) when stdin carries this sequence.
      ...(options.detachKeys !== undefined && { detachKeys: options.detachKeys }),
    },
    operation: `attach to container ${short}`,
  });
  const { ended } = pump(socket, io, options.tty);
  const resize = (): Promise<void> =>
    resizeTo(transport, `/containers/${pathSegment(id)}/resize`, io, `resize container ${short}`);
  const stop = followResize(io, resize);
  return {
    ended: ended.finally(() => {
      stop();
      socket.destroy();
    }),
    resize,
  };
}
