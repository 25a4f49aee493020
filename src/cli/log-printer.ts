/**
 * Log lines as Compose prints them: `web-1  | text`, the name padded to the longest one, colored per
 * service on a terminal; stdout lines to stdout and stderr lines to stderr.
 */
import { Label } from '../plan/labels.js';
import type { ContainerSummary, LogLine } from '../runtime/runtime.js';

const COLORS = [36, 33, 32, 35, 34, 96, 93, 92, 95, 94];

export interface PrinterOptions {
  color: boolean;
  prefix: boolean;
  project: string;
}

/** A container's name in logs: `web-1` for `<project>-web-1`; one-offs and custom names as they are. */
export function logName(c: Pick<ContainerSummary, 'name'>, project: string): string {
  return c.name.startsWith(`${project}-`) ? c.name.slice(project.length + 1) : c.name;
}

export class LogPrinter {
  private width = 0;
  private readonly colorOf = new Map<string, number>();

  constructor(
    private readonly stdout: NodeJS.WritableStream,
    private readonly stderr: NodeJS.WritableStream,
    private readonly options: PrinterOptions,
  ) {}

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
    (line.stream === 'stderr' ? this.stderr : this.stdout).write(`${this.prefix(c)}${line.text}\n`);
  }

  /** A line berth says about a container (`web-1 exited with code 0`), on stdout, as Compose does. */
  note(c: Pick<ContainerSummary, 'name' | 'labels'>, text: string): void {
    this.stdout.write(`${this.prefix(c)}${text}\n`);
  }
}

/** Colors on when writing to a terminal, unless --no-color or NO_COLOR says otherwise. */
export function useColor(out: NodeJS.WriteStream, env: Record<string, string | undefined>, noColor: boolean): boolean {
  return !noColor && out.isTTY === true && (env.NO_COLOR ?? '') === '';
}
