// The page's connection: open /ws (with the token, and the last frame when reconnecting), validate
// every message, feed the store, ask for a snapshot when the store says so, reconnect with backoff.

import { type ClientMessage, type ControlMessage, connectPath } from '../../src/protocol/client-messages.js';
import { decodeServerMessage } from '../../src/protocol/parse.js';
import type { DashboardStore } from './store.js';

/** What the status pill shows. */
export type ConnectionState = 'connecting' | 'live' | 'offline';

const MAX_BACKOFF_MS = 3000;

/** A self-healing WebSocket to the dashboard server. */
export class DashboardSocket {
  readonly #store: DashboardStore;
  readonly #token: string | undefined;
  readonly #onState: (state: ConnectionState, detail?: string) => void;
  #ws: WebSocket | undefined;
  #backoffMs = 250;

  constructor(
    store: DashboardStore,
    token: string | undefined,
    onState: (s: ConnectionState, d?: string) => void,
  ) {
    this.#store = store;
    this.#token = token;
    this.#onState = onState;
  }

  /** Connects (and keeps reconnecting). */
  start(): void {
    const { session, seq } = this.#store;
    const path = connectPath({ token: this.#token, session, since: session === undefined ? undefined : seq });
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}`);
    this.#ws = ws;
    this.#onState('connecting');
    ws.addEventListener('open', () => {
      this.#backoffMs = 250;
      this.#onState('live');
    });
    ws.addEventListener('message', (event) => {
      const decoded = decodeServerMessage(String(event.data));
      if (!decoded.ok) {
        console.warn(`dashboard: ignored a malformed server message (${decoded.error})`);
        this.send({ v: 1, type: 'resync' });
      } else if (this.#store.accept(decoded.message) === 'resync') {
        this.send({ v: 1, type: 'resync' });
      }
    });
    ws.addEventListener('close', (event) => {
      this.#onState('offline', event.code === 1008 ? event.reason : undefined);
      setTimeout(() => this.start(), this.#backoffMs);
      this.#backoffMs = Math.min(MAX_BACKOFF_MS, this.#backoffMs * 2);
    });
  }

  /** Sends a message if connected. */
  send(message: ClientMessage): void {
    if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.send(JSON.stringify(message));
  }

  /** Sends a control message (with the token when the server needs one). */
  control(runId: string, action: ControlMessage['action'], lr?: number | null): void {
    const token = this.#store.tokenRequired ? this.#token : undefined;
    this.send({
      v: 1,
      type: 'control',
      runId,
      action,
      ...(lr !== undefined ? { lr } : {}),
      ...(token ? { token } : {}),
    });
  }
}
