import { setTimeout as delay } from 'node:timers/promises';

export interface EventuallyOptions {
  /** Give up after this long (ms). */
  timeoutMs?: number;
  /** Pause between attempts (ms). */
  intervalMs?: number;
}

/**
 * Runs `check` until it returns without throwing, then hands back its value. Assertions inside
 * `check` are the condition; the last failure is rethrown when time runs out, so a test fails with
 * the real reason rather than "timed out".
 */
export async function eventually<T>(check: () => T | Promise<T>, options: EventuallyOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const intervalMs = options.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() >= deadline) throw err;
    }
    await delay(intervalMs);
  }
}
