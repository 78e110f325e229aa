// What happens to a message from a page: decode and validate it, then steer a run or queue a snapshot.
// A malformed, oversized or binary message closes that one socket with 1008 (policy violation). A
// well-formed control message that cannot be carried out — control off, no or a wrong token, an
// unknown run, a learning rate out of range — is answered with a `refused` message and the socket
// stays open: a client without the token can watch, it cannot steer. Answers go only to a client
// that reads them (its send buffer within the budget), so a flood of refusals cannot pile up memory.

import type { RawData, WebSocket } from 'ws';
import type { RunController } from '../pipeline/controller.js';
import type { ClientMessage, ControlMessage } from '../protocol/client-messages.js';
import { decodeClientMessage } from '../protocol/parse.js';
import type { RefusalReason, RefusedMessage } from '../protocol/server-messages.js';
import type { LiveRun } from './live-run.js';
import { tokensMatch } from './security.js';

/** RFC 6455's "policy violation" close code. */
export const POLICY_VIOLATION = 1008;

/** The most bytes a close frame's reason may hold (RFC 6455: 125 bytes less the 2-byte code). */
const MAX_CLOSE_REASON_BYTES = 123;
/** The longest `refused` message text (the protocol's limit). */
const MAX_REFUSAL_CHARS = 1000;

/** What the handler may touch. */
export interface ClientContext {
  readonly control: boolean;
  /** The server's per-process control token: every control message must carry it. */
  readonly token: string;
  readonly runs: ReadonlyMap<string, LiveRun>;
  readonly requestSnapshot: (ws: WebSocket) => void;
  /** A client whose send buffer holds more than this is not reading: its refusals are dropped. */
  readonly budgetBytes: number;
}

/** What one incoming frame comes to. */
export type Outcome =
  | { readonly kind: 'close'; readonly reason: string }
  | { readonly kind: 'resync' }
  | { readonly kind: 'refused'; readonly answer: RefusedMessage }
  | { readonly kind: 'control'; readonly controller: RunController; readonly message: ControlMessage };

/**
 * `reason` cut to the 123 bytes a close frame allows, at a character boundary: a cut through a
 * multi-byte character would turn into U+FFFD, grow past the limit, and make `ws.close` throw.
 */
export function closeReason(reason: string): string {
  const bytes = Buffer.from(reason);
  if (bytes.length <= MAX_CLOSE_REASON_BYTES) return bytes.toString();
  let end = MAX_CLOSE_REASON_BYTES;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--; // back to the start of the character
  return bytes.subarray(0, end).toString();
}

/** Closes `ws` with 1008 and a reason (cut to fit a close frame). */
export function refuse(ws: WebSocket, reason: string): void {
  ws.close(POLICY_VIOLATION, closeReason(reason));
}

function refused(m: ControlMessage, reason: RefusalReason, message: string): Outcome {
  const text = message.length > MAX_REFUSAL_CHARS ? `${message.slice(0, MAX_REFUSAL_CHARS - 1)}…` : message;
  return {
    kind: 'refused',
    answer: { v: 1, type: 'refused', runId: m.runId, action: m.action, reason, message: text },
  };
}

/**
 * Judges one frame without acting on it: decoded and authorised, or why not. Never throws (a throw
 * here would be uncaught in the server).
 */
export function judgeClientFrame(data: RawData, isBinary: boolean, ctx: ClientContext): Outcome {
  if (isBinary) return { kind: 'close', reason: 'binary messages are not accepted' };
  const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
  const decoded = decodeClientMessage(bytes.toString('utf8'), bytes.length);
  if (!decoded.ok) return { kind: 'close', reason: closeReason(`malformed message: ${decoded.error}`) };
  const message: ClientMessage = decoded.message;
  if (message.type === 'resync') return { kind: 'resync' };
  if (!ctx.control)
    return refused(message, 'unauthorised', 'unauthorised: control is disabled on this server');
  if (!tokensMatch(message.token, ctx.token)) {
    const why = message.token === undefined ? 'has no token' : 'has a wrong token';
    return refused(
      message,
      'unauthorised',
      `unauthorised: the control message ${why}; control needs the token of the page this server serves`,
    );
  }
  const controller = ctx.runs.get(message.runId)?.controller;
  if (!controller) return refused(message, 'unavailable', `run ${message.runId} cannot be controlled`);
  return { kind: 'control', controller, message };
}

/** Handles one incoming message of `ws`. */
export function handleClientMessage(
  ws: WebSocket,
  data: RawData,
  isBinary: boolean,
  ctx: ClientContext,
): void {
  let outcome = judgeClientFrame(data, isBinary, ctx);
  if (outcome.kind === 'control') outcome = applyControl(outcome.controller, outcome.message) ?? outcome;
  if (outcome.kind === 'close') refuse(ws, outcome.reason);
  else if (outcome.kind === 'resync') ctx.requestSnapshot(ws);
  // A client that floods refused messages without reading would otherwise pile answers up here.
  else if (outcome.kind === 'refused' && ws.bufferedAmount <= ctx.budgetBytes)
    ws.send(JSON.stringify(outcome.answer));
}

/** Carries out a control message; a refusal when the controller refuses it (an lr out of range). */
function applyControl(controller: RunController, m: ControlMessage): Outcome | undefined {
  try {
    if (m.action === 'pause') controller.pause();
    else if (m.action === 'resume') controller.resume();
    else if (m.action === 'stop') controller.stop();
    else controller.setLearningRate(m.lr ?? undefined);
    return undefined;
  } catch (error) {
    // The controller's own validation (one definition of the range); the page shows the reason.
    return refused(m, 'invalid', error instanceof Error ? error.message : String(error));
  }
}
