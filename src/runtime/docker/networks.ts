/**
 * Creating a network another client may be creating at the same moment. The engine allows several
 * networks of one name (its duplicate check is not atomic), so two `up`s at once that the project lock
 * does not serialize (two machines, Docker Compose and berth) may each create it; this converges them on
 * one. The engine calls and the clock come in, so that the race plays out in a unit test
 * (test/unit/runtime/networks.test.ts).
 */
import { ConflictError } from '../../errors.js';
import type { NetworkSpec, NetworkSummary } from '../runtime.js';
import type { PollTiming } from './removal.js';

/** The engine calls the convergence makes. */
export interface NetworkCalls {
  /** Create one; ConflictError when the engine knows one of that name. */
  create(spec: NetworkSpec): Promise<string>;
  /** The networks of exactly this name. */
  list(name: string): Promise<NetworkSummary[]>;
  remove(id: string): Promise<void>;
}

/** How long the creator of the oldest network waits for the newer ones to go. */
const OTHERS_GONE_MS = 5000;

/**
 * Create a network. Two `up`s at once may both create it (the engine allows several networks of one
 * name): whoever sees more than one keeps the oldest and removes its own newer one, so both converge on
 * the same network. The maker of the oldest waits a while for the others to go, and removes its own
 * when they stay (their makers never saw it).
 */
export async function ensureNetwork(calls: NetworkCalls, spec: NetworkSpec, timing: PollTiming): Promise<void> {
  const started = timing.now();
  let mine: string | undefined;
  try {
    mine = await calls.create(spec);
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
  }
  if (mine === undefined) return; // it was there already
  // Two `up`s at once can each create the network: the engine's duplicate check is not atomic, and a
  // create still in flight is not listed yet, so one that sees only its own looks again after as long
  // as its own create took. The oldest is kept (the one the others are likeliest to have seen alone;
  // then the lowest id): one that made a newer one removes its own, before any container refers to it.
  // Nobody removes a network another process made: its containers may already be created on it (a
  // created container holds no endpoint, so the engine would let it go). The one that made the oldest
  // waits for the others to go, since the engine refuses to start a container on an ambiguous name.
  const ids = async (): Promise<string[]> => oldestFirst(await calls.list(spec.name));
  let same = await ids();
  if (same.length === 1) {
    await timing.sleep(Math.min(timing.now() - started, 1000));
    same = await ids();
  }
  if (same[0] !== undefined && same[0] !== mine) {
    await calls.remove(mine).catch(() => undefined);
    return;
  }
  for (const deadline = timing.now() + OTHERS_GONE_MS; same.length > 1 && timing.now() < deadline; same = await ids())
    await timing.sleep(50);
  // The newer ones stayed: their makers looked before ours was listed and went on with theirs. Ours
  // then gives way: nothing can be on it yet, since the engine resolves no name while two networks
  // share it, and the others may already hold containers.
  if (same.length > 1) await calls.remove(mine).catch(() => undefined);
}

/** Ids by creation time, then id: the first is the network everyone keeps. */
function oldestFirst(networks: NetworkSummary[]): string[] {
  const order = (n: NetworkSummary): string => `${n.created ?? ''} ${n.id}`;
  return networks.sort((x, y) => (order(x) < order(y) ? -1 : order(x) > order(y) ? 1 : 0)).map((n) => n.id);
}
