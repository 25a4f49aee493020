import { describe, expect, it } from 'vitest';
import { load, loadBrief, loadIssues } from './helpers.js';

describe('YAML reading', () => {
  it('reports syntax errors with line, column and a frame', async () => {
    const issues = await loadIssues({ 'compose.yaml': 'services:\n  web:\n    image: "nginx\n' });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.file).toBe('compose.yaml');
    expect(issues[0]!.message).toMatch(/^YAML syntax error: /);
    expect(issues[0]!.line).toBeGreaterThan(0);
    expect(issues[0]!.frame).toContain('^');
  });

  it('rejects duplicate keys at the second occurrence', async () => {
    expect(await loadBrief({ 'compose.yaml': 'services:\n  web:\n    image: a\n    image: b\n' })).toEqual([
      'compose.yaml:4:5: services.web.image: duplicate key "image" (a key may appear only once in a mapping; remove one of them)',
    ]);
  });

  it('supports anchors, aliases and merge keys; explicit keys win over merged ones', async () => {
    const { project } = await load({
      'compose.yaml': [
        'x-base: &base',
        '  image: base',
        '  restart: always',
        'x-more: &more',
        '  restart: "no"',
        '  user: root',
        'services:',
        '  web:',
        '    <<: [*base, *more]',
        '    image: web',
        '',
      ].join('\n'),
    });
    expect(project.services.web!.image).toBe('web');
    expect(project.services.web!.restart).toBe('always');
    expect(project.services.web!.user).toBe('root');
  });

  it('parses a file with hundreds of merge keys', async () => {
    const lines = ['x-base: &base', '  image: nginx', '  labels: {a: "1"}', 'services:'];
    for (let i = 0; i < 500; i++) lines.push(`  s${i}:`, '    <<: *base', `    hostname: h${i}`);
    const { project } = await load({ 'compose.yaml': lines.join('\n') });
    expect(Object.keys(project.services)).toHaveLength(500);
    expect(project.services.s499!.labels).toEqual({ a: '1' });
  });

  it('rejects an alias bomb instead of expanding it', async () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      lines.push(`${cur}: &${cur} [${Array(10).fill(`*${prev}`).join(',')}]`);
    }
    lines.push('services: {}');
    const issues = await loadIssues({ 'compose.yaml': lines.join('\n') });
    expect(issues[0]!.message).toMatch(/expands to more than \d+ values/);
  });

  it('reports an undefined alias', async () => {
    expect(await loadBrief({ 'compose.yaml': 'services:\n  web: *nope\n' })).toEqual([
      'compose.yaml:2:8: services.web: unknown anchor "*nope" (define it with "&name" before using it)',
    ]);
  });

  it('reads 0440 as octal, like Compose', async () => {
    const { project } = await load({
      'compose.yaml':
        'services:\n  web:\n    image: x\n    secrets:\n      - source: s\n        mode: 0440\nsecrets:\n  s:\n    file: ./s.txt\n',
      's.txt': 's',
    });
    expect(project.services.web!.secrets).toEqual([{ source: 's', mode: 0o440 }]);
  });

  it('rejects binary files', async () => {
    expect(await loadBrief({ 'compose.yaml': 'services:\u0000\u0001\u0002' })).toEqual([
      'compose.yaml:0:0: file is not text: it contains a NUL byte at offset 9 (is this really a compose file?)',
    ]);
  });

  it('requires a mapping at the top level', async () => {
    expect(await loadBrief({ 'compose.yaml': '- a\n- b\n' })).toEqual([
      'compose.yaml:1:1: the top level of a stack file must be a mapping (start with "services:")',
    ]);
  });

  it('refuses an empty file as the only stack file, as Compose does ("empty compose file")', async () => {
    const hint = ' (add a "services:" mapping with at least one service, or point -f at the right file)';
    expect(await loadBrief({ 'compose.yaml': '' })).toEqual([
      'compose.yaml:0:0: empty compose file: the stack file defines nothing (no services, networks or volumes)' + hint,
    ]);
    // Comments only, an empty mapping, an obsolete version alone: nothing either.
    for (const text of ['# to do\n', '{}\n', '---\n---\n', 'version: "3.8"\n']) {
      expect(await loadBrief({ 'compose.yaml': text }), text).toEqual([
        'compose.yaml:0:0: empty compose file: the stack file defines nothing (no services, networks or volumes)' +
          hint,
      ]);
    }
    expect(await loadBrief({ 'a.yaml': '', 'b.yaml': '# nothing\n' }, { files: ['a.yaml', 'b.yaml'] })).toEqual([
      'a.yaml:0:0: empty compose file: every stack file defines nothing (no services, networks or volumes)' + hint,
      'b.yaml:0:0: empty compose file: every stack file defines nothing (no services, networks or volumes)' + hint,
    ]);
  });

  it('takes an empty override file beside a real one as an empty layer, as Compose does', async () => {
    const { project, warnings } = await load({
      'compose.yaml': 'services:\n  web:\n    image: x\n',
      'compose.override.yaml': '',
    });
    expect(Object.keys(project.services)).toEqual(['web']);
    expect(warnings).toEqual([]);
  });

  it('rejects an unknown tag at its value, and keeps !reset and !override', async () => {
    const hint =
      ' (stack files know only !reset and !override (on a value in a mapping); remove the tag, or quote the value if the "!" is part of it)';
    expect(
      await loadBrief({
        'compose.yaml':
          'services:\n  web:\n    image: !weird busybox\n    labels: !Map {a: b}\n    command: [sh, !<tag:x> c]\n',
      }),
    ).toEqual([
      'compose.yaml:3:19: services.web.image: unknown YAML tag "!weird"' + hint,
      'compose.yaml:4:18: services.web.labels: unknown YAML tag "!Map"' + hint,
      'compose.yaml:5:28: services.web.command[1]: unknown YAML tag "tag:x"' + hint,
    ]);
    const { project } = await load({
      'compose.yaml': 'services:\n  web:\n    image: x\n    ports: ["80:80"]\n    environment: {A: "1", B: "2"}\n',
      'compose.override.yaml':
        'services:\n  web:\n    ports: !override ["81:81"]\n    environment:\n      A: !reset\n    user: !!str 1000\n',
    });
    const web = project.services.web!;
    expect(web.ports.map((p) => p.published)).toEqual(['81']);
    expect(web.environment).toEqual({ B: '2' });
    expect(web.user).toBe('1000');
  });

  it('rejects !reset and !override on a list item, where they would mean nothing', async () => {
    expect(
      await loadBrief({ 'compose.yaml': 'services:\n  web:\n    image: x\n    ports:\n      - !reset "80:80"\n' }),
    ).toEqual([
      'compose.yaml:5:16: services.web.ports[0]: the !reset tag applies to a value in a mapping, not to an item of a list (put it on the list itself ("key: !reset [...]"))',
    ]);
  });

  it('keeps positions of values in a second file after merging', async () => {
    expect(
      await loadBrief({
        'compose.yaml': 'services:\n  web:\n    image: x\n',
        'compose.override.yaml': 'services:\n  web:\n    volumes:\n      - data:/data\n',
      }),
    ).toEqual([
      'compose.override.yaml:4:9: services.web.volumes[0]: service "web" uses volume "data", which is not declared under the top-level "volumes" (declare it: volumes: { data: {} }, or write a path ("./data") for a bind mount)',
    ]);
  });

  it('rejects files over 10 MB before parsing them', async () => {
    const out = await loadBrief({ 'compose.yaml': `services: {}\n#${'x'.repeat(10 * 1024 * 1024)}\n` });
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^compose\.yaml:0:0: file is too large \(\d+ bytes; the limit is 10485760\)$/);
  });

  it('rejects documents nested absurdly deep', async () => {
    const issues = await loadIssues({ 'compose.yaml': `x-deep: ${'['.repeat(300)}${']'.repeat(300)}\nservices: {}\n` });
    expect(issues[0]!.message).toBe('the document is nested more than 200 levels deep');
  });
});
