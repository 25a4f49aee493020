import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attachedServices } from '../../../src/apply/attached.js';
import { copyTarget, parseCopyArg } from '../../../src/apply/copy.js';
import { eventJson, eventText } from '../../../src/cli/commands/events.js';
import { projectRows } from '../../../src/cli/commands/ls.js';
import { formatTemplate, statusFilter } from '../../../src/cli/commands/ps.js';
import { escapeControls, LogPrinter } from '../../../src/cli/log-printer.js';
import { UsageError } from '../../../src/errors.js';
import type { ContainerSummary } from '../../../src/runtime/runtime.js';
import { project } from '../../helpers/project.js';

const container = (
  name: string,
  projectName: string,
  service: string,
  state: ContainerSummary['state'],
  files = '',
): ContainerSummary => ({
  id: name,
  name,
  image: 'i',
  imageId: 'sha',
  state,
  status: '',
  health: 'none',
  created: 0,
  ports: [],
  networks: [],
  volumes: [],
  labels: {
    'com.docker.compose.project': projectName,
    'com.docker.compose.service': service,
    ...(files && { 'com.docker.compose.project.config_files': files }),
  },
});

class Sink {
  text = '';
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

describe('ls', () => {
  it('groups containers by project, counts states, and leaves out stopped projects unless all', () => {
    const cs = [
      container('a-web-1', 'a', 'web', 'running', '/a/compose.yaml'),
      container('a-db-1', 'a', 'db', 'exited', '/a/compose.yaml'),
      container('b-web-1', 'b', 'web', 'exited'),
    ];
    expect(projectRows(cs, false)).toEqual([
      { Name: 'a', Status: 'exited(1), running(1)', ConfigFiles: '/a/compose.yaml' },
    ]);
    expect(projectRows(cs, true).map((r) => r.Name)).toEqual(['a', 'b']);
  });
});

describe('ps', () => {
  it('renders templates, with a header row for table templates', () => {
    const rows = [{ Name: 'a-web-1', State: 'running', Labels: { x: 'y' } }];
    expect(formatTemplate('{{.Name}} {{.State}}', rows)).toBe('a-web-1 running\n');
    expect(formatTemplate('{{json .Labels}}', rows)).toBe('{"x":"y"}\n');
    expect(formatTemplate('table {{.Name}}\\t{{.State}}', rows)).toBe('NAME      STATE\na-web-1   running\n');
  });
  it('takes states from --status and --filter status=, and rejects unknown ones', () => {
    expect(statusFilter(['exited'], ['status=paused'])).toEqual(['exited', 'paused']);
    expect(() => statusFilter(['sleeping'], [])).toThrow(UsageError);
    expect(() => statusFilter([], ['name=x'])).toThrow(UsageError);
  });
});

describe('events', () => {
  const e = {
    timeMs: Date.UTC(2024, 4, 1, 10, 0, 0),
    type: 'container',
    action: 'start',
    id: 'abc',
    attributes: {
      name: 'p-web-1',
      'com.docker.compose.service': 'web',
      'com.docker.compose.project': 'p',
      image: 'busybox',
    },
  };
  it('prints one text line with the service and the non-Compose attributes', () => {
    expect(eventText(e)).toBe('2024-05-01 10:00:00.000 container start abc (image=busybox, name=p-web-1, service=web)');
  });
  it("prints JSON with Compose's field names", () => {
    expect(eventJson(e)).toMatchObject({
      time: '2024-05-01T10:00:00.000Z',
      type: 'container',
      action: 'start',
      id: 'abc',
      service: 'web',
    });
  });
});

describe('attached up', () => {
  const p = project('p', {
    db: { image: 'i' },
    web: { image: 'i', depends_on: { db: { condition: 'service_started', restart: false, required: true } } },
    job: { image: 'i' },
  });
  const base = { services: [], attach: [], noAttach: [], attachDependencies: false, exitCodeFrom: undefined };
  it('leaves out a service with attach: false unless --attach names it, as Compose does', () => {
    const quiet = project('p', { web: { image: 'i' }, proxy: { image: 'i', attach: false } });
    expect([...attachedServices(quiet, base)]).toEqual(['web']);
    expect([...attachedServices(quiet, { ...base, services: ['proxy'] })]).toEqual([]);
    expect([...attachedServices(quiet, { ...base, attach: ['proxy'] })]).toEqual(['proxy']);
  });

  it('attaches every service by default, the named ones (with dependencies when asked), minus --no-attach', () => {
    expect([...attachedServices(p, base)].sort()).toEqual(['db', 'job', 'web']);
    expect([...attachedServices(p, { ...base, services: ['web'] })]).toEqual(['web']);
    expect([...attachedServices(p, { ...base, services: ['web'], attachDependencies: true })].sort()).toEqual([
      'db',
      'web',
    ]);
    expect([...attachedServices(p, { ...base, noAttach: ['db'] })].sort()).toEqual(['job', 'web']);
    expect([...attachedServices(p, { ...base, attach: ['web'], exitCodeFrom: 'job' })].sort()).toEqual(['job', 'web']);
  });
});

describe('cp arguments', () => {
  it('tells SERVICE:PATH from host paths', () => {
    expect(parseCopyArg('web:/etc/hosts')).toEqual({ service: 'web', path: '/etc/hosts' });
    expect(parseCopyArg('./a:b')).toEqual({ path: './a:b' });
    expect(parseCopyArg('/abs/x')).toEqual({ path: '/abs/x' });
  });
  it('lands inside an existing directory under the source name, else at the destination', () => {
    expect(copyTarget('/tmp', true, 'blob.bin', posix)).toEqual({ dir: '/tmp', name: 'blob.bin' });
    expect(copyTarget('/tmp/new.bin', undefined, 'blob.bin', posix)).toEqual({ dir: '/tmp', name: 'new.bin' });
    expect(() => copyTarget('/missing/', undefined, 'blob.bin', posix)).toThrow(UsageError);
  });
});

describe('log printer', () => {
  it('pads prefixes to the longest name, strips the project, and sends stderr lines to stderr', () => {
    const out = new Sink();
    const err = new Sink();
    const p = new LogPrinter(out as unknown as NodeJS.WritableStream, err as unknown as NodeJS.WritableStream, {
      color: false,
      prefix: true,
      project: 'demo',
    });
    const web = container('demo-web-1', 'demo', 'web', 'running');
    const db = container('demo-db-1', 'demo', 'db', 'running');
    p.register([web, db]);
    p.line(db, { stream: 'stdout', text: 'ready' });
    p.line(web, { stream: 'stderr', text: 'oops' });
    expect(out.text).toBe('db-1  | ready\n');
    expect(err.text).toBe('web-1 | oops\n');
  });

  it('escapes control characters of container output written to a stream that is not a terminal, keeping tabs and text', () => {
    const out = new Sink();
    const err = new Sink();
    const p = new LogPrinter(out as unknown as NodeJS.WritableStream, err as unknown as NodeJS.WritableStream, {
      color: false,
      prefix: true,
      project: 'demo',
    });
    const web = container('demo-web-1', 'demo', 'web', 'running');
    p.register([web]);
    p.line(web, { stream: 'stdout', text: '\x1b]0;title\x07\x1b[31mred\x1b[0m\tdone\r' });
    p.line(web, { stream: 'stderr', text: 'bell\x07 nul\x00 del\x7f csi\u009b2J é ✓' });
    expect(out.text).toBe('web-1 | \\x1b]0;title\\x07\\x1b[31mred\\x1b[0m\tdone\\x0d\n');
    expect(err.text).toBe('web-1 | bell\\x07 nul\\x00 del\\x7f csi\\x9b2J é ✓\n');
    expect(escapeControls('plain text, tabs\tand unicode ✓')).toBe('plain text, tabs\tand unicode ✓');
  });

  it('passes control characters through to a terminal, as Compose does', () => {
    const out = Object.assign(new Sink(), { isTTY: true });
    const p = new LogPrinter(out as unknown as NodeJS.WritableStream, new Sink() as unknown as NodeJS.WritableStream, {
      color: false,
      prefix: false,
      project: 'demo',
    });
    p.line(container('demo-web-1', 'demo', 'web', 'running'), { stream: 'stdout', text: '\x1b[31mred\x1b[0m' });
    expect(out.text).toBe('\x1b[31mred\x1b[0m\n');
  });
});
