// What happens to a message from a page: decode and validate it, then steer a run or queue a snapshot.
// A malformed, oversized or unauthorised message closes that one socket with 1008 (policy violation).

import type { RawData, WebSocket } from 'ws';
import type { RunController } from '../pipeline/controller.js';
import type { ClientMessage, ControlMessage } from '../protocol/client-messages.js';
import { decodeClientMessage } from '../protocol/parse.js';
import type { NoticeMessage } from '../protocol/server-messages.js';
import type { LiveRun } from './live-run.js';
import { tokensMatch } from './security.js';

/** RFC 6455's "policy violation" close code. */
export const POLICY_VIOLATION = 1008;

/** What the handler may touch. */
export interface ClientContext {
  readonly control: boolean;
  readonly token: string | undefined;
  readonly runs: ReadonlyMap<string, LiveRun>;
  readonly requestSnapshot: (ws: WebSocket) => void;
}

/** Closes `ws` with 1008 and a reason (cut to the 123 bytes a close frame allows). */
export function refuse(ws: WebSocket, reason: string): void {
  ws.close(POLICY_VIOLATION, Buffer.from(reason).subarray(0, 123).toString());
}

function notice(ws: WebSocket, level: NoticeMessage['level'], message: string): void {
  const m: NoticeMessage = { v: 1, type: 'notice', level, message };
  ws.send(JSON.stringify(m));
}

/** Handles one incoming message of `ws`. */
export function handleClientMessage(
  ws: WebSocket,
  data: RawData,
  isBinary: boolean,
  ctx: ClientContext,
): void {
  const checked = check(data, isBinary, ctx);
  if (typeof checked === 'string') {
    refuse(ws, checked);
  } else if (checked.type === 'resync') {
    ctx.requestSnapshot(ws);
  } else {
    const run = ctx.runs.get(checked.runId);
    if (!run?.controller) notice(ws, 'warn', `run ${checked.runId} cannot be controlled`);
    else applyControl(ws, run.controller, checked);
  }
}

/** The valid, authorised message, or why it is refused. */
function check(data: RawData, isBinary: boolean, ctx: ClientContext): ClientMessage | string {
  if (isBinary) return 'binary messages are not accepted';
  const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
  const decoded = decodeClientMessage(bytes.toString('utf8'), bytes.length);
  if (!decoded.ok) return `malformed message: ${decoded.error}`;
  const message = decoded.message;
  if (message.type === 'resync') return message;
  if (!ctx.control) return 'unauthorised: control is disabled on this server';
  if (ctx.token !== undefined && !tokensMatch(message.token, ctx.token)) return 'unauthorised: bad token';
  return message;
}

function applyControl(ws: WebSocket, controller: RunController, m: ControlMessage): void {
  try {
    if (m.action === 'pause') controller.pause();
    else if (m.action === 'resume') controller.resume();
    else if (m.action === 'stop') controller.stop();
    else controller.setLearningRate(m.lr ?? undefined);
  } catch (error) {
    // E.g. an out-of-range lr: the controller's own validation; the page shows the reason.
    notice(ws, 'warn', error instanceof Error ? error.message : String(error));
  }
}
