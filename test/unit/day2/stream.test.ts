import { describe, expect, it } from 'vitest';
import { Demuxer, LineSplitter } from '../../../src/runtime/docker/stream.js';
import { engineTimestamp } from '../../../src/runtime/docker/logs.js';
import { parsePathStat } from '../../../src/runtime/docker/archive.js';
import { UsageError } from '../../../src/errors.js';

const frame = (type: number, text: string): Buffer => {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
};

describe('Demuxer', () => {
  it('tells stdout from stderr frame by frame', () => {
    const d = new Demuxer();
    const out = d.push(Buffer.concat([frame(1, 'a\n'), frame(2, 'b\n'), frame(1, 'c')]));
    expect(out.map((f) => [f.stream, f.data.toString()])).toEqual([
      ['stdout', 'a\n'],
      ['stderr', 'b\n'],
      ['stdout', 'c'],
    ]);
    expect(d.leftover).toBe(0);
  });

  it('reassembles frames split at every possible byte', () => {
    const all = Buffer.concat([frame(2, 'first line\n'), frame(1, 'second\n')]);
    for (let cut = 1; cut < all.length; cut++) {
      const d = new Demuxer();
      const got = [...d.push(all.subarray(0, cut)), ...d.push(all.subarray(cut))];
      expect(got.map((f) => `${f.stream}:${f.data.toString()}`).join('')).toBe('stderr:first line\nstdout:second\n');
    }
  });

  it('keeps an incomplete frame until the rest arrives', () => {
    const d = new Demuxer();
    const f = frame(1, 'hello');
    expect(d.push(f.subarray(0, 10))).toEqual([]);
    expect(d.leftover).toBe(10);
  });
});

describe('LineSplitter', () => {
  it('splits per stream, keeps partial lines apart and drops \\r', () => {
    const s = new LineSplitter();
    expect(s.push('stdout', Buffer.from('one\r\ntw'))).toEqual(['one']);
    expect(s.push('stderr', Buffer.from('err\n'))).toEqual(['err']);
    expect(s.push('stdout', Buffer.from('o\nthree'))).toEqual(['two']);
    expect(s.flush('stdout')).toEqual(['three']);
    expect(s.flush('stderr')).toEqual([]);
  });

  it('does not break a multi-byte character split between chunks', () => {
    const s = new LineSplitter();
    const bytes = Buffer.from('é\n');
    expect(s.push('stdout', bytes.subarray(0, 1))).toEqual([]);
    expect(s.push('stdout', bytes.subarray(1))).toEqual(['é']);
  });
});

describe('engineTimestamp', () => {
  const now = Date.UTC(2024, 4, 1, 12, 0, 0);
  it('keeps Unix timestamps', () => {
    expect(engineTimestamp('1714564800', now)).toBe('1714564800');
  });
  it('counts durations back from now', () => {
    expect(engineTimestamp('10m', now)).toBe(((now - 600_000) / 1000).toFixed(3));
    expect(engineTimestamp('1h30m', now)).toBe(((now - 5_400_000) / 1000).toFixed(3));
  });
  it('converts RFC 3339 times', () => {
    expect(engineTimestamp('2024-05-01T11:00:00Z', now)).toBe(((now - 3_600_000) / 1000).toFixed(3));
  });
  it('rejects anything else with a usage error naming the flag', () => {
    expect(() => engineTimestamp('yesterday', now, '--until')).toThrow(UsageError);
    expect(() => engineTimestamp('yesterday', now, '--until')).toThrow(/--until/);
  });
});

describe('parsePathStat', () => {
  const header = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64');
  it('reads a directory (Go ModeDir, the top bit) and a file', () => {
    expect(
      parsePathStat(header({ name: 'etc', size: 4096, mode: 2147484141, mtime: 't', linkTarget: '' }))?.isDirectory,
    ).toBe(true);
    expect(parsePathStat(header({ name: 'passwd', size: 10, mode: 420, mtime: 't', linkTarget: '' }))).toEqual({
      name: 'passwd',
      size: 10,
      mode: 420,
      mtime: 't',
      linkTarget: '',
      isDirectory: false,
    });
  });
  it('gives undefined for a missing or unreadable header', () => {
    expect(parsePathStat(undefined)).toBeUndefined();
    expect(parsePathStat('not base64 json')).toBeUndefined();
  });
});
