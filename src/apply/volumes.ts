/**
 * Recreating a volume whose driver or driver options changed (the user agreed to lose its data): the
 * engine refuses to remove a volume any container still refers to, even a stopped one, so the
 * containers mounting it go first; the plan creates them again afterwards, on the new volume.
 */
import { NotFoundError } from '../errors.js';
import type { Action } from '../plan/index.js';
import type { EventStatus } from '../progress/events.js';
import type { Runtime } from '../runtime/runtime.js';

type RecreateVolume = Extract<Action, { kind: 'recreate-volume' }>;
type Say = (status: EventStatus, text: string, detail?: string) => void;

export async function recreateVolume(rt: Runtime, a: RecreateVolume, stopTimeoutSec: number | undefined, say: Say): Promise<void> {
  for (const c of a.removes) {
    if (c.stop) {
      say('working', 'Stopping', c.name);
      await rt.stopContainer(c.id, stopTimeoutSec);
    }
    say('working', 'Removing', c.name);
    // Without `v`: the container's anonymous volumes stay, and its replacement mounts them by name.
    await rt.removeContainer(c.id, { force: true }).catch(goneIsFine);
  }
  say('working', 'Removing', a.reason);
  await rt.removeVolume(a.target).catch(goneIsFine);
  say('working', 'Creating');
  await rt.createVolume(a.spec);
  say('done', 'Recreated');
}

function goneIsFine(err: unknown): void {
  if (!(err instanceof NotFoundError)) throw err;
}
