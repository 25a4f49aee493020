/**
 * How the engine answers a removal, sorted into what the caller must do about it. A removal that meets
 * an object already gone is done; one that meets a removal already under way must wait for it; one that
 * meets an object still in use must find out by whom. Pure: an error in, a verdict out, one test per
 * engine wording (Docker, Podman) in test/unit/runtime/removal.test.ts.
 */
import { EngineError, NotFoundError } from '../../errors.js';

export type RemovalVerdict =
  /** The object is not there (any more): the removal is done. */
  | { kind: 'gone' }
  /** Another removal of the same container is under way: wait until the container is gone. */
  | { kind: 'in-progress' }
  /** Containers still use the network or volume; `ids` are those the engine named (volumes only). */
  | { kind: 'in-use'; ids: string[] }
  /** Anything else: a real failure. */
  | { kind: 'failed' };

// Docker: "removal of container 3f2a… is already in progress".
const IN_PROGRESS = /removal of container \S+ is already in progress/i;
// Docker: "error while removing network: network p_default id 3f2a… has active endpoints";
// Podman: "… has associated containers with it …: network is being used".
const NETWORK_IN_USE = /has active endpoints|network is being used/i;
// Docker: "remove p_data: volume is in use - [3f2a…, 9b1c…]"; Podman: "volume p_data is being used by the
// following container(s): 3f2a…: volume is being used".
const VOLUME_IN_USE = /volume is in use|volume is being used/i;
// Some engines answer a missing object with 500 and words instead of a 404.
const MISSING = /^(no such (container|volume|network)|network \S+ not found)/i;

export function classifyRemoval(err: unknown): RemovalVerdict {
  if (err instanceof NotFoundError) return { kind: 'gone' };
  if (!(err instanceof EngineError)) return { kind: 'failed' };
  const message = err.engineMessage;
  if (IN_PROGRESS.test(message)) return { kind: 'in-progress' };
  if (NETWORK_IN_USE.test(message)) return { kind: 'in-use', ids: [] };
  if (VOLUME_IN_USE.test(message)) return { kind: 'in-use', ids: containerIdsIn(message) };
  if (MISSING.test(message)) return { kind: 'gone' };
  return { kind: 'failed' };
}

/** The container ids a volume-in-use message lists: "[a, b]" (Docker) or "container(s): a, b:" (Podman). */
export function containerIdsIn(message: string): string[] {
  const listed = /\[([^\]]*)\]/.exec(message)?.[1] ?? /container\(s\):\s*([^:]*)/.exec(message)?.[1] ?? '';
  return listed.split(/[\s,]+/).filter((id) => /^[0-9a-f]{12,64}$/.test(id));
}

export interface PollTiming {
  /** Milliseconds since some fixed point. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

/**
 * Calls `step` until it says it is finished or `timeoutMs` has passed, pausing between calls: 50 ms at
 * first, doubling up to 500 ms. Resolves with whether it finished in time.
 */
export async function pollUntil(step: () => Promise<boolean>, timeoutMs: number, timing: PollTiming): Promise<boolean> {
  const deadline = timing.now() + timeoutMs;
  for (let pause = 50; ; pause = Math.min(pause * 2, 500)) {
    if (await step()) return true;
    if (timing.now() >= deadline) return false;
    await timing.sleep(pause);
  }
}
