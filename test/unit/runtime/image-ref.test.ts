import { describe, expect, it } from 'vitest';
import type { ImageSummary } from '../../../src/runtime/runtime.js';
import { familiarRef, isImageId, parseImageRef } from '../../../src/runtime/image-ref.js';
import { matchImageRefs } from '../../../src/runtime/docker/image-ref.js';

describe('image references in the form the engine lists them', () => {
  it.each([
    ['busybox', 'busybox:latest'],
    ['busybox:1.36', 'busybox:1.36'],
    ['docker.io/library/busybox', 'busybox:latest'],
    ['docker.io/library/busybox:1.36', 'busybox:1.36'],
    ['index.docker.io/library/busybox', 'busybox:latest'],
    ['library/busybox', 'busybox:latest'],
    ['docker.io/acme/app:2', 'acme/app:2'],
    ['berth-local/busybox', 'berth-local/busybox:latest'],
    ['localhost:5000/app', 'localhost:5000/app:latest'],
    ['localhost:5000/app:v1', 'localhost:5000/app:v1'],
    ['ghcr.io/library/x', 'ghcr.io/library/x:latest'],
    ['busybox@sha256:abcd', 'busybox@sha256:abcd'],
    ['busybox:1.36@sha256:abcd', 'busybox@sha256:abcd'],
  ])('%s -> %s', (ref, familiar) => {
    expect(familiarRef(ref)).toBe(familiar);
  });

  it('parses registry ports apart from tags', () => {
    expect(parseImageRef('localhost:5000/app')).toEqual({ repository: 'localhost:5000/app' });
  });

  it('recognises image ids', () => {
    expect(isImageId('sha256:3ba4e5838bd7fe8e79ccfd024307cad3c7ea410cc5791d76e9edc82c4588b50e')).toBe(true);
    expect(isImageId('3ba4e5838bd7')).toBe(true);
    expect(isImageId('busybox')).toBe(false);
  });

  it('matches references to listed images; the rest is left for inspect', () => {
    const images: ImageSummary[] = [
      {
        id: 'sha256:b',
        repoTags: ['busybox:latest', 'busybox:1.36'],
        repoDigests: ['busybox@sha256:d1'],
        labels: {},
        created: 0,
        size: 0,
      },
      { id: 'sha256:l', repoTags: ['berth-local/busybox:latest'], repoDigests: [], labels: {}, created: 0, size: 0 },
    ];
    expect(
      matchImageRefs(
        [
          'busybox',
          'docker.io/library/busybox:1.36',
          'busybox@sha256:d1',
          'berth-local/busybox',
          'missing:1',
          'sha256:b',
          'busybox',
        ],
        images,
      ),
    ).toEqual({
      found: {
        busybox: 'sha256:b',
        'docker.io/library/busybox:1.36': 'sha256:b',
        'busybox@sha256:d1': 'sha256:b',
        'berth-local/busybox': 'sha256:l',
      },
      unmatched: ['missing:1', 'sha256:b'],
    });
  });
});
