// The page's connection: open /ws (with the token, and the last frame when reconnecting), validate
// every message, feed the store, ask for a snapshot when the store says so, reconnect with backoff.
// Control messages carry the control token the server put in the page; a restarted server has a new
// one, so the page fetches itself again when it meets a new server session.

import {
  type ClientMessage,
  CONTROL_TOKEN_META,
  type ControlMessage,
  connectPath,
} from '../../src/protocol/client-messages.js';
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
  /** The control token, and the server session it belongs to (undefined: the first one seen). */
  #controlToken: string | undefined;
  #tokenSession: string | undefined;
  /** A fetch of the page for a restarted server's token, while one is under way. */
  #tokenRefresh: Promise<void> | undefined;

  /**
   * `token`: the page's `?token=` (to watch a server that needs one). The control token is read from
   * the page's `<meta name="gradstream-control-token">`, falling back to `token`.
   */
  constructor(
    store: DashboardStore,
    token: string | undefined,
    onState: (s: ConnectionState, d?: string) => void,
  ) {
    this.#store = store;
    this.#token = token;
    this.#onState = onState;
    this.#controlToken = controlTokenOf(document) ?? token;
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
      } else {
        const m = decoded.message;
        if (m.type === 'hello') this.#followSession(m.session);
        if (this.#store.accept(m) === 'resync') this.send({ v: 1, type: 'resync' });
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

  /** Sends a control message with the control token (after a pending token refresh). */
  async control(runId: string, action: ControlMessage['action'], lr?: number | null): Promise<void> {
    await this.#tokenRefresh;
    const token = this.#controlToken;
    this.send({
      v: 1,
      type: 'control',
      runId,
      action,
      ...(lr !== undefined ? { lr } : {}),
      ...(token ? { token } : {}),
    });
  }

  /** On a new server session (the server restarted), fetches the page again for its control token. */
  #followSession(session: string): void {
    if (this.#tokenSession === undefined) this.#tokenSession = session;
    if (session === this.#tokenSession) return;
    this.#tokenRefresh = fetch(location.href, { cache: 'no-store' })
      .then((response) => response.text())
      .then((html) => {
        this.#controlToken =
          controlTokenOf(new DOMParser().parseFromString(html, 'text/html')) ?? this.#token;
        this.#tokenSession = session;
      })
      .catch(() => {}) // offline again: the next hello tries again
      .finally(() => {
        this.#tokenRefresh = undefined;
      });
  }
}

/** The control token a served page carries, if any. */
function controlTokenOf(doc: Document): string | undefined {
  return doc.querySelector(`meta[name="${CONTROL_TOKEN_META}"]`)?.getAttribute('content') ?? undefined;
}
