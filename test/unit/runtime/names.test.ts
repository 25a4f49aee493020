/**
 * The Docker runtime settles what the engine says about container names: after a create's name conflict
 * it finds the holder even while the engine answers 404 for a name it has reserved; a rename is done when
 * the container has the name, whatever the rename's own answer was.
 */
import { describe, expect, it } from 'vitest';
import { fakeClock } from '../../helpers/clock.js';
import { EngineError, EngineUnreachableError, NotFoundError } from '../../../src/errors.js';
import { holderOf, renameSettled } from '../../../src/runtime/docker/names.js';
import type { ContainerDetails } from '../../../src/runtime/runtime.js';

const clock = fakeClock;

const HOLDER = { id: 'a'.repeat(64), name: 'p-web-1', labels: { 'com.docker.compose.project': 'p' } };
const missing = (): Promise<ContainerDetails> =>
  Promise.reject(new NotFoundError(404, 'No such container: p-web-1', 'inspect container p-web-1'));
const found = (): Promise<ContainerDetails> =>
  Promise.resolve({ ...HOLDER, mounts: [] } as unknown as ContainerDetails);

describe('the holder of a name after a conflict', () => {
  it('found at once: its id, name and labels, no pause', async () => {
    const c = clock();
    expect(await holderOf(found, 'p-web-1', c)).toEqual(HOLDER);
    expect(c.pauses).toEqual([]);
  });

  it('a name the engine reserved for a create still under way (404 at first): looked for again until it is there', async () => {
    const c = clock();
    let looks = 0;
    const inspect = (): Promise<ContainerDetails> => (++looks <= 3 ? missing() : found());
    expect(await holderOf(inspect, 'p-web-1', c)).toEqual(HOLDER);
    expect(c.pauses).toEqual([100, 100, 100]);
  });

  it('never there (removed meanwhile): none, after 20 looks 100 ms apart', async () => {
    const c = clock();
    let looks = 0;
    expect(
      await holderOf(
        () => {
          looks++;
          return missing();
        },
        'p-web-1',
        c,
      ),
    ).toBeUndefined();
    expect(looks).toBe(20);
    expect(c.now()).toBe(2000);
  });

  it('any other failure to look is that failure', async () => {
    const lost = new EngineUnreachableError('cannot reach the Docker Engine: connection reset');
    await expect(holderOf(() => Promise.reject(lost), 'p-web-1', clock())).rejects.toBe(lost);
  });
});

describe('a rename, settled', () => {
  const renaming = (err?: Error) => () => (err ? Promise.reject(err) : Promise.resolve());

  it('answered: done without a look', async () => {
    let looked = false;
    await renameSettled(
      renaming(),
      () => {
        looked = true;
        return Promise.resolve('x');
      },
      'p-web-1',
    );
    expect(looked).toBe(false);
  });

  it('to the name the container has (Docker: 400 "same name as its current name"): done', async () => {
    const same = new EngineError(400, 'Renaming a container with the same name as its current name', 'rename');
    await renameSettled(renaming(same), () => Promise.resolve('p-web-1'), 'p-web-1');
  });

  it('an answer lost after the engine renamed: done', async () => {
    const lost = new EngineUnreachableError('rename: lost the connection to the Docker Engine');
    await renameSettled(renaming(lost), () => Promise.resolve('p-web-1'), 'p-web-1');
  });

  it('a rename that did not happen: its own error', async () => {
    const taken = new EngineError(409, 'Conflict. The container name "/p-web-1" is already in use', 'rename');
    await expect(renameSettled(renaming(taken), () => Promise.resolve('old'), 'p-web-1')).rejects.toBe(taken);
    await expect(
      renameSettled(renaming(taken), () => Promise.reject(new Error('unreachable')), 'p-web-1'),
    ).rejects.toBe(taken);
  });
});
