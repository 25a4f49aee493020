/**
 * Recreating a volume whose driver or driver options changed (the user agreed to lose its data): the
 * engine refuses to remove a volume any container still refers to, even a stopped one, so the
 * containers mounting it go first; the plan creates them again afterwards, on the new volume.
 */
import type { Action } from '../plan/index.js';
import type { EventStatus } from '../progress/events.js';
import type { Runtime } from '../runtime/runtime.js';

type RecreateVolume = Extract<Action, { kind: 'recreate-volume' }>;
type Say = (status: EventStatus, text: string, detail?: string) => void;

export async function recreateVolume(
  rt: Runtime,
  a: RecreateVolume,
  stopTimeoutSec: number | undefined,
  say: Say,
): Promise<void> {
  // A container the plan does not remove (another project's, one made by hand) would make the engine
  // refuse the removal after ours are gone: look first, and change nothing if there is one.
  const others = (await rt.listContainers({ all: true, volume: a.target })).filter(
    (c) => !a.removes.some((r) => r.id === c.id),
  );
  if (others.length > 0) {
    throw new Error(
      `not recreated: ${others.map((c) => c.name).join(', ')} outside this stack also ${others.length === 1 ? 'uses' : 'use'} volume ${a.target}; nothing was changed`,
    );
  }
  for (const c of a.removes) {
    if (c.stop) {
      say('working', 'Stopping', c.name);
      await rt.stopContainer(c.id, stopTimeoutSec);
    }
    say('working', 'Removing', c.name);
    // Without `v`: the container's anonymous volumes stay, and its replacement mounts them by name.
    await rt.removeContainer(c.id, { force: true });
  }
  say('working', 'Removing', a.reason);
  await rt.removeVolume(a.target);
  say('working', 'Creating');
  await rt.createVolume(a.spec);
  say('done', 'Recreated');
}
