/**
 * `POST /build` (the classic builder): the query for a BuildSpec, and the answer's stream of messages
 * folded into progress lines, the current Dockerfile step, the new image id and the first error. Pure.
 */
import type { BuildProgress, BuildSpec } from '../runtime.js';
import type { StreamQuery } from './json-stream.js';

/** One object of the build stream, as far as berth reads it. */
export interface BuildMessage {
  stream?: string;
  status?: string;
  id?: string;
  /** The image id (classic builder, `moby.image.id`), or a BuildKit trace in base64 (`moby.buildkit.trace`). */
  aux?: { ID?: string } | string | null;
  error?: string;
  errorDetail?: { message?: string; code?: number } | null;
}

/** The query parameters of `POST /build`; `dockerfile` is the name inside the sent tar. */
export function buildQuery(spec: BuildSpec, dockerfile: string): StreamQuery {
  const q: StreamQuery = {
    t: spec.tags,
    dockerfile,
    rm: true,
    forcerm: true,
  };
  if (spec.noCache) q.nocache = true;
  if (spec.pull) q.pull = true;
  if (spec.quiet) q.q = true;
  if (spec.target) q.target = spec.target;
  if (spec.network) q.networkmode = spec.network;
  if (spec.shmSize !== undefined) q.shmsize = spec.shmSize;
  if (spec.platform) q.platform = spec.platform;
  if (spec.extraHosts?.length) q.extrahosts = spec.extraHosts.map(engineExtraHost);
  if (spec.args && Object.keys(spec.args).length > 0) q.buildargs = JSON.stringify(spec.args);
  if (spec.labels && Object.keys(spec.labels).length > 0) q.labels = JSON.stringify(spec.labels);
  if (spec.cacheFrom?.length) q.cachefrom = JSON.stringify(spec.cacheFrom);
  return q;
}

/** `host=ip` (the Compose form) as the engine's `host:ip`. */
export function engineExtraHost(entry: string): string {
  const eq = entry.indexOf('=');
  return eq > 0 ? `${entry.slice(0, eq)}:${entry.slice(eq + 1)}` : entry;
}

const STEP = /^Step (\d+\/\d+) : (.*)$/;

/**
 * Folds build messages: output lines (each with the step it belongs to), the image id (from `aux`, or
 * the classic "Successfully built" line), and the first error with the step that was running.
 */
export class BuildTracker {
  /** "step 3/5 (RUN make)" while a step runs. */
  step: string | undefined;
  imageId: string | undefined;
  error: string | undefined;
  /** The step that was running when the error came. */
  errorStep: string | undefined;
  private partial = '';

  update(m: BuildMessage): BuildProgress[] {
    const err = m.errorDetail?.message ?? m.error;
    if (err) {
      if (this.error === undefined) {
        this.error = err.trim();
        this.errorStep = this.step;
      }
      return [];
    }
    if (typeof m.aux === 'object' && m.aux?.ID) this.imageId = m.aux.ID;
    const out: BuildProgress[] = [];
    const text = m.stream ?? (m.status ? `${m.id ? `${m.id}: ` : ''}${m.status}\n` : '');
    if (text === '') return out;
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const raw of lines) {
      const line = raw
        .replace(/\r$/, '')
        // eslint-disable-next-line no-control-regex
        .replace(/\x1b\[[0-9;]*m/g, '')
        .trimEnd();
      if (line === '') continue;
      const step = STEP.exec(line);
      if (step) this.step = `step ${step[1]} (${step[2]!.trim()})`;
      const built = /^Successfully built ([0-9a-f]{12,64})$/.exec(line);
      if (built && this.imageId === undefined) this.imageId = built[1];
      out.push(this.step === undefined ? { line } : { step: this.step, line });
    }
    return out;
  }
}
