/**
 * A clock for code that polls with an injected `now`/`sleep`: sleeping moves time on at once and is
 * recorded, so a test sees every pause without waiting for it.
 */
export interface FakeClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Every pause asked for, in order. */
  pauses: number[];
}

export function fakeClock(): FakeClock {
  let t = 0;
  const pauses: number[] = [];
  return {
    now: () => t,
    sleep: (ms) => {
      pauses.push(ms);
      t += ms;
      return Promise.resolve();
    },
    pauses,
  };
}
