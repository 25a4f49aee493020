/**
 * Progress events: every long operation emits them; renderers (listr2 view, plain lines, JSON lines)
 * turn them into output. With `--progress json`, each event is printed as one JSON object per line,
 * exactly these fields (see README "Progress events").
 */

export type EventStatus = 'pending' | 'working' | 'done' | 'failed' | 'skipped' | 'info' | 'warning';

export interface ProgressEvent {
  /** Stable id of the thing the event is about: `container:web-1`, `network:demo_default`, `image:busybox`. */
  id: string;
  /** What is shown: `web-1`, `network demo_default`. */
  title: string;
  status: EventStatus;
  /** Present tense while working ("Creating"), past when done ("Created"). */
  text: string;
  /** The plan's reason, or an error message, or a detail line. */
  detail?: string;
  /** Milliseconds since the first event of this operation (done/failed events). */
  durationMs?: number;
  /** Pull/build progress, 0..1, when known. */
  progress?: number;
}

export type Emit = (event: ProgressEvent) => void;

export interface Renderer {
  /** Called once with the ids and titles of the work to come (may be empty). */
  start(items: { id: string; title: string }[]): void;
  event(e: ProgressEvent): void;
  /** Flush and stop; resolves when the output is complete. */
  done(): Promise<void>;
}

/** What starts every progress line of a dry run (`--dry-run`), as Docker Compose words it. */
export const DRY_RUN_PREFIX = 'DRY-RUN MODE - ';
