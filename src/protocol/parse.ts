// Decoding a message at either edge: size limit, JSON, then the schema. Never throws; the caller
// decides what a bad message costs (the server closes that socket with 1008, the page resyncs).

import type * as z from 'zod';
import { type ClientMessage, clientMessageSchema, MAX_CLIENT_MESSAGE_BYTES } from './client-messages.js';
import { type ServerMessage, serverMessageSchema } from './server-messages.js';

/** A decoded message, or why it was refused. */
export type Decoded<T> =
  | { readonly ok: true; readonly message: T }
  | { readonly ok: false; readonly error: string };

function decode<T>(text: string, schema: z.ZodType<T>): Decoded<T> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, message: result.data };
  const issue = result.error.issues[0];
  return { ok: false, error: `${issue.path.join('.') || 'message'}: ${issue.message}` };
}

/** Decodes a client message of `bytes` UTF-8 bytes (checked against the limit before parsing). */
export function decodeClientMessage(text: string, bytes: number): Decoded<ClientMessage> {
  if (bytes > MAX_CLIENT_MESSAGE_BYTES) {
    return { ok: false, error: `message of ${bytes} bytes exceeds ${MAX_CLIENT_MESSAGE_BYTES}` };
  }
  return decode(text, clientMessageSchema);
}

/** Decodes a server message. */
export function decodeServerMessage(text: string): Decoded<ServerMessage> {
  return decode(text, serverMessageSchema);
}
