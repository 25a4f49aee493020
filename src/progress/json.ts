import type { ProgressEvent, Renderer } from './events.js';

/** `--progress json`: one ProgressEvent per line, nothing else; in a dry run, each with `"dry-run": true`, as Compose's. */
export class JsonRenderer implements Renderer {
  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly options: { dryRun?: boolean } = {},
  ) {}
  start(): void {}
  event(e: ProgressEvent): void {
    this.out.write(`${JSON.stringify(this.options.dryRun ? { 'dry-run': true, ...e } : e)}\n`);
  }
  async done(): Promise<void> {}
}

/** `--progress quiet`: nothing but warnings (failures are reported once, by the command's error report). */
export class QuietRenderer implements Renderer {
  constructor(private readonly out: NodeJS.WritableStream) {}
  start(): void {}
  event(e: ProgressEvent): void {
    if (e.status === 'warning') this.out.write(`warning: ${e.title}: ${e.detail ?? e.text}\n`);
  }
  async done(): Promise<void> {}
}
