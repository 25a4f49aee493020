import { describe, expect, it } from 'vitest';
import { PullProgressTracker, pullQuery } from '../../../src/runtime/docker/pull.js';

describe('pull query', () => {
  it('an untagged reference pulls "latest", never every tag', () => {
    expect(pullQuery('busybox')).toEqual({ fromImage: 'busybox', tag: 'latest' });
    expect(pullQuery('localhost:5000/app')).toEqual({ fromImage: 'localhost:5000/app', tag: 'latest' });
  });
  it('tag and digest references', () => {
    expect(pullQuery('localhost:5000/app:v1')).toEqual({ fromImage: 'localhost:5000/app', tag: 'v1' });
    expect(pullQuery('busybox@sha256:abcd')).toEqual({ fromImage: 'busybox@sha256:abcd' });
  });
});

describe('pull progress', () => {
  it('folds layer bytes into one fraction that does not run backwards', () => {
    const t = new PullProgressTracker();
    expect(t.update({ status: 'Pulling from library/app', id: 'v1' })).toEqual({
      status: 'v1: Pulling from library/app',
    });
    t.update({ status: 'Pulling fs layer', id: 'l1' });
    expect(t.update({ status: 'Downloading', id: 'l1', progressDetail: { current: 25, total: 100 } })?.fraction).toBe(
      0.25,
    );
    expect(t.update({ status: 'Downloading', id: 'l2', progressDetail: { current: 0, total: 300 } })?.fraction).toBe(
      25 / 400,
    );
    t.update({ status: 'Download complete', id: 'l1' });
    expect(t.fraction()).toBe(100 / 400);
    // Extracting restarts the byte count on the same layer: the download figure stays.
    t.update({ status: 'Extracting', id: 'l1', progressDetail: { current: 10, total: 100 } });
    expect(t.fraction()).toBe(100 / 400);
    expect(t.error).toBeUndefined();
  });

  it('keeps the first error the stream reports', () => {
    const t = new PullProgressTracker();
    t.update({ errorDetail: { message: 'manifest unknown' }, error: 'manifest unknown' });
    t.update({ error: 'later' });
    expect(t.error).toBe('manifest unknown');
  });
});
