import { describe, expect, it } from 'vitest';
import { codeFrame, closest } from '../../../src/config/issues.js';

describe('code frames', () => {
  const src = ['services:', '  web:', '    image: nginx', '    ports: "80"', '    tty: true'].join('\n');

  it('shows two lines before and one after, with a caret under the column', () => {
    expect(codeFrame(src, 4, 12, 80)).toBe(
      [
        '  2 |   web:',
        '  3 |     image: nginx',
        '> 4 |     ports: "80"',
        '    |            ^',
        '  5 |     tty: true',
      ].join('\n'),
    );
  });

  it('cuts long lines to the width it is given and keeps the caret in view', () => {
    const long = `x: ${'a'.repeat(200)} bad`;
    const frame = codeFrame(long, 1, 205, 40);
    for (const line of frame.split('\n')) expect(line.length).toBeLessThanOrEqual(40);
    const [text, caret] = frame.split('\n');
    expect(text!.startsWith('> 1 | …')).toBe(true);
    expect(text![caret!.indexOf('^')]).toBe('b');
  });

  it('handles the first line of a file', () => {
    expect(codeFrame('a: [', 1, 4, 80)).toBe('> 1 | a: [\n    |    ^');
  });
});

describe('did-you-mean', () => {
  it.each([
    ['imagee', ['image', 'command'], 'image'],
    ['enviroment', ['environment', 'entrypoint'], 'environment'],
    ['bsae', ['base', 'web'], 'base'],
    ['healthy', ['service_started', 'service_healthy'], 'service_healthy'],
    ['zzz', ['image', 'ports'], undefined],
  ])('%s -> %s', (word, candidates, expected) => {
    expect(closest(word, candidates)).toBe(expected);
  });
});
