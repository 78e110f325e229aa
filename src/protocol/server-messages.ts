// What the dashboard server sends: a `hello` snapshot or a `resume` note on connect, then numbered,
// coalesced `frame`s of what changed. Versioned types and zod schemas, shared by server and page.

import * as z from 'zod';
import { CONTROL_ACTIONS, type ControlAction } from './control.js';
import {
  type EvalRow,
  evalRowSchema,
  type HistogramData,
  histogramSchema,
  nameSchema,
  type PathColumns,
  type PathSurface,
  pathColumnsSchema,
  pathSurfaceSchema,
  type StepColumns,
  stepColumnsSchema,
} from './run-data.js';

/** The protocol version; every message carries it as `v`, and a peer refuses any other. */
export const PROTOCOL_VERSION = 1;

/** What a run is: fixed when it starts (from its `start` event). */
export interface RunInfo {
  readonly runId: string;
  /** The run's resolved configuration (plain JSON); `{}` when the server joined mid-run. */
  readonly config: Readonly<Record<string, unknown>>;
  /** `null` when unknown (the server attached after the `start` event). */
  readonly totalSteps: number | null;
  readonly stepsPerEpoch: number | null;
  readonly paramCount: number | null;
  /** Milliseconds since the Unix epoch, or `null` when unknown. */
  readonly startTime: number | null;
  /** True when the server may steer this run (it has a controller and control is enabled). */
  readonly controllable: boolean;
}

/** Why a run ended, as the page shows it. */
export type EndReason = 'completed' | 'stopped' | 'failed' | 'interrupted';

/** Where a run is now. */
export interface RunState {
  readonly status: 'running' | 'paused' | 'ended';
  /** The learning-rate override set from a controller, `null` when following the schedule. */
  readonly lrOverride: number | null;
  /**
   * Why it ended: as its `end` event said, `failed` when its event stream errored or the store says
   * so, `interrupted` when the store says its process died (its lease expired) before it ended.
   */
  readonly endReason: EndReason | null;
}

/**
 * One run's data. In a `hello` it is the whole run (steps downsampled when long); in a `frame`
 * it is what arrived since the previous frame: absent fields did not change.
 */
export interface RunUpdate {
  readonly runId: string;
  readonly info?: RunInfo;
  readonly state?: RunState;
  readonly steps?: StepColumns;
  readonly evals?: readonly EvalRow[];
  /** The latest histogram per (layer, kind). */
  readonly histograms?: readonly HistogramData[];
  readonly surface?: PathSurface;
  readonly path?: PathColumns;
}

/** The first message on a fresh connection: everything up to frame `seq`. */
export interface HelloMessage {
  readonly v: 1;
  readonly type: 'hello';
  /** Identifies this server process; a reconnecting client sends it back with `since`. */
  readonly session: string;
  /** The last frame this snapshot includes; the next frame is `seq + 1`. */
  readonly seq: number;
  /** True when control messages are accepted. */
  readonly control: boolean;
  /** True when control messages must carry the token (always, since control needs the page's token on every host). */
  readonly tokenRequired: boolean;
  readonly runs: readonly RunUpdate[];
}

/** The first message on a reconnection the server can replay: frames `from`…`to` follow. */
export interface ResumeMessage {
  readonly v: 1;
  readonly type: 'resume';
  readonly session: string;
  readonly from: number;
  readonly to: number;
  readonly control: boolean;
  readonly tokenRequired: boolean;
}

/** What changed in one broadcast interval (at most ~10 per second). */
export interface FrameMessage {
  readonly v: 1;
  readonly type: 'frame';
  /** 1, 2, 3, … per server session; a client applies frame `seq` only after `seq - 1`. */
  readonly seq: number;
  /** Server time, milliseconds since the Unix epoch. */
  readonly time: number;
  readonly runs: readonly RunUpdate[];
}

/** A human-readable note, e.g. why a control message had no effect. */
export interface NoticeMessage {
  readonly v: 1;
  readonly type: 'notice';
  readonly level: 'info' | 'warn';
  readonly message: string;
}

/** Why a control message was not carried out. */
export type RefusalReason =
  /** Control is off on this server, or the message did not carry the server's control token. */
  | 'unauthorised'
  /** The value is out of range (e.g. a learning rate outside the optimizer's range). */
  | 'invalid'
  /** No run of that id, or one that cannot be steered. */
  | 'unavailable';

/** The answer to a control message that was not carried out; the run is unaffected. */
export interface RefusedMessage {
  readonly v: 1;
  readonly type: 'refused';
  readonly runId: string;
  readonly action: ControlAction;
  readonly reason: RefusalReason;
  /** One line for the page to show, e.g. "setLearningRate: lr must be … got 1e+308". */
  readonly message: string;
}

/** Every message the server sends. */
export type ServerMessage = HelloMessage | ResumeMessage | FrameMessage | NoticeMessage | RefusedMessage;

const runInfoSchema: z.ZodType<RunInfo> = z.object({
  runId: nameSchema,
  config: z.record(z.string(), z.unknown()),
  totalSteps: z.number().int().nonnegative().nullable(),
  stepsPerEpoch: z.number().int().nonnegative().nullable(),
  paramCount: z.number().int().nonnegative().nullable(),
  startTime: z.number().nullable(),
  controllable: z.boolean(),
});

const runStateSchema: z.ZodType<RunState> = z.object({
  status: z.enum(['running', 'paused', 'ended']),
  lrOverride: z.number().positive().nullable(),
  endReason: z.enum(['completed', 'stopped', 'failed', 'interrupted']).nullable(),
});

const runUpdateSchema: z.ZodType<RunUpdate> = z.object({
  runId: nameSchema,
  info: runInfoSchema.optional(),
  state: runStateSchema.optional(),
  steps: stepColumnsSchema.optional(),
  evals: z.array(evalRowSchema).optional(),
  histograms: z.array(histogramSchema).optional(),
  surface: pathSurfaceSchema.optional(),
  path: pathColumnsSchema.optional(),
});

const seq = z.number().int().nonnegative();

/** Schema of {@link ServerMessage}; the page validates every message with it. */
export const serverMessageSchema: z.ZodType<ServerMessage> = z.discriminatedUnion('type', [
  z.object({
    v: z.literal(PROTOCOL_VERSION),
    type: z.literal('hello'),
    session: nameSchema,
    seq,
    control: z.boolean(),
    tokenRequired: z.boolean(),
    runs: z.array(runUpdateSchema),
  }),
  z.object({
    v: z.literal(PROTOCOL_VERSION),
    type: z.literal('resume'),
    session: nameSchema,
    from: seq,
    to: seq,
    control: z.boolean(),
    tokenRequired: z.boolean(),
  }),
  z.object({
    v: z.literal(PROTOCOL_VERSION),
    type: z.literal('frame'),
    seq,
    time: z.number(),
    runs: z.array(runUpdateSchema),
  }),
  z.object({
    v: z.literal(PROTOCOL_VERSION),
    type: z.literal('notice'),
    level: z.enum(['info', 'warn']),
    message: z.string().max(1000),
  }),
  z.object({
    v: z.literal(PROTOCOL_VERSION),
    type: z.literal('refused'),
    runId: nameSchema,
    action: z.enum(CONTROL_ACTIONS),
    reason: z.enum(['unauthorised', 'invalid', 'unavailable']),
    message: z.string().max(1000),
  }),
]);
