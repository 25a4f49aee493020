/**
 * The one scheduler every plan runs through: dependency order within a parallelism limit, one failure
 * rule (what follows a failure is skipped, with why; other branches go on), and conditional steps (an
 * undo runs only after a failure; a check's steps only when it found a change).
 */
import { describe, expect, it } from 'vitest';
import { walkSteps, type StepNode, type StepOutcome, type StepResult } from '../../../src/graph/steps.js';

type Step = StepNode & { fails?: boolean; changed?: boolean };

async function walk(steps: Step[], limit = 1): Promise<{ ran: string[]; states: Record<string, string> }> {
  const ran: string[] = [];
  const outcomes = await walkSteps(steps, limit, {
    run: (s): Promise<void | StepResult> => {
      ran.push(s.id);
      if (s.fails) return Promise.reject(new Error(`${s.id} broke`));
      return Promise.resolve(s.changed === undefined ? undefined : { changed: s.changed });
    },
    gate: (_s, blockers) => `${blockers[0]!.step.id} did not finish`,
  });
  const states = Object.fromEntries([...outcomes].map(([id, o]) => [id, stateOf(o)]));
  return { ran, states };
}

const stateOf = (o: StepOutcome): string =>
  o.state === 'skipped' ? `skipped (${o.why})` : o.state === 'failed' ? `failed (${o.error.message})` : o.state;

/** A replacement: create, start, then removal of the previous; the undo after a failed create or start. */
const replacement = (failing?: 'create' | 'start' | 'remove-new'): Step[] => [
  { id: 'create', after: [], fails: failing === 'create' },
  { id: 'start', after: ['create'], fails: failing === 'start' },
  { id: 'remove-previous', after: ['start'] },
  {
    id: 'remove-new',
    after: ['create', 'start'],
    when: { failed: ['create', 'start'] },
    fails: failing === 'remove-new',
  },
  { id: 'name-back', after: ['remove-new'], when: { ran: 'remove-new' } },
  { id: 'other-service', after: [] },
];

describe('walkSteps', () => {
  it('an undo never runs when nothing failed: its steps end idle, silently', async () => {
    const { ran, states } = await walk(replacement());
    expect(ran).toEqual(['create', 'start', 'remove-previous', 'other-service']);
    expect(states).toMatchObject({ 'remove-new': 'idle', 'name-back': 'idle', 'remove-previous': 'done' });
  });

  it('a failed start runs the undo; what follows the start is skipped; other branches go on', async () => {
    const { ran, states } = await walk(replacement('start'));
    expect(ran).toEqual(['create', 'start', 'remove-new', 'name-back', 'other-service']);
    expect(states).toMatchObject({
      start: 'failed (start broke)',
      'remove-previous': 'skipped (start did not finish)',
      'remove-new': 'done',
      'name-back': 'done',
      'other-service': 'done',
    });
  });

  it('a failed create: the start is skipped, and the undo still runs (a skipped trigger does not hold it back)', async () => {
    const { states } = await walk(replacement('create'));
    expect(states).toMatchObject({
      start: 'skipped (create did not finish)',
      'remove-new': 'done',
      'name-back': 'done',
    });
  });

  it('an undo step that fails holds back the rest of the undo', async () => {
    const { states } = await walk(replacement('remove-new'));
    expect(states).toMatchObject({ 'remove-new': 'idle', 'name-back': 'idle' });
    const failedStart = replacement('start').map((s) => (s.id === 'remove-new' ? { ...s, fails: true } : s));
    expect((await walk(failedStart)).states).toMatchObject({
      'remove-new': 'failed (remove-new broke)',
      'name-back': 'skipped (remove-new did not finish)',
    });
  });

  it("a check's steps run only when it reports a change; idle steps count as done for what follows them", async () => {
    const steps = (changed: boolean): Step[] => [
      { id: 'check', after: [], changed },
      { id: 'recreate', after: ['check'], when: { changed: 'check' } },
      { id: 'dependent', after: ['recreate'] },
    ];
    expect((await walk(steps(false))).states).toEqual({ check: 'done', recreate: 'idle', dependent: 'done' });
    expect((await walk(steps(true))).ran).toEqual(['check', 'recreate', 'dependent']);
    const failing: Step[] = [{ id: 'check', after: [], fails: true }, ...steps(true).slice(1)];
    expect((await walk(failing)).states).toMatchObject({ recreate: 'skipped (check did not finish)' });
  });

  it('runs at most `limit` at once, the earliest listed first among those ready', async () => {
    let running = 0;
    let most = 0;
    const order: string[] = [];
    const steps: StepNode[] = ['a', 'b', 'c', 'd'].map((id) => ({ id, after: id === 'd' ? ['a'] : [] }));
    await walkSteps(steps, 2, {
      run: async (s) => {
        order.push(s.id);
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
      },
      gate: () => 'never',
    });
    expect(most).toBe(2);
    expect(order.slice(0, 2)).toEqual(['a', 'b']);
    expect(order).toHaveLength(4);
  });

  it('refuses a condition on a step the conditional one does not follow', async () => {
    await expect(
      walk([
        { id: 'x', after: [] },
        { id: 'y', after: [], when: { failed: ['x'] } },
      ]),
    ).rejects.toThrow('internal error: step y is conditional on x');
  });
});
