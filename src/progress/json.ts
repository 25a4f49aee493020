import type { ProgressEvent, Renderer } from './events.js';

/** `--progress json`: one ProgressEvent per line, nothing else. */
export class JsonRenderer implements Renderer {
  constructor(private readonly out: NodeJS.WritableStream) {}
  start(): void {}
  event(e: ProgressEvent): void {
    this.out.write(`${JSON.stringify(e)}\n`);
  }
  async done(): Promise<void> {}
}

/** `--progress quiet`: nothing but warnings and failures. */
export class QuietRenderer implements Renderer {
  constructor(private readonly out: NodeJS.WritableStream) {}
  start(): void {}
  event(e: ProgressEvent): void {
    if (e.status === 'failed' || e.status === 'warning') this.out.write(`${e.status === 'failed' ? 'error' : 'warning'}: ${e.title}: ${e.detail ?? e.text}\n`);
  }
  async done(): Promise<void> {}
}
