/**
 * BuildKit through `POST /build?version=2`: the protobuf progress decoded from streams recorded from the
 * real engine (buildkit-traces/), folded into steps, cache hits, timings, the image id and the failing
 * step with its output; the builder choice and the query.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildkitQuery,
  builderFor,
  buildkitWarnings,
  checkBuildkitSpec,
} from '../../../src/runtime/docker/buildkit.js';
import { BuildkitTracker, decodeTrace, stepLabel } from '../../../src/runtime/docker/buildkit-trace.js';
import type { BuildMessage } from '../../../src/runtime/docker/build.js';

function recorded(name: string): BuildMessage[] {
  return readFileSync(new URL(`./buildkit-traces/${name}.jsonl`, import.meta.url), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as BuildMessage);
}

function fold(messages: BuildMessage[]): { tracker: BuildkitTracker; lines: string[] } {
  const tracker = new BuildkitTracker();
  const lines = messages.flatMap((m) => tracker.update(m)).map((p) => p.line);
  return { tracker, lines };
}

const RUN_STEP = 'sha256:06a35f1adfc8b764a5e7ca7f1c606bd421550bcd6c12bbb7fc84a238c0d95200';

describe('BuildKit trace decoding', () => {
  it('reads a recorded StatusResponse: the vertex, its name, start and end', () => {
    const messages = recorded('cache-mount').filter((m) => m.id === 'moby.buildkit.trace');
    const done = messages
      .map((m) => decodeTrace(m.aux as string))
      .flatMap((t) => t.vertexes)
      .find((v) => v.digest === RUN_STEP && v.completed !== undefined);
    expect(done).toEqual({
      digest: RUN_STEP,
      name: '[stage-0 2/3] RUN --mount=type=cache,target=/cache echo hello-from-run && echo x > /cache/x',
      cached: false,
      started: 1796339351556,
      completed: 1796339351997,
    });
  });

  it("reads a step's output with its stream and time", () => {
    const logs = recorded('failing-run')
      .filter((m) => m.id === 'moby.buildkit.trace')
      .flatMap((m) => decodeTrace(m.aux as string).logs);
    expect(logs.map((l) => [l.stream, l.text])).toEqual([
      [1, 'one\n'],
      [2, 'to-stderr\n'],
      [1, 'about to fail\n'],
    ]);
    expect(logs[0]!.timestamp).toBe(1796339357902);
  });

  it('reads a status inside a step (the export) and its completion', () => {
    const statuses = recorded('cache-mount')
      .filter((m) => m.id === 'moby.buildkit.trace')
      .flatMap((m) => decodeTrace(m.aux as string).statuses);
    expect(statuses.find((s) => s.id === 'exporting layers' && s.completed !== undefined)).toMatchObject({
      vertex: 'sha256:e8c613e07b0b7ff33893b694f7759a10d42e180f2b4dc349fb57dc6b71dcab00',
      completed: 1796339352677,
    });
  });

  it('throws on bytes that are no StatusResponse', () => {
    expect(() => decodeTrace(Buffer.from([0x0a, 0xff, 0xff, 0xff]).toString('base64'))).toThrow();
  });
});

describe('BuildKit progress', () => {
  it('shows each step once with its name, its output and its time, and keeps the image id', () => {
    const { tracker, lines } = fold(recorded('cache-mount'));
    expect(lines).toEqual([
      '#1 [internal] load remote build context',
      '#1 DONE 0.0s',
      '#2 copy /context /',
      '#2 DONE 0.1s',
      '#3 [internal] load metadata for docker.io/berth-local/busybox:latest',
      '#3 DONE 0.0s',
      '#4 [stage-0 1/3] FROM docker.io/berth-local/busybox:latest',
      '#4 DONE 0.0s',
      '#5 [stage-0 2/3] RUN --mount=type=cache,target=/cache echo hello-from-run && echo x > /cache/x',
      '#5 0.423 hello-from-run',
      '#5 DONE 0.4s',
      '#6 [stage-0 3/3] RUN echo done',
      '#6 0.616 done',
      '#6 DONE 0.6s',
      '#7 exporting to image',
      '#7 exporting layers done',
      '#7 writing image sha256:c6e65a8ada253279c848c01b34c5f293fd515de39ef6400e0965851ee86caa67 done',
      '#7 DONE 0.0s',
      '#7 naming to docker.io/library/bkprobe:latest done',
      'Successfully tagged bkprobe:latest',
    ]);
    expect(tracker.imageId).toBe('sha256:c6e65a8ada253279c848c01b34c5f293fd515de39ef6400e0965851ee86caa67');
    expect(tracker.error).toBeUndefined();
  });

  it('shows the steps of a second build as CACHED', () => {
    const { lines } = fold(recorded('cache-mount-again'));
    expect(lines).toContain(
      '#5 [stage-0 2/3] RUN --mount=type=cache,target=/cache echo hello-from-run && echo x > /cache/x',
    );
    const run = lines.indexOf(
      '#5 [stage-0 2/3] RUN --mount=type=cache,target=/cache echo hello-from-run && echo x > /cache/x',
    );
    expect(lines[run + 1]).toBe('#5 CACHED');
    expect(lines.filter((l) => l.endsWith(' CACHED'))).toEqual(['#1 CACHED', '#2 CACHED', '#5 CACHED', '#6 CACHED']);
  });

  it('names the failing step and keeps its output for the error', () => {
    const { tracker, lines } = fold(recorded('failing-run'));
    expect(tracker.error).toBe(
      'executor failed running [/bin/sh -c echo about to fail && echo to-stderr >&2 && exit 3]: exit code: 3',
    );
    expect(tracker.errorStep).toBe('step 3/3 (RUN echo about to fail && echo to-stderr >&2 && exit 3)');
    expect(tracker.errorLog).toEqual(['to-stderr', 'about to fail']);
    expect(lines.slice(-4)).toEqual([
      '#6 [3/3] RUN echo about to fail && echo to-stderr >&2 && exit 3',
      '#6 0.537 to-stderr',
      '#6 0.537 about to fail',
      '#6 ERROR: executor failed running [/bin/sh -c echo about to fail && echo to-stderr >&2 && exit 3]: exit code: 3',
    ]);
    // The passing step before it kept its own output to itself.
    expect(lines).toContain('#5 0.396 one');
    expect(tracker.imageId).toBeUndefined();
  });

  it('tags every line with the Dockerfile step it belongs to', () => {
    const tracker = new BuildkitTracker();
    const progress = recorded('failing-run').flatMap((m) => tracker.update(m));
    expect(progress.find((p) => p.line === '#5 0.396 one')?.step).toBe('step 2/3 (RUN echo one)');
  });

  it('a step cancelled because another failed is not the failing step', () => {
    const tracker = new BuildkitTracker();
    const vertex = (digest: string, name: string, error: string): BuildMessage => ({
      id: 'moby.buildkit.trace',
      aux: encodeVertex(digest, name, error),
    });
    tracker.update(vertex('sha256:a', '[builder 2/2] RUN make', 'context canceled'));
    tracker.update(vertex('sha256:b', '[tests 2/2] RUN exit 1', 'exit code: 1'));
    tracker.update(vertex('sha256:c', '[other 2/2] RUN sleep 9', 'context canceled'));
    expect(tracker.errorStep).toBe('step tests 2/2 (RUN exit 1)');
  });

  it('reads the stream of an engine that ignored version=2 as the classic one', () => {
    const tracker = new BuildkitTracker();
    tracker.update({ stream: 'Step 1/2 : FROM base\n' });
    tracker.update({ stream: ' ---> 0123456789ab\n' });
    tracker.update({ stream: 'Successfully built 0123456789ab\n' });
    expect(tracker.imageId).toBe('0123456789ab');
    expect(tracker.step).toBe('step 1/2 (FROM base)');
  });
});

describe('BuildKit step names', () => {
  it('as the classic builder names its steps, with the stage when it has a name', () => {
    expect(stepLabel('[2/3] RUN make')).toBe('step 2/3 (RUN make)');
    expect(stepLabel('[stage-0 2/3] RUN make')).toBe('step 2/3 (RUN make)');
    expect(stepLabel('[builder 1/4] FROM base AS builder')).toBe('step builder 1/4 (FROM base AS builder)');
    expect(stepLabel('[internal] load metadata for docker.io/x:latest')).toBe(
      '[internal] load metadata for docker.io/x:latest',
    );
  });
});

describe('builder choice', () => {
  it('BuildKit by default; DOCKER_BUILDKIT=0 (or false) selects the classic builder', () => {
    expect(builderFor({})).toBe('buildkit');
    expect(builderFor({ DOCKER_BUILDKIT: '1' })).toBe('buildkit');
    expect(builderFor({ DOCKER_BUILDKIT: 'true' })).toBe('buildkit');
    expect(builderFor({ DOCKER_BUILDKIT: '0' })).toBe('classic');
    expect(builderFor({ DOCKER_BUILDKIT: 'false' })).toBe('classic');
  });
  it('any other value is an error naming it', () => {
    expect(() => builderFor({ DOCKER_BUILDKIT: 'yes' })).toThrow('DOCKER_BUILDKIT must be a boolean');
  });
});

describe('BuildKit query', () => {
  it('asks for version 2 and carries the build keys the endpoint takes', () => {
    const q = buildkitQuery(
      {
        service: 'web',
        context: '/ctx',
        tags: ['p-web', 'p-web:v1'],
        target: 'runtime',
        args: { A: '1' },
        labels: { l: 'v' },
        cacheFrom: ['p-web:cache'],
        noCache: true,
        pull: true,
        network: 'host',
        shmSize: 67108864,
        extraHosts: ['db=10.0.0.2'],
      },
      'Dockerfile',
    );
    expect(q).toEqual({
      version: '2',
      t: ['p-web', 'p-web:v1'],
      dockerfile: 'Dockerfile',
      target: 'runtime',
      buildargs: '{"A":"1"}',
      labels: '{"l":"v"}',
      cachefrom: '["p-web:cache"]',
      nocache: true,
      pull: true,
      networkmode: 'host',
      shmsize: 67108864,
      extrahosts: ['db:10.0.0.2'],
    });
  });
  it('a named build network is refused before anything is sent, with the way out', () => {
    expect(() => checkBuildkitSpec({ service: 'web', context: '/c', tags: ['t'], network: 'backend' })).toThrow(
      'service "web": build.network "backend" cannot be used by BuildKit',
    );
    expect(() => checkBuildkitSpec({ service: 'web', context: '/c', tags: ['t'], network: 'none' })).not.toThrow();
  });
});

describe('BuildKit warnings', () => {
  it('shm_size is said not to apply on an engine whose BuildKit ignores it (before API 1.42)', () => {
    const spec = { service: 'web', context: '/c', tags: ['t'], shmSize: 134217728 };
    expect(buildkitWarnings(spec, '1.41')).toEqual([
      'build.shm_size is not applied by the BuildKit of this engine (API 1.41); DOCKER_BUILDKIT=0 builds with the classic builder, which applies it',
    ]);
    expect(buildkitWarnings(spec, '1.43')).toEqual([]);
    expect(buildkitWarnings({ service: 'web', context: '/c', tags: ['t'] }, '1.41')).toEqual([]);
  });
});

/** A StatusResponse with one finished vertex, encoded by hand (protobuf wire format), as base64. */
function encodeVertex(digest: string, name: string, error: string): string {
  const field = (n: number, text: string): Buffer => {
    const body = Buffer.from(text);
    return Buffer.concat([Buffer.from([(n << 3) | 2, body.length]), body]);
  };
  const completed = Buffer.from([0x08, 0x01]); // Timestamp{seconds: 1}
  const vertex = Buffer.concat([
    field(1, digest),
    field(3, name),
    Buffer.from([(6 << 3) | 2, completed.length]),
    completed,
    field(7, error),
  ]);
  return Buffer.concat([Buffer.from([(1 << 3) | 2, vertex.length]), vertex]).toString('base64');
}
