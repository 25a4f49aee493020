/**
 * `logs` written to a file or a pipe escapes the control characters a container prints: a container
 * cannot set a terminal's title, color or clear a CI page through berth's output.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, purgeProject } from '../../helpers/cli.js';
import { eventually } from '../../helpers/eventually.js';

const project = `e2e-logesc-${process.pid}`;
let dir: string;

beforeAll(async () => {
  await purgeProject(project);
  dir = mkdtempSync(join(tmpdir(), 'berth-logesc-'));
  // printf's octal escapes: ESC ] 0 ; title BEL, then ESC [31m red ESC [0m; one line to stderr with a bell.
  writeFileSync(
    join(dir, 'compose.yaml'),
    [
      'services:',
      '  noisy:',
      '    image: berth-local/busybox',
      `    command: ["sh", "-c", "printf '\\\\033]0;title\\\\007\\\\033[31mred\\\\033[0m\\\\tend\\\\n'; printf 'bell\\\\007\\\\n' >&2; sleep 300"]`,
      '',
    ].join('\n'),
  );
  const up = await berth(['-p', project, 'up', '-d'], { cwd: dir });
  expect(up.exitCode, up.stderr).toBe(0);
});
afterAll(() => purgeProject(project));

describe('logs not written to a terminal', () => {
  it('shows control characters as \\xNN text, keeps tabs, and lets no escape byte through', async () => {
    const r = await eventually(async () => {
      const logs = await berth(['-p', project, 'logs', '--no-log-prefix'], { cwd: dir });
      expect(logs.stdout).toContain('red');
      expect(logs.stderr).toContain('bell');
      return logs;
    });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('\\x1b]0;title\\x07\\x1b[31mred\\x1b[0m\tend');
    expect(r.stderr).toContain('bell\\x07');
    // eslint-disable-next-line no-control-regex -- no control character but tab and newline may be left
    const controls = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;
    expect(r.stdout).not.toMatch(controls);
    expect(r.stderr).not.toMatch(controls);
  });
});
