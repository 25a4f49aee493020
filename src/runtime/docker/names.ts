/**
 * How the engine answers about container names, settled into what the caller asked: after a create's
 * name conflict, which container holds the name (the engine reserves a name before the container it
 * names can be inspected); after a rename, whether the container has the name (the engine refuses to
 * rename a container to the name it has, and a lost answer may come after the rename happened). The
 * engine calls and the clock come in, so that each answer can be played in a unit test
 * (test/unit/runtime/names.test.ts).
 */
import { NotFoundError, type ResourceUser } from '../../errors.js';
import type { ContainerDetails } from '../runtime.js';
import type { PollTiming } from './removal.js';

/** How often, and how far apart, a name conflict's holder is looked for while the engine answers 404. */
const HOLDER_ATTEMPTS = 20;
const HOLDER_PAUSE_MS = 100;

/**
 * The container that holds `name` after a create met a name conflict; `undefined` when none turns up.
 * The engine reserves a name before the container it names can be inspected: a concurrent create may
 * still be on its way, so a 404 right after a name conflict is retried briefly.
 */
export async function holderOf(
  inspect: (name: string) => Promise<ContainerDetails>,
  name: string,
  timing: PollTiming,
): Promise<ResourceUser | undefined> {
  for (let attempt = 0; attempt < HOLDER_ATTEMPTS; attempt++) {
    const found = await inspect(name).catch((e: unknown) => {
      if (!(e instanceof NotFoundError)) throw e;
      return undefined;
    });
    if (found) return { id: found.id, name: found.name, labels: found.labels };
    await timing.sleep(HOLDER_PAUSE_MS);
  }
  return undefined;
}

/**
 * Rename a container, and settle whether it happened when the answer was an error: the engine refuses
 * to rename a container to the name it has, and a dropped connection may come after the rename was done.
 * Either way the container has the name: done. Otherwise the rename's own error.
 */
export async function renameSettled(
  rename: () => Promise<void>,
  nameNow: () => Promise<string>,
  newName: string,
): Promise<void> {
  try {
    await rename();
  } catch (err) {
    const now = await nameNow().catch(() => undefined);
    if (now !== newName) throw err;
  }
}
