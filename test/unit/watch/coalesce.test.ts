/**
 * Coalescing: changes that come closer together than the quiet period are one batch of distinct
 * paths, so a `git checkout` of 2,000 files is one action per service.
 */
import { describe, expect, it } from 'vitest';
import { Coalescer, type Timers } from '../../../src/watch/coalesce.js';

/** Timers driven by the test: `advance(ms)` runs what falls due, in order. */
function manualTimers(): Timers & { advance(ms: number): void } {
  let now = 0;
  let seq = 0;
  const due = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout: (fn, ms) => {
      due.set(++seq, { at: now + ms, fn });
      return seq;
    },
    clearTimeout: (h) => void due.delete(h as number),
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const next = [...due.entries()].sort((a, b) => a[1].at - b[1].at)[0];
        if (!next || next[1].at > end) break;
        due.delete(next[0]);
        now = next[1].at;
        next[1].fn();
      }
      now = end;
    },
  };
}

describe('Coalescer', () => {
  it('sends one batch once changes pause for the quiet period', () => {
    const timers = manualTimers();
    const batches: string[][] = [];
    const c = new Coalescer((p) => batches.push(p), { quietMs: 500, timers });
    c.add('/a');
    timers.advance(300);
    c.add('/b');
    timers.advance(300);
    expect(batches).toEqual([]);
    timers.advance(200);
    expect(batches).toEqual([['/a', '/b']]);
  });

  it('makes 2,000 changes arriving a few milliseconds apart one batch, each path once', () => {
    const timers = manualTimers();
    const batches: string[][] = [];
    const c = new Coalescer((p) => batches.push(p), { quietMs: 500, timers });
    for (let i = 0; i < 2000; i++) {
      c.add(`/repo/f${i % 1000}.js`);
      timers.advance(2);
    }
    timers.advance(500);
    expect(batches).toHaveLength(1);
    expect(batches[0]).toHaveLength(1000);
  });

  it('sends a batch after the longest wait even when changes never pause', () => {
    const timers = manualTimers();
    const batches: string[][] = [];
    const c = new Coalescer((p) => batches.push(p), { quietMs: 100, maxWaitMs: 1000, timers });
    for (let i = 0; i < 30; i++) {
      c.add(`/f${i}`);
      timers.advance(50);
    }
    expect(batches.length).toBe(1);
    expect(batches[0]!.length).toBe(20);
  });

  it('drops what is pending when closed', () => {
    const timers = manualTimers();
    const batches: string[][] = [];
    const c = new Coalescer((p) => batches.push(p), { quietMs: 100, timers });
    c.add('/a');
    c.close();
    c.add('/b');
    timers.advance(1000);
    expect(batches).toEqual([]);
  });
});
