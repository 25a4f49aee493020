/** A key of the loaded model is found again in the stack files, the override's place over the base's. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { locateKey } from '../../../src/config/locate-key.js';
import { writeStack } from './helpers.js';

const PATH = ['services', 'web', 'build', 'secrets'];

describe('locateKey', () => {
  it('names the line and column of the key', () => {
    const dir = writeStack({
      'compose.yaml': 'services:\n  web:\n    build:\n      context: .\n      secrets: [token]\n',
    });
    expect(locateKey([join(dir, 'compose.yaml')], PATH)).toEqual({
      file: join(dir, 'compose.yaml'),
      line: 5,
      column: 7,
    });
  });

  it('prefers the last file that writes it (an override), and a later document of a file', () => {
    const dir = writeStack({
      'compose.yaml': 'services:\n  web:\n    build:\n      secrets: [a]\n',
      'compose.override.yaml':
        'services:\n  web:\n    image: x\n---\nservices:\n  web:\n    build:\n        secrets: [b]\n',
    });
    const files = [join(dir, 'compose.yaml'), join(dir, 'compose.override.yaml')];
    expect(locateKey(files, PATH)).toEqual({ file: files[1], line: 8, column: 9 });
  });

  it('is undefined where no file writes the key, or a file cannot be read', () => {
    const dir = writeStack({ 'compose.yaml': 'services:\n  web:\n    build: .\n' });
    expect(locateKey([join(dir, 'compose.yaml'), join(dir, 'missing.yaml'), '-'], PATH)).toBeUndefined();
  });
});
