/**
 * BuildKit's progress, as the engine streams it from `POST /build?version=2`: each
 * `{"id":"moby.buildkit.trace","aux":"<base64>"}` line is one protobuf `StatusResponse` of moby/buildkit's
 * control API (api/services/control/control.proto). The message types are declared here as a JSON
 * descriptor for protobufjs's reflection (no .proto file to ship, no parser in the bundle), and decoded
 * into berth's own shapes. Pure.
 */
import protobuf from 'protobufjs/light.js';

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
