import { Listr, type ListrTaskWrapper, type DefaultRenderer, type SimpleRenderer } from 'listr2';
import { DRY_RUN_PREFIX, type ProgressEvent, type Renderer } from './events.js';

type Task = ListrTaskWrapper<unknown, typeof DefaultRenderer, typeof SimpleRenderer>;

interface Slot {
  title: string;
  task?: Task;
  last?: ProgressEvent;
  settle?: (e: ProgressEvent) => void;
}

/** The TTY view: one listr2 row per planned item, updated in place; warnings printed after. A dry run's rows say so. */
export class TtyRenderer implements Renderer {
  private readonly slots = new Map<string, Slot>();
  private readonly notes: string[] = [];
  private run: Promise<unknown> = Promise.resolve();

  private readonly prefix: string;

  constructor(
    private readonly out: NodeJS.WriteStream,
    options: { dryRun?: boolean } = {},
  ) {
    this.prefix = options.dryRun ? DRY_RUN_PREFIX : '';
  }

  start(items: { id: string; title: string }[]): void {
    for (const i of items) this.slots.set(i.id, { title: `${this.prefix}${i.title}` });
    if (items.length === 0) return;
    const list = new Listr(
      items.map((i) => ({
        title: `${this.prefix}${i.title}`,
        task: (_ctx: unknown, task: Task): Promise<void> =>
          new Promise<void>((resolve, reject) => {
            const slot = this.slots.get(i.id)!;
            slot.task = task;
            const settle = (e: ProgressEvent): void => {
              task.title = line(slot.title, e);
              if (e.status === 'failed') reject(new Error(e.detail ?? e.text));
              else if (e.status === 'skipped') {
                task.skip(line(slot.title, e));
                resolve();
              } else resolve();
            };
            if (slot.last && isFinal(slot.last)) settle(slot.last);
            else {
              if (slot.last) task.title = line(slot.title, slot.last);
              slot.settle = settle;
            }
          }),
      })),
      {
        concurrent: true,
        exitOnError: false,
        rendererOptions: { collapseErrors: false, showErrorMessage: true },
        fallbackRendererCondition: () => false,
      },
    );
    this.run = list.run().catch(() => undefined);
  }

  event(e: ProgressEvent): void {
    const slot = this.slots.get(e.id);
    if (!slot) {
      if (e.status === 'warning' || e.status === 'failed' || e.status === 'info')
        this.notes.push(
          `${this.prefix}${e.status === 'info' ? '' : `${e.status === 'failed' ? 'error' : 'warning'}: `}${e.title}: ${e.detail ?? e.text}`,
        );
      return;
    }
    slot.last = e;
    if (isFinal(e)) slot.settle?.(e);
    else if (slot.task) slot.task.title = line(slot.title, e);
  }

  async done(): Promise<void> {
    // Anything never settled is marked skipped so the view can finish.
    for (const [id, slot] of this.slots) {
      if (!slot.last || !isFinal(slot.last)) this.event({ id, title: slot.title, status: 'skipped', text: 'Skipped' });
    }
    await this.run;
    for (const n of this.notes) this.out.write(`${n}\n`);
  }
}

function isFinal(e: ProgressEvent): boolean {
  return e.status === 'done' || e.status === 'failed' || e.status === 'skipped';
}

/** The longest working detail shown on a row (a build step's name or output line can be long). */
const DETAIL_WIDTH = 72;

function line(title: string, e: ProgressEvent): string {
  const parts = [title, e.text];
  if (e.progress !== undefined && e.status === 'working') parts.push(`${Math.round(e.progress * 100)}%`);
  // While working, the row shows what happens now: a build's current step or output line.
  else if (e.status === 'working' && e.detail)
    parts.push(e.detail.length > DETAIL_WIDTH ? `${e.detail.slice(0, DETAIL_WIDTH - 1)}…` : e.detail);
  if (e.durationMs !== undefined && e.status === 'done') parts.push(`${(e.durationMs / 1000).toFixed(1)}s`);
  return parts.join('  ');
}
