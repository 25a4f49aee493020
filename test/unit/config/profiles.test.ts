import { describe, expect, it } from 'vitest';
import { load } from './helpers.js';

const stack = {
  'compose.yaml': [
    'services:',
    '  web: {image: x}',
    '  debug: {image: x, profiles: [debug]}',
    '  worker: {image: x, profiles: [jobs], depends_on: [queue]}',
    '  queue: {image: x, profiles: [infra]}',
    '',
  ].join('\n'),
};

describe('profiles', () => {
  it('services without profiles are always enabled; others are disabled', async () => {
    const { project } = await load(stack);
    expect(Object.keys(project.services)).toEqual(['web']);
    expect(Object.keys(project.disabled_services ?? {}).sort()).toEqual(['debug', 'queue', 'worker']);
  });

  it('--profile enables matching services, and what they depend on', async () => {
    const { project } = await load(stack, { profiles: ['jobs'] });
    expect(Object.keys(project.services).sort()).toEqual(['queue', 'web', 'worker']);
  });

  it('COMPOSE_PROFILES (comma-separated) when no --profile is given', async () => {
    const { project } = await load(stack, { env: { COMPOSE_PROFILES: 'debug, infra' } });
    expect(Object.keys(project.services).sort()).toEqual(['debug', 'queue', 'web']);
  });

  it('a service named on the command line activates its profiles, beside those given (as Compose does)', async () => {
    const { project } = await load(stack, { enableServices: ['worker'], profiles: ['debug'] });
    expect(Object.keys(project.services).sort()).toEqual(['debug', 'queue', 'web', 'worker']);
    const plain = await load(stack, { enableServices: ['web'] });
    expect(Object.keys(plain.project.services)).toEqual(['web']);
  });

  it('"*" enables every profile', async () => {
    const { project } = await load(stack, { profiles: ['*'] });
    expect(Object.keys(project.services)).toHaveLength(4);
    expect(project.disabled_services).toBeUndefined();
  });

  it('does not check disabled services for references', async () => {
    const { project } = await load({
      'compose.yaml': 'services:\n  web: {image: x}\n  off: {image: x, profiles: [p], volumes: ["nope:/x"]}\n',
    });
    expect(Object.keys(project.services)).toEqual(['web']);
  });
});
