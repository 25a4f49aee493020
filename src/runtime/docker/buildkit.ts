/**
 * Builds with BuildKit through the engine's own endpoint (`POST /build?version=2`, the tar context as
 * the body, no session), as Docker Compose builds by default: which builder a run uses, what the
 * endpoint can take, and the answer's stream folded into berth's build progress (steps with their
 * names, cache hits, timings and output), the image id and the failing step with its output. Pure.
 */
import { BuildContextError } from '../../errors.js';
import type { BuildProgress, BuildSpec } from '../runtime.js';
import { BuildTracker, buildQuery, type BuildMessage } from './build.js';
import { decodeTrace, type TraceLog, type TraceStatus, type TraceVertex } from './buildkit-trace.js';
import type { StreamQuery } from './json-stream.js';

export type Builder = 'buildkit' | 'classic';

const TRUE = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

/**
 * BuildKit unless `DOCKER_BUILDKIT` says no, as the docker CLI and Compose read it (Go's boolean
 * spellings); any other value is an error rather than a guess.
 */
export function builderFor(env: Record<string, string | undefined>): Builder {
  const raw = env['DOCKER_BUILDKIT'];
  if (raw === undefined || raw === '' || TRUE.has(raw)) return 'buildkit';
  if (FALSE.has(raw)) return 'classic';
  throw new BuildContextError(`DOCKER_BUILDKIT must be a boolean (1 or 0, true or false), not "${raw}"`, {
    hint: 'unset it to build with BuildKit, or set DOCKER_BUILDKIT=0 for the classic builder',
  });
}

/** The only `build.network` values the engine's BuildKit takes (its builder refuses any other). */
const BUILDKIT_NETWORKS = new Set(['default', 'host', 'none']);

/**
 * What this endpoint cannot do with BuildKit, said before anything is sent: a named network (the
 * classic builder can join one).
 */
export function checkBuildkitSpec(spec: BuildSpec): void {
  const who = spec.service ?? spec.tags[0] ?? spec.context;
  if (spec.network !== undefined && !BUILDKIT_NETWORKS.has(spec.network)) {
    throw new BuildContextError(
      `service "${who}": build.network "${spec.network}" cannot be used by BuildKit, which builds only on the default, host or none network`,
      { hint: 'set DOCKER_BUILDKIT=0 to build this service with the classic builder, which can join a named network' },
    );
  }
}

/** The classic query plus `version=2`; the classic builder's container clean-up flags mean nothing here. */
export function buildkitQuery(spec: BuildSpec, dockerfile: string): StreamQuery {
  const q = buildQuery(spec, dockerfile);
  delete q.rm;
  delete q.forcerm;
  if (spec.network === 'default') delete q.networkmode;
  return { ...q, version: '2' };
}

/** `[stage-0 2/3] RUN make` -> `step 2/3 (RUN make)`; `[builder 1/4] FROM x` -> `step builder 1/4 (FROM x)`. */
export function stepLabel(vertexName: string): string {
  const m = /^\[(?:(\S+) )?(\d+\/\d+)\] (.*)$/s.exec(vertexName);
  if (!m) return vertexName;
  const stage = m[1] === undefined || /^stage-\d+$/.test(m[1]) ? '' : `${m[1]} `;
  return `step ${stage}${m[2]} (${m[3]!.trim()})`;
}

/** The output lines kept per step, for the error of the step that fails. */
const KEPT_LOG_LINES = 30;

interface StepState {
  /** BuildKit's `#N`: the order in which the step first appeared. */
  n: number;
  name: string;
  shownStart: boolean;
  shownEnd: boolean;
  started?: number;
  log: string[];
  partial: string;
  statusesDone: Set<string>;
}

/**
 * Folds the messages of a BuildKit build. Progress lines read like BuildKit's own plain output:
 * `#5 [2/3] RUN make`, `#5 0.412 compiling…`, `#5 DONE 1.3s`, `#5 CACHED`, `#5 ERROR: …`. Messages that
 * are not BuildKit's (an engine that ignored `version=2`, the final "Successfully tagged") are read as
 * the classic builder's.
 */
export class BuildkitTracker {
  imageId: string | undefined;
  /** The first error of the stream. */
  error: string | undefined;
  /** The step that failed, as `stepLabel` names it. */
  errorStep: string | undefined;
  /** The last output lines of the step that failed. */
  errorLog: string[] = [];
  private readonly steps = new Map<string, StepState>();
  private readonly classic = new BuildTracker();
  private failedStep: StepState | undefined;
  private failedCancelled = false;
  private lastStarted: string | undefined;

  /** The step that is running, or last ran, for an error the stream gives without a step. */
  get step(): string | undefined {
    return this.lastStarted ?? this.classic.step;
  }

  update(m: BuildMessage): BuildProgress[] {
    if (m.id === 'moby.buildkit.trace' && typeof m.aux === 'string') return this.trace(m.aux);
    if (m.id === 'moby.image.id' && typeof m.aux === 'object' && m.aux?.ID) {
      this.imageId = m.aux.ID;
      return [];
    }
    const err = m.errorDetail?.message ?? m.error;
    if (err) {
      this.error ??= err.trim();
      return [];
    }
    const out = this.classic.update(m);
    this.imageId ??= this.classic.imageId;
    return out;
  }

  private trace(aux: string): BuildProgress[] {
    let decoded;
    try {
      decoded = decodeTrace(aux);
    } catch {
      return []; // A progress message berth cannot read costs only its lines, never the build.
    }
    const out: BuildProgress[] = [];
    for (const v of decoded.vertexes) out.push(...this.vertex(v));
    for (const l of decoded.logs) out.push(...this.log(l));
    for (const s of decoded.statuses) out.push(...this.status(s));
    return out;
  }

  private stepOf(digest: string, name: string): StepState {
    let s = this.steps.get(digest);
    if (!s) {
      s = {
        n: this.steps.size + 1,
        name,
        shownStart: false,
        shownEnd: false,
        log: [],
        partial: '',
        statusesDone: new Set(),
      };
      this.steps.set(digest, s);
    }
    if (name !== '') s.name = name;
    return s;
  }

  private vertex(v: TraceVertex): BuildProgress[] {
    const s = this.stepOf(v.digest, v.name);
    const step = stepLabel(s.name);
    const out: BuildProgress[] = [];
    if (!s.shownStart && (v.started !== undefined || v.cached)) {
      s.shownStart = true;
      s.started = v.started;
      this.lastStarted = step;
      out.push({ step, line: `#${s.n} ${s.name}` });
    }
    if (s.shownEnd || (v.completed === undefined && !v.cached)) return out;
    s.shownEnd = true;
    if (v.error) {
      this.noteFailure(s, v.error);
      out.push({ step, line: `#${s.n} ERROR: ${v.error}` });
    } else if (v.cached) out.push({ step, line: `#${s.n} CACHED` });
    else out.push({ step, line: `#${s.n} DONE ${seconds((v.completed ?? 0) - (v.started ?? v.completed ?? 0))}` });
    return out;
  }

  /** The first step that failed, unless it was only cancelled because another one failed. */
  private noteFailure(s: StepState, error: string): void {
    const cancelled = /context canceled/i.test(error);
    if (this.failedStep && (cancelled || !this.failedCancelled)) return;
    this.failedStep = s;
    this.failedCancelled = cancelled;
    this.errorStep = stepLabel(s.name);
    this.errorLog = s.log.slice(-KEPT_LOG_LINES);
  }

  private log(l: TraceLog): BuildProgress[] {
    const s = this.stepOf(l.vertex, '');
    const lines = (s.partial + l.text).split('\n');
    s.partial = lines.pop() ?? '';
    const out: BuildProgress[] = [];
    for (const raw of lines) {
      const text = clean(raw);
      if (text === '') continue;
      s.log.push(text);
      if (s.log.length > KEPT_LOG_LINES) s.log.shift();
      const at =
        l.timestamp !== undefined && s.started !== undefined ? `${((l.timestamp - s.started) / 1000).toFixed(3)} ` : '';
      out.push({ step: stepLabel(s.name), line: `#${s.n} ${at}${text}` });
    }
    if (this.failedStep === s) this.errorLog = s.log.slice(-KEPT_LOG_LINES);
    return out;
  }

  private status(st: TraceStatus): BuildProgress[] {
    const s = this.stepOf(st.vertex, '');
    if (st.completed === undefined || s.statusesDone.has(st.id)) return [];
    s.statusesDone.add(st.id);
    return [{ step: stepLabel(s.name), line: `#${s.n} ${st.id} done` }];
  }
}

function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
}

/** A line of step output without its carriage return, colours or trailing blanks. */
function clean(raw: string): string {
  return (
    raw
      .replace(/\r$/, '')
      // eslint-disable-next-line no-control-regex
      .replace(/\x1b\[[0-9;]*m/g, '')
      .trimEnd()
  );
}
