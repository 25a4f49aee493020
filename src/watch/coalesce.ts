/**
 * Coalescing file events into batches, as Compose's `BatchDebounceEvents` does: every change restarts a
 * quiet period, and when nothing more changes for that long, the distinct paths seen go out as one
 * batch. An editor's save (write, rename, chmod) or a `git checkout` touching 2,000 files is one batch,
 * so one action per service. Unlike Compose, a batch also goes out after `maxWaitMs` of changes that
 * never pause (a process writing into a watched folder all the time would otherwise hold every sync).
 * The timers are passed in, so tests drive the clock.
 */

/** Compose's quiet period (`pkg/watch/debounce.go`). */
export const QUIET_PERIOD_MS = 500;

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

export interface CoalesceOptions {
  quietMs?: number;
  /** The longest a batch waits once its first change came; default 20 quiet periods. */
  maxWaitMs?: number;
  timers?: Timers;
}

export class Coalescer {
  private pending = new Set<string>();
  private timer: unknown;
  private firstAt = 0;
  private closed = false;
  private readonly quietMs: number;
  private readonly maxWaitMs: number;
  private readonly timers: Timers;

  constructor(
    private readonly flush: (paths: string[]) => void,
    options: CoalesceOptions = {},
  ) {
    this.quietMs = options.quietMs ?? QUIET_PERIOD_MS;
    this.maxWaitMs = options.maxWaitMs ?? this.quietMs * 20;
    this.timers = options.timers ?? realTimers;
  }

  /** One changed path; the batch goes out once changes pause for the quiet period. */
  add(path: string): void {
    if (this.closed) return;
    const now = this.timers.now();
    if (this.pending.size === 0) this.firstAt = now;
    this.pending.add(path);
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(this.quietMs, this.firstAt + this.maxWaitMs - now));
    this.timer = this.timers.setTimeout(() => this.emit(), wait);
  }

  /** How many distinct paths wait for the next batch. */
  get size(): number {
    return this.pending.size;
  }

  /** Stops: what is pending is dropped, nothing more goes out. */
  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }

  private emit(): void {
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const paths = [...this.pending];
    this.pending = new Set();
    this.flush(paths);
  }
}
