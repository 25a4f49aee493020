/**
 * BuildKit's progress, as the engine streams it from `POST /build?version=2`: each
 * `{"id":"moby.buildkit.trace","aux":"<base64>"}` line is one protobuf `StatusResponse` of moby/buildkit's
 * control API (api/services/control/control.proto). The message types are declared here as a JSON
 * descriptor for protobufjs's reflection (no .proto file to ship, no parser in the bundle), and decoded
 * into berth's own shapes, then folded into berth's build progress (steps with their names, cache
 * hits, timings and output), the image id and the failing step with its output. Pure.
 */
import protobuf from 'protobufjs/light.js';
import type { BuildProgress } from '../runtime.js';
import { BuildTracker, type BuildMessage } from './build.js';

/** The part of control.proto (package moby.buildkit.v1) berth reads; other fields are skipped on decode. */
const CONTROL_PROTO = {
  nested: {
    google: {
      nested: {
        protobuf: {
          nested: {
            Timestamp: {
              fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } },
            },
          },
        },
      },
    },
    moby: {
      nested: {
        buildkit: {
          nested: {
            v1: {
              nested: {
                StatusResponse: {
                  fields: {
                    vertexes: { rule: 'repeated', type: 'Vertex', id: 1 },
                    statuses: { rule: 'repeated', type: 'VertexStatus', id: 2 },
                    logs: { rule: 'repeated', type: 'VertexLog', id: 3 },
                  },
                },
                Vertex: {
                  fields: {
                    digest: { type: 'string', id: 1 },
                    inputs: { rule: 'repeated', type: 'string', id: 2 },
                    name: { type: 'string', id: 3 },
                    cached: { type: 'bool', id: 4 },
                    started: { type: 'google.protobuf.Timestamp', id: 5 },
                    completed: { type: 'google.protobuf.Timestamp', id: 6 },
                    error: { type: 'string', id: 7 },
                  },
                },
                VertexStatus: {
                  fields: {
                    ID: { type: 'string', id: 1 },
                    vertex: { type: 'string', id: 2 },
                    name: { type: 'string', id: 3 },
                    current: { type: 'int64', id: 4 },
                    total: { type: 'int64', id: 5 },
                    timestamp: { type: 'google.protobuf.Timestamp', id: 6 },
                    started: { type: 'google.protobuf.Timestamp', id: 7 },
                    completed: { type: 'google.protobuf.Timestamp', id: 8 },
                  },
                },
                VertexLog: {
                  fields: {
                    vertex: { type: 'string', id: 1 },
                    timestamp: { type: 'google.protobuf.Timestamp', id: 2 },
                    stream: { type: 'int64', id: 3 },
                    msg: { type: 'bytes', id: 4 },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

/** One step of the build graph (a Dockerfile instruction, or BuildKit's own `[internal] ...` work). */
export interface TraceVertex {
  digest: string;
  name: string;
  cached: boolean;
  /** Milliseconds since the epoch. */
  started?: number;
  completed?: number;
  error?: string;
}

/** Progress inside a step (a layer being exported, a context being sent), in bytes or items. */
export interface TraceStatus {
  id: string;
  vertex: string;
  name: string;
  current: number;
  total: number;
  completed?: number;
}

/** Output of a step's process: stream 1 is stdout, 2 stderr. */
export interface TraceLog {
  vertex: string;
  stream: number;
  text: string;
  timestamp?: number;
}

export interface TraceMessage {
  vertexes: TraceVertex[];
  statuses: TraceStatus[];
  logs: TraceLog[];
}

let statusResponse: protobuf.Type | undefined;

function statusType(): protobuf.Type {
  statusResponse ??= protobuf.Root.fromJSON(CONTROL_PROTO).lookupType('moby.buildkit.v1.StatusResponse');
  return statusResponse;
}

interface RawTimestamp {
  seconds?: number;
  nanos?: number;
}

interface RawStatusResponse {
  vertexes?: {
    digest?: string;
    name?: string;
    cached?: boolean;
    started?: RawTimestamp;
    completed?: RawTimestamp;
    error?: string;
  }[];
  statuses?: {
    ID?: string;
    vertex?: string;
    name?: string;
    current?: number;
    total?: number;
    completed?: RawTimestamp;
  }[];
  logs?: { vertex?: string; stream?: number; msg?: Uint8Array; timestamp?: RawTimestamp }[];
}

function millis(t: RawTimestamp | undefined): number | undefined {
  if (!t) return undefined;
  const ms = (t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
  return ms > 0 ? ms : undefined;
}

/** Sets `key` on `out` only when the value is there (the shapes keep absent fields absent). */
function put<T extends object, K extends keyof T>(out: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined && value !== '') out[key] = value;
}

function vertexFrom(v: NonNullable<RawStatusResponse['vertexes']>[number]): TraceVertex {
  const out: TraceVertex = { digest: v.digest ?? '', name: v.name ?? '', cached: v.cached === true };
  put(out, 'started', millis(v.started));
  put(out, 'completed', millis(v.completed));
  put(out, 'error', v.error);
  return out;
}

function statusFrom(s: NonNullable<RawStatusResponse['statuses']>[number]): TraceStatus {
  const out: TraceStatus = {
    id: s.ID ?? '',
    vertex: s.vertex ?? '',
    name: s.name ?? '',
    current: s.current ?? 0,
    total: s.total ?? 0,
  };
  put(out, 'completed', millis(s.completed));
  return out;
}

function logFrom(l: NonNullable<RawStatusResponse['logs']>[number]): TraceLog {
  const out: TraceLog = {
    vertex: l.vertex ?? '',
    stream: l.stream ?? 1,
    text: Buffer.from(l.msg ?? new Uint8Array()).toString('utf8'),
  };
  put(out, 'timestamp', millis(l.timestamp));
  return out;
}

/**
 * Decodes one `moby.buildkit.trace` aux value (base64 of a StatusResponse). Throws on bytes that are
 * not one: the caller decides whether a broken progress message matters.
 */
export function decodeTrace(base64: string): TraceMessage {
  const type = statusType();
  const raw = type.toObject(type.decode(Buffer.from(base64, 'base64')), {
    longs: Number,
    bytes: Buffer,
    defaults: false,
  }) as RawStatusResponse;
  return {
    vertexes: (raw.vertexes ?? []).map(vertexFrom),
    statuses: (raw.statuses ?? []).map(statusFrom),
    logs: (raw.logs ?? []).map(logFrom),
  };
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
