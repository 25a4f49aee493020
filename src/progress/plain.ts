import type { ProgressEvent, Renderer } from './events.js';

/** One line per state change, for logs and pipes: ` ✔ web-1  Started  0.4s` without colors. */
export class PlainRenderer implements Renderer {
  constructor(private readonly out: NodeJS.WritableStream) {}
  start(): void {}
  event(e: ProgressEvent): void {
    if (e.status === 'pending') return;
    if (e.status === 'working' && e.progress !== undefined) return;
    const parts = [e.title, e.text];
    // A failure's message is printed once, by the command's error report at the end.
    if (e.detail && e.status !== 'failed') parts.push(e.detail);
    if (e.durationMs !== undefined && (e.status === 'done' || e.status === 'failed'))
      parts.push(`${(e.durationMs / 1000).toFixed(1)}s`);
    const mark = e.status === 'warning' ? 'warning: ' : '';
    this.out.write(`${mark}${parts.join('  ')}\n`);
  }
  async done(): Promise<void> {}
}
