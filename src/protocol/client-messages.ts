// What a dashboard page may send: control messages that steer a run, and a request for a fresh
// snapshot. Versioned types and zod schemas, plus the connection's query parameters.

import * as z from 'zod';
import { CONTROL_ACTIONS, type ControlAction } from './control.js';
import { nameSchema } from './run-data.js';
import { PROTOCOL_VERSION } from './server-messages.js';

/** The largest client message the server accepts, in bytes; a bigger one closes the socket (1008). */
export const MAX_CLIENT_MESSAGE_BYTES = 4096;

export { CONTROL_ACTIONS, CONTROL_TOKEN_META, type ControlAction } from './control.js';

/**
 * Steers one run. Carried out only when the server enables control and `token` is the server's
 * control token (on every host); otherwise answered with a `refused` message.
 */
export interface ControlMessage {
  readonly v: 1;
  readonly type: 'control';
  readonly runId: string;
  readonly action: ControlAction;
  /**
   * For `setLearningRate`: the new rate, or `null` to return to the schedule. Any number parses; the
   * run's controller judges the range (a refused rate is answered, not a malformed message).
   */
  readonly lr?: number | null;
  readonly token?: string;
}

/** Asks for a new `hello` snapshot (after a gap, or when the page's buffers are full). */
export interface ResyncMessage {
  readonly v: 1;
  readonly type: 'resync';
}

/** Every message a client may send. */
export type ClientMessage = ControlMessage | ResyncMessage;

const tokenSchema = z.string().min(1).max(200);

/** Schema of {@link ClientMessage}; strict, so unknown fields make a message malformed. */
export const clientMessageSchema: z.ZodType<ClientMessage> = z.discriminatedUnion('type', [
  z
    .strictObject({
      v: z.literal(PROTOCOL_VERSION),
      type: z.literal('control'),
      runId: nameSchema,
      action: z.enum(CONTROL_ACTIONS),
      // Any JSON number, Infinity too (`1e400` parses to it): the range is the controller's to judge.
      lr: z
        .custom<number>((v) => typeof v === 'number', 'lr must be a number or null')
        .nullable()
        .optional(),
      token: tokenSchema.optional(),
    })
    .refine((m) => m.action !== 'setLearningRate' || m.lr !== undefined, 'setLearningRate needs lr'),
  z.strictObject({ v: z.literal(PROTOCOL_VERSION), type: z.literal('resync') }),
]);

/** The query of the WebSocket URL: `?token=…&session=…&since=…` (all optional). */
export interface ConnectParams {
  readonly token?: string;
  /** With `since`: the session whose frames the client has, up to `since`. */
  readonly session?: string;
  readonly since?: number;
}

/** Schema of {@link ConnectParams}, read from `URLSearchParams` entries (strings). */
export const connectParamsSchema: z.ZodType<ConnectParams> = z.strictObject({
  token: tokenSchema.optional(),
  session: nameSchema.optional(),
  since: z.coerce.number().int().nonnegative().optional(),
});

/** Builds the WebSocket path with its query, e.g. `/ws?session=ab&since=12`. */
export function connectPath(params: ConnectParams): string {
  const query = new URLSearchParams();
  if (params.token !== undefined) query.set('token', params.token);
  if (params.session !== undefined && params.since !== undefined) {
    query.set('session', params.session);
    query.set('since', String(params.since));
  }
  const text = query.toString();
  return text ? `/ws?${text}` : '/ws';
}
