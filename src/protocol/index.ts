// The dashboard protocol's public surface: re-exports only.

export {
  type ClientMessage,
  CONTROL_ACTIONS,
  CONTROL_TOKEN_META,
  type ConnectParams,
  type ControlAction,
  type ControlMessage,
  clientMessageSchema,
  connectParamsSchema,
  connectPath,
  MAX_CLIENT_MESSAGE_BYTES,
  type ResyncMessage,
} from './client-messages.js';
export { type Decoded, decodeClientMessage, decodeServerMessage } from './parse.js';
export {
  type EvalRow,
  evalRowSchema,
  type HistogramData,
  histogramSchema,
  nameSchema,
  type PathColumns,
  type PathPoint,
  type PathSurface,
  pathColumnsSchema,
  pathSurfaceSchema,
  STEP_COLUMNS,
  type StepColumns,
  stepColumnsSchema,
} from './run-data.js';
export { type SampleSurfaceOptions, sampleSurface } from './sample-surface.js';
export {
  type FrameMessage,
  type HelloMessage,
  type NoticeMessage,
  PROTOCOL_VERSION,
  type RefusalReason,
  type RefusedMessage,
  type ResumeMessage,
  type RunInfo,
  type RunState,
  type RunUpdate,
  type ServerMessage,
  serverMessageSchema,
} from './server-messages.js';
