/**
 * The checks on resource keys that Compose makes too: one engine setting written twice with two values,
 * and a `deploy.restart_policy` condition the engine has no policy for.
 */
import { describe, expect, it } from 'vitest';
import { load, loadBrief } from './helpers.js';

const stack = (body: string): Record<string, string> => ({
  'compose.yaml': `services:\n  web:\n    image: x\n${body}`,
});

describe('a setting and its deploy.resources spelling', () => {
  it('distinct values are refused at the deploy field', async () => {
    const body = [
      '    mem_limit: 64m',
      '    cpus: 0.5',
      '    pids_limit: 10',
      '    mem_reservation: 8m',
      '    deploy:',
      '      resources:',
      "        limits: {memory: 128m, cpus: '0.5', pids: 20}",
      '        reservations: {memory: 16m}',
      '',
    ].join('\n');
    expect(await loadBrief(stack(body))).toEqual([
      'compose.yaml:10:26: services.web.deploy.resources.limits.memory: "mem_limit" and "deploy.resources.limits.memory" set distinct values (they are one engine setting: keep one of them, or give both the same value)',
      'compose.yaml:11:32: services.web.deploy.resources.reservations.memory: "mem_reservation" and "deploy.resources.reservations.memory" set distinct values (they are one engine setting: keep one of them, or give both the same value)',
      'compose.yaml:10:51: services.web.deploy.resources.limits.pids: "pids_limit" and "deploy.resources.limits.pids" set distinct values (they are one engine setting: keep one of them, or give both the same value)',
    ]);
  });

  it('the same value twice, in any spelling, is accepted', async () => {
    const { project } = await load(
      stack(
        "    mem_limit: 1g\n    cpus: 2\n    deploy:\n      resources:\n        limits: {memory: 1024m, cpus: '2.0'}\n",
      ),
    );
    expect(project.services.web!.mem_limit).toBe(1024 ** 3);
  });
});

describe('deploy.restart_policy.condition', () => {
  it('accepts the Compose spec conditions and the engine policy names Compose maps', async () => {
    for (const condition of ['none', 'on-failure', 'any', 'no', 'always', 'unless-stopped']) {
      const { project } = await load(stack(`    deploy:\n      restart_policy: {condition: ${condition}}\n`));
      expect(project.services.web!.deploy?.restart_policy?.condition).toBe(condition);
    }
  });

  it('refuses another at its value', async () => {
    expect(await loadBrief(stack('    deploy:\n      restart_policy:\n        condition: on-failur\n'))).toEqual([
      'compose.yaml:6:20: services.web.deploy.restart_policy.condition: "on-failur" is not a restart condition (use one of: none, on-failure, any; did you mean "on-failure"?)',
    ]);
  });
});
