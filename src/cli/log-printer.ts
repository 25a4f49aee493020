/**
 * Log lines as Compose prints them: `web-1  | text`, the name padded to the longest one, colored per
 * service on a terminal; stdout lines to stdout and stderr lines to stderr. A stream that is not a
 * terminal (a file, a pipe, CI output) gets the containers' control characters escaped (`\x1b`), so a
 * container cannot write escape sequences into a log file or a CI page (a title change, a hidden
 * line, a fake prompt). On a terminal they pass as Compose passes them: colors stay colors.
 */
import { Label } from '../plan/labels.js';
import type { ContainerSummary, LogLine } from '../runtime/runtime.js';

const COLORS = [36, 33, 32, 35, 34, 96, 93, 92, 95, 94];

export interface PrinterOptions {
  color: boolean;
  prefix: boolean;
  project: string;
  /**
   * Escape the control characters of container output written to each stream; by default, on a stream
   * that is not a terminal.
   */
  escape?: { stdout: boolean; stderr: boolean };
}

/** C0 controls but tab (newlines never reach here: output is split into lines), DEL, and the C1 controls. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;

/** `\x1b[31m` -> the six characters `\x1b[31m`: the text stays readable and inert. */
export function escapeControls(text: string): string {
  return text.replace(CONTROLS, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

const isTerminal = (stream: NodeJS.WritableStream): boolean => (stream as Partial<NodeJS.WriteStream>).isTTY === true;

/** A container's name in logs: `web-1` for `<project>-web-1`; one-offs and custom names as they are. */
export function logName(c: Pick<ContainerSummary, 'name'>, project: string): string {
  return c.name.startsWith(`${project}-`) ? c.name.slice(project.length + 1) : c.name;
}

export class LogPrinter {
  private width = 0;
  private readonly colorOf = new Map<string, number>();
  private readonly escape: { stdout: boolean; stderr: boolean };

  constructor(
    private readonly stdout: NodeJS.WritableStream,
    private readonly stderr: NodeJS.WritableStream,
    private readonly options: PrinterOptions,
  ) {
    this.escape = options.escape ?? { stdout: !isTerminal(stdout), stderr: !isTerminal(stderr) };
  }

  /** Make room for these names (call before the first line, and for containers that join later). */
  register(containers: Pick<ContainerSummary, 'name' | 'labels'>[]): void {
    for (const c of containers) {
      this.width = Math.max(this.width, logName(c, this.options.project).length);
      const service = c.labels[Label.service] ?? c.name;
      if (!this.colorOf.has(service)) this.colorOf.set(service, COLORS[this.colorOf.size % COLORS.length]!);
    }
  }

  prefix(c: Pick<ContainerSummary, 'name' | 'labels'>): string {
    if (!this.options.prefix) return '';
    const text = `${logName(c, this.options.project).padEnd(this.width)} | `;
    if (!this.options.color) return text;
    const color = this.colorOf.get(c.labels[Label.service] ?? c.name) ?? COLORS[0]!;
    return `\x1b[${color}m${text}\x1b[0m`;
  }

  line(c: Pick<ContainerSummary, 'name' | 'labels'>, line: LogLine): void {
    const text = this.escape[line.stream === 'stderr' ? 'stderr' : 'stdout'] ? escapeControls(line.text) : line.text;
    (line.stream === 'stderr' ? this.stderr : this.stdout).write(`${this.prefix(c)}${text}\n`);
  }

  /** A line berth says about a container (`web-1 exited with code 0`), on stdout, as Compose does. */
  note(c: Pick<ContainerSummary, 'name' | 'labels'>, text: string): void {
    this.stdout.write(`${this.prefix(c)}${text}\n`);
  }
}
