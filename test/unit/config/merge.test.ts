import { describe, expect, it } from 'vitest';
import type { ServiceConfig } from '../../../src/config/model.js';
import { load } from './helpers.js';

/** Merge `base` and `override` (service "web") and return the merged service. */
async function merged(base: string, override: string): Promise<ServiceConfig> {
  const { project } = await load(
    {
      'compose.yaml': `services:\n  web:\n    image: x\n${base}volumes:\n  data: {}\n  logs: {}\n`,
      'compose.override.yaml': `services:\n  web:\n${override}`,
    },
    { env: { SHELL_VAR: 'from-shell' } },
  );
  return project.services.web!;
}

describe('merging files: scalars and mappings', () => {
  it('replaces scalars and merges mappings key by key', async () => {
    const s = await merged(
      '    user: a\n    healthcheck: {interval: 10s, retries: 3}\n',
      '    user: b\n    healthcheck: {retries: 5}\n',
    );
    expect(s.user).toBe('b');
    expect(s.healthcheck).toEqual({ interval: '10s', retries: 5 });
  });

  it('merges environment and labels as maps, whatever form each file uses', async () => {
    const s = await merged(
      '    environment: [A=1, B=2]\n    labels: {x: "1"}\n',
      '    environment:\n      B: 3\n      C: 4\n    labels: ["y=2"]\n',
    );
    expect(s.environment).toEqual({ A: '1', B: '3', C: '4' });
    expect(s.labels).toEqual({ x: '1', y: '2' });
  });

  it('merges build args and depends_on entries', async () => {
    const { project } = await load({
      'compose.yaml':
        'services:\n  web:\n    build: {context: ., args: {A: "1"}}\n    depends_on: [db]\n  db: {image: x}\n  cache: {image: x}\n',
      'compose.override.yaml':
        'services:\n  web:\n    build: {args: {B: "2"}}\n    depends_on: {db: {condition: service_healthy}, cache: {condition: service_started}}\n',
    });
    const web = project.services.web!;
    expect(web.build!.args).toEqual({ A: '1', B: '2' });
    expect(web.depends_on).toEqual({
      db: { condition: 'service_healthy', required: true, restart: false },
      cache: { condition: 'service_started', required: true, restart: false },
    });
  });

  it('replaces logging when the driver changes, merges options otherwise', async () => {
    const same = await merged(
      '    logging: {driver: json-file, options: {max-size: 1m}}\n',
      '    logging: {options: {max-file: "3"}}\n',
    );
    expect(same.logging).toEqual({ driver: 'json-file', options: { 'max-size': '1m', 'max-file': '3' } });
    const other = await merged(
      '    logging: {driver: json-file, options: {max-size: 1m}}\n',
      '    logging: {driver: syslog}\n',
    );
    expect(other.logging).toEqual({ driver: 'syslog' });
  });
});

describe('merging files: lists', () => {
  it('replaces command, entrypoint and healthcheck.test', async () => {
    const s = await merged(
      '    command: [a, b]\n    entrypoint: /x\n    healthcheck: {test: [CMD, a]}\n',
      '    command: c\n    entrypoint: [/y]\n    healthcheck: {test: b}\n',
    );
    expect([s.command, s.entrypoint, s.healthcheck!.test]).toEqual([['c'], ['/y'], ['CMD-SHELL', 'b']]);
  });

  it('merges ports, unique by host binding and container port', async () => {
    const s = await merged('    ports: ["8080:80", "443:443"]\n', '    ports: ["8080:80", "9000:90"]\n');
    expect(s.ports.map((p) => `${p.published ?? ''}:${p.target}`)).toEqual(['8080:80', '443:443', '9000:90']);
  });

  it('merges volumes by target: the later file wins for the same target', async () => {
    const s = await merged('    volumes: ["data:/data", "logs:/logs"]\n', '    volumes: ["./local:/data"]\n');
    expect(s.volumes.map((v) => `${v.type}:${v.target}`)).toEqual(['bind:/data', 'volume:/logs']);
  });

  it('appends other lists without duplicates', async () => {
    const s = await merged(
      '    dns: [1.1.1.1]\n    cap_add: [NET_ADMIN]\n',
      '    dns: [1.1.1.1, 8.8.8.8]\n    cap_add: [SYS_TIME]\n',
    );
    expect(s.dns).toEqual(['1.1.1.1', '8.8.8.8']);
    expect(s.cap_add).toEqual(['NET_ADMIN', 'SYS_TIME']);
  });
});

describe('merging files: !reset and !override', () => {
  it('!reset removes what earlier files set', async () => {
    const s = await merged(
      '    ports: ["80:80"]\n    environment: {A: "1"}\n    user: root\n',
      '    ports: !reset []\n    environment: !reset {}\n    user: !reset null\n',
    );
    expect(s.ports).toEqual([]);
    expect(s.environment).toEqual({});
    expect(s.user).toBeUndefined();
  });

  it('!override replaces instead of merging', async () => {
    const s = await merged(
      '    ports: ["80:80", "443:443"]\n    environment: {A: "1", B: "2"}\n',
      '    ports: !override ["8080:80"]\n    environment: !override {C: "3"}\n',
    );
    expect(s.ports.map((p) => `${p.published ?? ''}:${p.target}`)).toEqual(['8080:80']);
    expect(s.environment).toEqual({ C: '3' });
  });

  it('merges services, networks and volumes added by the override', async () => {
    const { project } = await load({
      'compose.yaml': 'services:\n  web: {image: x}\n',
      'compose.override.yaml': 'services:\n  debug: {image: y, networks: [dbg]}\nnetworks:\n  dbg: {}\n',
    });
    expect(Object.keys(project.services)).toEqual(['web', 'debug']);
    expect(Object.keys(project.networks).sort()).toEqual(['dbg', 'default']);
  });
});
