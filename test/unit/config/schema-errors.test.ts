import { describe, expect, it } from 'vitest';
import { loadBrief, loadIssues } from './helpers.js';

describe("schema errors: one message per location, in the user's words", () => {
  it('names an unknown key and suggests the closest one', async () => {
    expect(await loadBrief({ 'compose.yaml': 'services:\n  web:\n    imagee: nginx\n' })).toEqual([
      'compose.yaml:3:5: services.web.imagee: unknown key "imagee" (did you mean "image"?)',
    ]);
  });

  it('suggests top-level keys too', async () => {
    expect(await loadBrief({ 'compose.yaml': 'service:\n  web:\n    image: nginx\n' })).toEqual([
      'compose.yaml:1:1: service: unknown key "service" (did you mean "services"?)',
    ]);
  });

  it('says "must be a mapping", not "must be object"', async () => {
    expect(await loadBrief({ 'compose.yaml': 'services:\n  web:\n    image: nginx\n    healthcheck: yes\n' })).toEqual([
      'compose.yaml:4:18: services.web.healthcheck: must be a mapping',
    ]);
  });

  it('joins the allowed shapes of a value that has several', async () => {
    expect(
      await loadBrief({ 'compose.yaml': 'services:\n  web:\n    dns: 5\n    build: 1\n    command: {a: 1}\n' }),
    ).toEqual([
      'compose.yaml:3:10: services.web.dns: must be a string or a list of strings',
      'compose.yaml:4:12: services.web.build: must be a string or a mapping',
      'compose.yaml:5:14: services.web.command: must be a string or a list of strings',
    ]);
  });

  it('reports the deeper problem when one form of the value matched', async () => {
    expect(
      await loadBrief({ 'compose.yaml': 'services:\n  web:\n    environment:\n      - A=1\n      - [x]\n' }),
    ).toEqual(['compose.yaml:5:9: services.web.environment[1]: must be a string']);
    expect(
      await loadBrief({
        'compose.yaml': 'services:\n  web:\n    depends_on:\n      db:\n        condition: healthy\n  db: {}\n',
      }),
    ).toEqual([
      'compose.yaml:5:20: services.web.depends_on.db.condition: must be one of: service_started, service_healthy, service_completed_successfully (did you mean "service_healthy"?)',
    ]);
  });

  it('lists enum values', async () => {
    expect(await loadBrief({ 'compose.yaml': 'services:\n  web:\n    cgroup: shared\n' })).toEqual([
      'compose.yaml:3:13: services.web.cgroup: must be one of: host, private',
    ]);
  });

  it('checks loosely typed scalars: booleans, integers, durations, sizes', async () => {
    expect(
      await loadBrief({
        'compose.yaml': [
          'services:',
          '  web:',
          '    tty: maybe',
          '    scale: two',
          '    stop_grace_period: 10',
          '    shm_size: lots',
          '    healthcheck:',
          '      interval: 10 seconds',
          '',
        ].join('\n'),
      }),
    ).toEqual([
      'compose.yaml:3:10: services.web.tty: must be a boolean (true or false)',
      'compose.yaml:4:12: services.web.scale: must be an integer',
      'compose.yaml:5:24: services.web.stop_grace_period: must be a duration such as "10s", "1m30s" or "500ms"',
      'compose.yaml:6:15: services.web.shm_size: must be a size in bytes such as 1024, "512m" or "1gb"',
      'compose.yaml:8:17: services.web.healthcheck.interval: must be a duration such as "10s", "1m30s" or "500ms"',
    ]);
  });

  it('reports a missing required key', async () => {
    expect(await loadBrief({ 'compose.yaml': 'services:\n  web:\n    extends:\n      file: other.yaml\n' })).toEqual([
      'compose.yaml:4:7: services.web.extends: missing required key "service"',
    ]);
  });

  it('rejects invalid service names at the key', async () => {
    expect(await loadBrief({ 'compose.yaml': 'services:\n  "my web":\n    image: x\n' })).toEqual([
      'compose.yaml:2:3: services["my web"]: invalid name "my web": use only letters, digits, ".", "_" and "-"',
    ]);
  });

  it('allows x- extensions where the spec does, and nowhere else', async () => {
    expect(
      await loadBrief({
        'compose.yaml':
          'x-common: &c {image: x}\nservices:\n  web:\n    x-note: hi\n    image: x\n    logging:\n      x-a: 1\n    healthcheck:\n      x-b: 1\n    environment:\n      x-c: fine\n    deploy:\n      x-d: 1\nvolumes:\n  v:\n    x-e: 1\n    bogus: 1\n',
      }),
    ).toEqual(['compose.yaml:17:5: volumes.v.bogus: unknown key "bogus"']);
  });

  it('reports every error of every file, each in its own file', async () => {
    const issues = await loadIssues(
      {
        'compose.yaml': 'services:\n  web:\n    image: [x]\n    portz: []\n',
        'override.yaml': 'services:\n  web:\n    restart: 5\n    ports: "80"\n',
      },
      { files: ['compose.yaml', 'override.yaml'] },
    );
    expect(issues.map((i) => `${i.file}:${i.line}:${i.column}: ${i.path}: ${i.message}`)).toEqual([
      'compose.yaml:3:12: services.web.image: must be a string',
      'compose.yaml:4:5: services.web.portz: unknown key "portz"',
      'override.yaml:3:14: services.web.restart: must be a string',
      'override.yaml:4:12: services.web.ports: must be a list',
    ]);
  });

  it('gives each issue a code frame with a caret under the value', async () => {
    const [issue] = await loadIssues({
      'compose.yaml': 'services:\n  web:\n    image: nginx\n    restart: [always]\n    tty: true\n',
    });
    expect(issue!.frame).toBe(
      [
        '  2 |   web:',
        '  3 |     image: nginx',
        '> 4 |     restart: [always]',
        '    |              ^',
        '  5 |     tty: true',
      ].join('\n'),
    );
  });
});
