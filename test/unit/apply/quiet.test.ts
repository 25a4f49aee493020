/**
 * `--quiet-pull` and `--quiet-build`: a pull or a build still says it starts and ends, without the
 * progress in between (the download fractions, the builder's output lines).
 */
import { describe, expect, it } from 'vitest';
import { up } from '../../../src/apply/ops.js';
import type { ProgressEvent, Renderer } from '../../../src/progress/events.js';
import { FakeRuntime } from '../../helpers/fake-runtime.js';
import { project } from '../../helpers/project.js';

function recorder(): Renderer & { events: ProgressEvent[] } {
  const events: ProgressEvent[] = [];
  return { events, start: () => undefined, event: (e) => void events.push(e), done: () => Promise.resolve() };
}

const stack = project('demo', {
  db: { image: 'postgres' },
  app: { image: 'me/app', build: { context: '/src' } },
});

/** The texts of the image events, in order. */
async function imageTexts(quiet: { quietPull?: boolean; quietBuild?: boolean }): Promise<string[]> {
  const r = recorder();
  await up(stack, new FakeRuntime({}), { berthVersion: 't', parallel: 1, ...quiet }, r);
  return r.events.filter((e) => e.id.startsWith('image:')).map((e) => `${e.id} ${e.text} ${e.detail ?? ''}`.trim());
}

describe('quiet pulls and builds', () => {
  it('without the flags, a pull reports its progress and a build its output', async () => {
    const texts = await imageTexts({});
    expect(texts).toContain('image:postgres Pulling 50%');
    expect(texts).toContain('image:me/app Building Step 1/1 : FROM scratch');
  });

  it('with --quiet-pull and --quiet-build, only their start and end', async () => {
    expect(await imageTexts({ quietPull: true, quietBuild: true })).toEqual([
      'image:postgres Pulling not present locally',
      'image:postgres Pulled',
      'image:me/app Building not present locally',
      expect.stringMatching(/^image:me\/app Built [0-9a-f]+$/),
    ]);
  });
});
