/**
 * The options of a `berth run` with no flag given (foreground, no TTY, stdin kept open), for the tests
 * of the one-off container: each test names only the flags it is about.
 */
import type { RunOptions } from '../../src/apply/run.js';

export function runOptions(o: Partial<RunOptions> = {}): RunOptions {
  return {
    service: 'web',
    command: [],
    env: {},
    labels: {},
    volumes: [],
    publish: [],
    servicePorts: false,
    noDeps: false,
    detach: false,
    remove: false,
    tty: false,
    interactive: true,
    ...o,
  };
}
