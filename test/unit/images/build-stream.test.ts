/** `POST /build`: the query a BuildSpec becomes, and the answer's stream folded into steps, an id and errors. */
import { describe, expect, it } from 'vitest';
import { BuildTracker, buildQuery, engineExtraHost } from '../../../src/runtime/docker/build.js';
import { buildQuery as queryString } from '../../../src/runtime/docker/transport.js';

describe('buildQuery', () => {
  it('maps every build option to the engine parameter, tags repeated', () => {
    const q = buildQuery(
      {
        context: '/ctx',
        tags: ['demo-web', 'reg/web:1'],
        args: { A: '1' },
        target: 'prod',
        labels: { l: 'v' },
        cacheFrom: ['demo-web'],
        noCache: true,
        pull: true,
        network: 'host',
        shmSize: 67108864,
        extraHosts: ['db=10.0.0.2', 'cache:10.0.0.3'],
        platform: 'linux/amd64',
      },
      '.dockerfile.x',
    );
    expect(queryString(q)).toBe(
      '?t=demo-web&t=reg%2Fweb%3A1&dockerfile=.dockerfile.x&rm=1&forcerm=1&nocache=1&pull=1&target=prod&networkmode=host&shmsize=67108864' +
        '&platform=linux%2Famd64&extrahosts=db%3A10.0.0.2&extrahosts=cache%3A10.0.0.3&buildargs=%7B%22A%22%3A%221%22%7D&labels=%7B%22l%22%3A%22v%22%7D&cachefrom=%5B%22demo-web%22%5D',
    );
  });

  it('leaves out what is not asked for', () => {
    expect(buildQuery({ context: '/ctx', tags: ['x'] }, 'Dockerfile')).toEqual({
      t: ['x'],
      dockerfile: 'Dockerfile',
      rm: true,
      forcerm: true,
    });
    expect(engineExtraHost('host=1.2.3.4')).toBe('host:1.2.3.4');
  });
});

describe('BuildTracker', () => {
  it('tags each output line with its step and finds the image id', () => {
    const t = new BuildTracker();
    const lines = [
      ...t.update({ stream: 'Step 1/2 : FROM base\n' }),
      ...t.update({ stream: ' ---> abc\nStep 2/2 : RUN make' }),
      ...t.update({ stream: '\n\u001b[91mwarning: x\n\u001b[0m' }),
      ...t.update({ aux: { ID: 'sha256:feed' } }),
      ...t.update({ stream: 'Successfully built 0123456789ab\n' }),
    ];
    expect(lines.map((l) => `${l.step ?? '-'} | ${l.line}`)).toEqual([
      'step 1/2 (FROM base) | Step 1/2 : FROM base',
      'step 1/2 (FROM base) |  ---> abc',
      'step 2/2 (RUN make) | Step 2/2 : RUN make',
      'step 2/2 (RUN make) | warning: x',
      'step 2/2 (RUN make) | Successfully built 0123456789ab',
    ]);
    expect(t.imageId).toBe('sha256:feed');
    expect(t.error).toBeUndefined();
  });

  it('keeps the first error and the step that was running', () => {
    const t = new BuildTracker();
    t.update({ stream: 'Step 3/3 : RUN exit 3\n' });
    t.update({
      errorDetail: { message: "The command '/bin/sh -c exit 3' returned a non-zero code: 3", code: 3 },
      error: 'x',
    });
    t.update({ error: 'later' });
    expect(t.error).toBe("The command '/bin/sh -c exit 3' returned a non-zero code: 3");
    expect(t.errorStep).toBe('step 3/3 (RUN exit 3)');
  });

  it('falls back on the classic "Successfully built" line without aux', () => {
    const t = new BuildTracker();
    t.update({ stream: 'Successfully built 0123456789ab\n' });
    expect(t.imageId).toBe('0123456789ab');
  });
});
