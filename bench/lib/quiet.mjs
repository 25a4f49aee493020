// Waiting for a quiet machine between timed runs (see settle).
import process from 'node:process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Busy and total CPU ticks of the whole machine, from /proc/stat (engine, shims, runc and kernel alike). */
function cpuTicks() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = fields[3] + (fields[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
}

/**
 * Wait until the machine is quiet: the engine goes on working after an API call returns (shims exiting,
 * layers and network namespaces removed), and that tail would otherwise land on the next tool's timed run.
 * Quiet is two 200 ms windows in a row under 25 % busy, or 5 s, whichever comes first.
 */
export async function settle() {
  if (process.platform !== 'linux') return sleep(1000);
  const deadline = Date.now() + 5000;
  let quiet = 0;
  while (quiet < 2 && Date.now() < deadline) {
    const a = cpuTicks();
    await sleep(200);
    const b = cpuTicks();
    quiet = (b.busy - a.busy) / Math.max(1, b.total - a.total) < 0.25 ? quiet + 1 : 0;
  }
}
