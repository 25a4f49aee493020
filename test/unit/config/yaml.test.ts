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
      'compose.yaml': 'services:\n  web:\n    image: x\n    secrets:\n      - source: s\n        mode: 0440\nsecrets:\n  s:\n    file: ./s.txt\n',
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

  it('takes an empty file as an empty stack', async () => {
    const { project } = await load({ 'compose.yaml': '' });
    expect(project.services).toEqual({});
  });

  it('keeps positions of values in a second file after merging', async () => {
    expect(
      await loadBrief(
        { 'compose.yaml': 'services:\n  web:\n    image: x\n', 'compose.override.yaml': 'services:\n  web:\n    volumes:\n      - data:/data\n' },
      ),
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
