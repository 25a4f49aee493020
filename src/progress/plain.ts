import { DRY_RUN_PREFIX, type EventStatus, type ProgressEvent, type Renderer } from './events.js';

/** SGR codes of the status words, as Compose colors them: done green, errors red, warnings yellow, times blue. */
const STATUS_COLOR: Partial<Record<EventStatus, string>> = { done: '32', failed: '1;31', warning: '1;33' };
const TIME_COLOR = '34';

/**
 * One line per state change, for logs and pipes: ` ✔ web-1  Started  0.4s`, colored only when asked
 * (`--ansi always`); a dry run's lines start with `DRY-RUN MODE - `.
 */
export class PlainRenderer implements Renderer {
  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly options: { color?: boolean; dryRun?: boolean } = {},
  ) {}
  start(): void {}
  event(e: ProgressEvent): void {
    if (e.status === 'pending') return;
    if (e.status === 'working' && e.progress !== undefined) return;
    const paint = (code: string | undefined, text: string): string =>
      this.options.color && code ? `\x1b[${code}m${text}\x1b[0m` : text;
    const parts = [e.title, paint(STATUS_COLOR[e.status], e.text)];
    // A failure's message is printed once, by the command's error report at the end.
    if (e.detail && e.status !== 'failed') parts.push(e.detail);
    if (e.durationMs !== undefined && (e.status === 'done' || e.status === 'failed'))
      parts.push(paint(TIME_COLOR, `${(e.durationMs / 1000).toFixed(1)}s`));
    const mark = e.status === 'warning' ? paint(STATUS_COLOR.warning, 'warning: ') : '';
    const prefix = this.options.dryRun ? DRY_RUN_PREFIX : '';
    this.out.write(`${prefix}${mark}${parts.join('  ')}\n`);
  }
  async done(): Promise<void> {}
}
