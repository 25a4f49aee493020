/**
 * The `dev.berth.config` label (plan/hash.ts): it names the fields a recreate changes from digests, so no
 * environment value is ever in it, and a label written by an earlier build (the whole config, deflated)
 * still gives the same reasons.
 */
import { randomUUID } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { applyPlan } from '../../../src/apply/apply.js';
import { formatPlan, planUp } from '../../../src/plan/index.js';
import { containerLabels } from '../../../src/plan/desired.js';
import {
  configHash,
  decodeConfig,
  diffConfig,
  digestConfig,
  encodeConfig,
  hashedConfig,
} from '../../../src/plan/hash.js';
import { Label } from '../../../src/plan/labels.js';
import { FakeRuntime } from '../../helpers/fake-runtime.js';
import { project } from '../../helpers/project.js';

const web = (env: Record<string, string>, extra: Parameters<typeof project>[1][string] = {}) =>
  project('lbl', { web: { image: 'busybox', command: ['sleep', '300'], environment: env, ...extra } }).services.web!;

/** What describeConfigChange computes: the fields that differ between a container's label and a service. */
const changed = (label: string, service: ReturnType<typeof web>): string[] => {
  const before = decodeConfig(label)!;
  return diffConfig(before.digests, digestConfig(hashedConfig(service), before.salt));
};

/** The label as the builds before per-key digests wrote it. */
const legacyLabel = (service: ReturnType<typeof web>): string =>
  deflateRawSync(Buffer.from(JSON.stringify(hashedConfig(service)))).toString('base64');

describe('dev.berth.config', () => {
  it('holds no environment value, neither as written nor once decoded', () => {
    const canary = `canary-${randomUUID()}`;
    const service = web({ TOKEN: canary, PLAIN: 'x' });
    const p = project('lbl', { web: service });
    const labels = containerLabels(p, service, 1, 'test');
    const label = labels[Label.berthConfig]!;
    for (const value of Object.values(labels)) expect(value).not.toContain(canary);
    expect(JSON.stringify(decodeConfig(label))).not.toContain(canary);
    // Nor in any other encoding a reader might try on it.
    expect(Buffer.from(label, 'base64').toString('latin1')).not.toContain(canary);
    expect(label).not.toContain(Buffer.from(canary).toString('base64').slice(0, 16));
  });

  it('names each changed field as the whole config did: environment.FOO, image, ports, command', () => {
    const before = web(
      { FOO: 'a', BAR: 'same' },
      { ports: [{ mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' }] },
    );
    const label = encodeConfig(hashedConfig(before));
    expect(changed(label, before)).toEqual([]);
    expect(changed(label, web({ FOO: 'b', BAR: 'same' }, { ports: before.ports }))).toEqual(['environment.FOO']);
    expect(changed(label, web({ BAR: 'same' }, { ports: before.ports }))).toEqual(['environment.FOO']);
    expect(changed(label, web({ FOO: 'a', BAR: 'same', NEW: '1' }, { ports: before.ports }))).toEqual([
      'environment.NEW',
    ]);
    expect(changed(label, web({ FOO: 'a', BAR: 'same' }, { ports: before.ports, image: 'busybox:1.36' }))).toEqual([
      'image',
    ]);
    expect(
      changed(label, web({ FOO: 'a', BAR: 'same' }, { ports: [{ ...before.ports[0]!, published: '8081' }] })),
    ).toEqual(['ports']);
    expect(changed(label, web({ FOO: 'a', BAR: 'same' }, { ports: before.ports, command: ['sleep', '301'] }))).toEqual([
      'command',
    ]);
    expect(changed(label, web({}, {}))).toEqual(['environment', 'ports']);
  });

  it('is the same for the same config, and salted by its config hash', () => {
    const service = web({ FOO: 'a' });
    const label = encodeConfig(hashedConfig(service));
    expect(encodeConfig(hashedConfig(web({ FOO: 'a' })))).toBe(label);
    expect(decodeConfig(label)!.salt).toBe(configHash(service).slice(0, 16));
    // The same value under another config digests differently: no digest table serves every container.
    const other = decodeConfig(encodeConfig(hashedConfig(web({ FOO: 'a' }, { command: ['true'] }))))!;
    expect((other.digests.environment as Record<string, string>).FOO).not.toBe(
      (decodeConfig(label)!.digests.environment as Record<string, string>).FOO,
    );
  });

  it('reads a label written by an earlier build (the whole config) and gives the same reasons', () => {
    const before = web({ FOO: 'a', BAR: 'same' });
    const label = legacyLabel(before);
    expect(changed(label, before)).toEqual([]);
    expect(changed(label, web({ FOO: 'b', BAR: 'same' }))).toEqual(['environment.FOO']);
    expect(changed(label, web({ FOO: 'a', BAR: 'same' }, { image: 'busybox:1.36' }))).toEqual(['image']);
  });

  it('gives nothing for a label that is not berth\'s (the planner then says "config changed")', () => {
    expect(decodeConfig(undefined)).toBeUndefined();
    expect(decodeConfig('')).toBeUndefined();
    expect(decodeConfig('{"salt":1}')).toBeUndefined();
    expect(decodeConfig('{"salt":"a","digests":{"x":3}}')).toBeUndefined();
    expect(decodeConfig('not base64 deflate')).toBeUndefined();
  });

  it('lets a container labelled by an earlier build be kept while its config is the same, and name the field once it changes', async () => {
    const IMG = 'sha256:1111111111111111111111111111111111111111111111111111111111111111';
    const stack = (foo: string) => project('old', { web: { image: 'busybox', environment: { FOO: foo } } });
    const rt = new FakeRuntime({ busybox: IMG });
    const plan = async (p: ReturnType<typeof stack>) =>
      planUp(p, await rt.observe(p.name, ['busybox']), { berthVersion: 'test' });
    await applyPlan(await plan(stack('a')), rt, () => {}, { parallel: 1 });
    const [container] = [...rt.containers.values()];
    container!.labels[Label.berthConfig] = legacyLabel(stack('a').services.web!);
    expect(formatPlan(await plan(stack('a')))).toBe('old-web-1: keep: up to date (running)');
    expect(formatPlan(await plan(stack('b')))).toBe('old-web-1: recreate: environment.FOO changed');
  });
});
