import { describe, expect, it } from 'vitest';
import { load, loadBrief } from './helpers.js';

const stack = (restart: string): Record<string, string> => ({
  'compose.yaml': `services:\n  web:\n    image: x\n    restart: ${restart}\n`,
});

describe('restart', () => {
  it('accepts the four policies the engine knows, on-failure with a number of retries', async () => {
    for (const policy of ['no', '"no"', 'always', 'unless-stopped', 'on-failure', 'on-failure:5', '"${POLICY}"']) {
      const { project } = await load(stack(policy), { env: { POLICY: 'always' } });
      expect(project.services.web!.restart, policy).toBe(policy.replace(/"/g, '').replace('${POLICY}', 'always'));
    }
  });

  it('rejects anything else at its value, naming the allowed policies', async () => {
    expect(await loadBrief(stack('sometimes'))).toEqual([
      'compose.yaml:4:14: services.web.restart: "sometimes" is not a restart policy (use one of: no, always, on-failure[:N] (give up after N retries), unless-stopped)',
    ]);
    expect(await loadBrief(stack('unles-stopped'))).toEqual([
      'compose.yaml:4:14: services.web.restart: "unles-stopped" is not a restart policy (use one of: no, always, on-failure[:N] (give up after N retries), unless-stopped; did you mean "unless-stopped"?)',
    ]);
  });

  it('rejects a number of retries on a policy other than on-failure, and one that is not a number', async () => {
    expect(await loadBrief(stack('always:3'))).toEqual([
      'compose.yaml:4:14: services.web.restart: "always:3": only on-failure takes a number of retries (write "always", or "on-failure:N" to give up after N retries)',
    ]);
    expect(await loadBrief(stack('on-failure:often'))).toEqual([
      'compose.yaml:4:14: services.web.restart: "on-failure:often": the number of retries must be a whole number (write "on-failure" or "on-failure:N", for example "on-failure:5")',
    ]);
  });

  it('checks the value a variable gives, where the variable is used', async () => {
    expect(await loadBrief(stack('"${POLICY}"'), { env: { POLICY: 'sometimes' } })).toEqual([
      'compose.yaml:4:14: services.web.restart: the value of ${POLICY} is not a restart policy (use one of: no, always, on-failure[:N] (give up after N retries), unless-stopped)',
    ]);
    // Without interpolation (`config --no-interpolate`) the reference itself is kept.
    const { project } = await load(stack('"${POLICY}"'), { interpolate: false });
    expect(project.services.web!.restart).toBe('${POLICY}');
  });

  it('locates a bad value in the override that brings it', async () => {
    expect(
      await loadBrief({
        'compose.yaml': 'services:\n  web:\n    image: x\n    restart: always\n',
        'compose.override.yaml': 'services:\n  web:\n    restart: whenever\n',
      }),
    ).toEqual([
      'compose.override.yaml:3:14: services.web.restart: "whenever" is not a restart policy (use one of: no, always, on-failure[:N] (give up after N retries), unless-stopped)',
    ]);
  });
});
