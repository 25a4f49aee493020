/**
 * `POST /images/create` (pull): the query for a reference and the progress stream folded into one
 * fraction. Pure.
 */
import type { PullProgress } from '../runtime.js';

/**
 * `fromImage`/`tag` for a reference. Without a tag the engine would pull every tag of the
 * repository, so an untagged reference asks for "latest" as the docker CLI does.
 */
export function pullQuery(ref: string): { fromImage: string; tag?: string } {
  if (ref.includes('@')) return { fromImage: ref };
  const lastSlash = ref.lastIndexOf('/');
  const lastColon = ref.lastIndexOf(':');
  if (lastColon > lastSlash) return { fromImage: ref.slice(0, lastColon), tag: ref.slice(lastColon + 1) };
  return { fromImage: ref, tag: 'latest' };
}

/** One object of the pull stream, as far as berth reads it. */
export interface PullMessage {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number } | null;
  error?: string;
  errorDetail?: { message?: string } | null;
}

/**
 * Folds pull messages into berth's progress: the last status line and, once layer sizes are known,
 * bytes done over bytes total across all layers. A layer reported complete counts as fully done.
 */
export class PullProgressTracker {
  private readonly layers = new Map<string, { current: number; total: number }>();
  /** The first error the stream reported; the HTTP status is 200 even then. */
  error: string | undefined;

  update(message: PullMessage): PullProgress | undefined {
    const err = message.errorDetail?.message ?? message.error;
    if (err) {
      this.error ??= err;
      return undefined;
    }
    const status = message.status ?? '';
    if (
      message.id &&
      message.progressDetail &&
      typeof message.progressDetail.total === 'number' &&
      message.progressDetail.total > 0
    ) {
      const total = message.progressDetail.total;
      const current = Math.min(message.progressDetail.current ?? 0, total);
      const known = this.layers.get(message.id);
      // Downloading and Extracting both report against the layer size; keep the download figure
      // once the layer is known so the fraction never runs backwards.
      if (!known || status.startsWith('Downloading')) this.layers.set(message.id, { current, total });
    } else if (message.id && /^(Download complete|Pull complete|Already exists)/.test(status)) {
      const known = this.layers.get(message.id);
      if (known) known.current = known.total;
    }
    const out: PullProgress = { status: message.id ? `${message.id}: ${status}` : status };
    const fraction = this.fraction();
    if (fraction !== undefined) out.fraction = fraction;
    return out;
  }

  fraction(): number | undefined {
    let current = 0;
    let total = 0;
    for (const l of this.layers.values()) {
      current += l.current;
      total += l.total;
    }
    return total > 0 ? current / total : undefined;
  }
}
