import { setTimeout as sleep } from 'node:timers/promises';
import { Label } from '../plan/labels.js';
import type { Runtime } from '../runtime/runtime.js';

const POLL_MS = 200;

/**
 * Wait until every container of `service` meets `condition`: healthy (its healthcheck passed) or
 * completed successfully (exited 0). Fails fast, with the last healthcheck output, when a container is
 * unhealthy, has no healthcheck, or exits otherwise.
 */
export async function waitForDependency(
  rt: Runtime,
  project: string,
  service: string,
  condition: 'service_healthy' | 'service_completed_successfully',
  signal?: AbortSignal,
): Promise<void> {
  const containers = await rt.listContainers({ all: true, labels: { [Label.project]: project, [Label.service]: service, [Label.oneoff]: 'False' } });
  if (containers.length === 0) throw new Error(`${service} has no container`);
  await Promise.all(containers.map(async (c) => {
    if (condition === 'service_completed_successfully') {
      const code = await rt.waitContainer(c.id, 'not-running');
      if (code !== 0) throw new Error(`${c.name} exited with code ${code}`);
      return;
    }
    const started = Date.now();
    for (;;) {
      const d = await rt.inspectContainer(c.id);
      if (d.health === 'healthy') return;
      if (d.health === 'none') throw new Error(`${c.name} has no healthcheck configured`);
      if (d.health === 'unhealthy') {
        const last = d.healthLog?.at(-1);
        const secs = Math.round((Date.now() - started) / 1000);
        throw new Error(`${c.name} is unhealthy after ${secs}s${last ? `: last healthcheck output: ${last.output.trim() || `(exit code ${last.exitCode})`}` : ''}`);
      }
      if (d.state === 'exited' || d.state === 'dead') throw new Error(`${c.name} exited with code ${d.exitCode} before it was healthy`);
      await sleep(POLL_MS, undefined, signal ? { signal } : undefined);
    }
  }));
}
