/**
 * The attached part of `up` (no -d): prints the services' logs with Compose's prefixes until they exit;
 * the first Ctrl-C stops the stack gracefully (and says that a second one kills), the second kills.
 */
import type { Project } from '../../config/model.js';
import type { Runtime } from '../../runtime/runtime.js';
import type { Context } from '../context.js';
import { checkServices, parseSeconds } from '../flags.js';
import { LogPrinter } from '../log-printer.js';

const list = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : []);

/** Flags that only make sense attached; checked before anything changes. */
export function checkAttachedFlags(project: Project, opts: Record<string, unknown>): void {
  // `--no-attach S` is stored as "!S" among the --attach values (commander files both under "attach").
  const values = list(opts.attach);
  checkServices(project, [
    ...values.map((v) => v.replace(/^!/, '')),
    ...(typeof opts.exitCodeFrom === 'string' ? [opts.exitCodeFrom] : []),
  ]);
}

export async function followAfterUp(
  ctx: Context,
  project: Project,
  rt: Runtime,
  services: string[],
  opts: Record<string, unknown>,
  sinceSec: string,
): Promise<number> {
  const { AttachedSession } = await import('../../apply/attached.js');
  const values = list(opts.attach);
  const printer = new LogPrinter(ctx.world.stdout, ctx.world.stderr, {
    ...ctx.logColors(opts.color === false),
    prefix: opts.logPrefix !== false,
    project: project.name,
  });
  const session = new AttachedSession(
    rt,
    project,
    {
      services,
      attach: values.filter((v) => !v.startsWith('!')),
      noAttach: values.filter((v) => v.startsWith('!')).map((v) => v.slice(1)),
      attachDependencies: opts.attachDependencies === true,
      abortOnContainerExit: opts.abortOnContainerExit === true,
      abortOnContainerFailure: opts.abortOnContainerFailure === true,
      exitCodeFrom: typeof opts.exitCodeFrom === 'string' ? opts.exitCodeFrom : undefined,
      timestamps: opts.timestamps === true,
      since: sinceSec,
      stopTimeoutSec: parseSeconds(opts.timeout, '--timeout'),
      parallel: ctx.parallel(),
    },
    {
      register: (c) => printer.register([c]),
      line: (c, l) => printer.line(c, l),
      note: (c, text) => printer.note(c, text),
      say: (text) => ctx.world.stderr.write(`${text}\n`),
    },
    () => ctx.renderer(),
  );
  let interrupts = 0;
  const onInterrupt = (): void => {
    interrupts++;
    if (interrupts === 1) {
      ctx.world.stderr.write('Gracefully stopping... (press Ctrl+C again to force)\n');
      session.stop();
    } else {
      ctx.world.stderr.write('Killing...\n');
      session.kill();
    }
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  try {
    return await session.run();
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    process.removeListener('SIGTERM', onInterrupt);
  }
}
