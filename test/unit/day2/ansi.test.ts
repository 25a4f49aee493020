/**
 * `--ansi never|always|auto` (and COMPOSE_ANSI, `--no-ansi`): which renderer runs, whether its lines and
 * the log prefixes are colored, and the dry run's mark on every progress line.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { logColors, resolveAnsi } from '../../../src/cli/ansi.js';
import { UsageError } from '../../../src/errors.js';
import { plainColors, rendererKind } from '../../../src/progress/index.js';
import { JsonRenderer } from '../../../src/progress/json.js';
import { PlainRenderer } from '../../../src/progress/plain.js';

function sink(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return Object.assign(w, { text: () => chunks.join('') });
}

describe('--ansi: the renderer', () => {
  it.each([
    // mode, ansi, terminal, CI, renderer
    ['auto', 'auto', true, false, 'tty'],
    ['auto', 'auto', false, false, 'plain'],
    ['auto', 'auto', true, true, 'plain'],
    ['auto', 'never', true, false, 'plain'],
    ['auto', 'always', false, false, 'plain'],
    ['auto', 'always', true, false, 'tty'],
    ['plain', 'always', true, false, 'plain'],
    ['tty', 'always', false, true, 'tty'],
    ['json', 'never', true, false, 'json'],
    ['quiet', 'never', true, false, 'quiet'],
  ] as const)('progress %s with ansi %s (terminal: %s, CI: %s) is %s', (mode, ansi, terminal, ci, kind) => {
    expect(rendererKind(mode, ansi, terminal, ci)).toBe(kind);
  });

  it('refuses the TTY view with ANSI off', () => {
    expect(() => rendererKind('tty', 'never', true, false)).toThrow(UsageError);
    expect(() => rendererKind('tty', 'never', true, false)).toThrow(/--progress tty while ANSI support is disabled/);
  });

  it('colors plain lines only with always, and never under NO_COLOR', () => {
    expect(plainColors('always', {})).toBe(true);
    expect(plainColors('always', { NO_COLOR: '1' })).toBe(false);
    expect(plainColors('auto', {})).toBe(false);
    expect(plainColors('never', {})).toBe(false);
  });
});

describe('--ansi: the mode', () => {
  it('the flag wins over COMPOSE_ANSI, which wins over auto', () => {
    expect(resolveAnsi('never', { COMPOSE_ANSI: 'always' }).mode).toBe('never');
    expect(resolveAnsi(undefined, { COMPOSE_ANSI: 'always' }).mode).toBe('always');
    expect(resolveAnsi(undefined, { COMPOSE_ANSI: '' }).mode).toBe('auto');
    expect(resolveAnsi(undefined, {}).mode).toBe('auto');
  });

  it('--no-ansi is never, and deprecated', () => {
    expect(resolveAnsi(false, { COMPOSE_ANSI: 'always' })).toEqual({ mode: 'never', deprecated: true });
  });

  it('a COMPOSE_ANSI that is no mode is a usage error naming it', () => {
    expect(() => resolveAnsi(undefined, { COMPOSE_ANSI: 'sometimes' })).toThrow(
      'COMPOSE_ANSI must be never, always or auto, got "sometimes"',
    );
  });
});

describe('--ansi: log prefixes', () => {
  it('colors on a terminal with auto, on a pipe with always, never with never or --no-color or NO_COLOR', () => {
    expect(logColors('auto', { isTTY: true }, {}, false).color).toBe(true);
    expect(logColors('auto', { isTTY: false }, {}, false).color).toBe(false);
    expect(logColors('always', { isTTY: false }, {}, false).color).toBe(true);
    expect(logColors('always', { isTTY: false }, {}, true).color).toBe(false);
    expect(logColors('always', { isTTY: false }, { NO_COLOR: '1' }, false).color).toBe(false);
    expect(logColors('never', { isTTY: true }, {}, false)).toEqual({
      color: false,
      escape: { stdout: true, stderr: true },
    });
  });
});

describe('plain and JSON lines', () => {
  const done = { id: 'container:web-1', title: 'web-1', status: 'done' as const, text: 'Started', durationMs: 400 };

  it('plain lines hold no escape sequence unless colored', () => {
    const plain = sink();
    new PlainRenderer(plain).event(done);
    expect(plain.text()).toBe('web-1  Started  0.4s\n');
    const colored = sink();
    new PlainRenderer(colored, { color: true }).event(done);
    expect(colored.text()).toBe('web-1  \x1b[32mStarted\x1b[0m  \x1b[34m0.4s\x1b[0m\n');
  });

  it('a dry run marks every plain line, and every JSON event', () => {
    const plain = sink();
    new PlainRenderer(plain, { dryRun: true }).event(done);
    expect(plain.text()).toBe('DRY-RUN MODE - web-1  Started  0.4s\n');
    const json = sink();
    new JsonRenderer(json, { dryRun: true }).event(done);
    expect(JSON.parse(json.text())).toEqual({ 'dry-run': true, ...done });
  });
});
