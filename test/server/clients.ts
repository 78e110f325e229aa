// Test clients for the dashboard server: real `ws` sockets that validate every message with the
// protocol's schema and rebuild each run's steps, recording any duplicate or gap in the frame numbers.

import WebSocket from 'ws';
import { decodeServerMessage } from '../../src/protocol/parse.js';
import type { RunUpdate, ServerMessage } from '../../src/protocol/server-messages.js';

/** A connected test client. */
export interface TestClient {
  readonly ws: WebSocket;
  /** Every message, decoded and schema-checked, in arrival order. */
  readonly messages: ServerMessage[];
  /** Every message's raw text. */
  readonly raw: string[];
  /** The steps of each run, as rebuilt from the snapshot and frames. */
  readonly steps: Map<string, number[]>;
  /** Frame-sequence problems seen (should stay empty). */
  readonly problems: string[];
  /** The session and last applied frame, for a reconnect. */
  readonly position: { session?: string; seq: number };
  /** Resolves with the close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Pings received, counted from before the socket opened (one may arrive with the handshake). */
  pings: number;
  /** Resolves once `predicate` holds after some message or ping (checked on each). */
  until(predicate: () => boolean, timeoutMs?: number): Promise<void>;
}

/** Options of {@link connect}. */
export interface ConnectOptions {
  /** Path and query after the port, default `/ws`. */
  readonly path?: string;
  readonly headers?: Record<string, string>;
  readonly autoPong?: boolean;
  /** Start from an earlier client's position (its steps are copied, then extended). */
  readonly from?: TestClient;
}

function apply(client: TestClient, runs: readonly RunUpdate[]): void {
  for (const run of runs) {
    const steps = client.steps.get(run.runId) ?? [];
    client.steps.set(run.runId, steps);
    if (run.steps) steps.push(...run.steps.step);
  }
}

function onMessage(client: TestClient, text: string): void {
  client.raw.push(text);
  const decoded = decodeServerMessage(text);
  if (!decoded.ok) {
    client.problems.push(`invalid message: ${decoded.error}`);
    return;
  }
  const m = decoded.message;
  client.messages.push(m);
  const position = client.position;
  if (m.type === 'hello') {
    client.steps.clear();
    apply(client, m.runs);
    Object.assign(position, { session: m.session, seq: m.seq });
  } else if (m.type === 'resume') {
    if (m.session !== position.session || m.from !== position.seq + 1)
      client.problems.push(`bad resume ${m.from}`);
  } else if (m.type === 'frame') {
    if (m.seq !== position.seq + 1) client.problems.push(`frame ${m.seq} after ${position.seq}`);
    apply(client, m.runs);
    position.seq = m.seq;
  }
}

/** Opens a socket to `port` and resolves once it is open. */
export function connect(port: number, options: ConnectOptions = {}): Promise<TestClient> {
  const from = options.from;
  let path = options.path ?? '/ws';
  if (from?.position.session)
    path += `${path.includes('?') ? '&' : '?'}session=${from.position.session}&since=${from.position.seq}`;
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, {
    headers: options.headers,
    autoPong: options.autoPong ?? true,
  });
  const waiters = new Set<() => void>();
  const client: TestClient = {
    ws,
    messages: [],
    raw: [],
    steps: new Map([...(from?.steps ?? [])].map(([id, s]) => [id, [...s]])),
    problems: [],
    position: { ...(from?.position ?? { seq: 0 }) },
    closed: new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    ),
    pings: 0,
    until(predicate, timeoutMs = 20_000) {
      if (predicate()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate()) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`condition not met within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
  };
  ws.on('message', (data) => {
    onMessage(client, data.toString());
    for (const check of [...waiters]) check();
  });
  ws.on('ping', () => {
    client.pings++;
    for (const check of [...waiters]) check();
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('error', reject);
  });
}

/** The last `state.status` a client saw for `runId`. */
export function statusOf(client: TestClient, runId: string): string | undefined {
  let status: string | undefined;
  for (const m of client.messages) {
    const runs = m.type === 'hello' || m.type === 'frame' ? m.runs : [];
    for (const r of runs) if (r.runId === runId && r.state) status = r.state.status;
  }
  return status;
}

/** True when `steps` is exactly 1, 2, …, n. */
export function isOneToN(steps: readonly number[], n: number): boolean {
  return steps.length === n && steps.every((s, i) => s === i + 1);
}

/** True once a client has seen `runId` reach `step` with `paused` as its latest state. */
export function pausedAt(client: TestClient, runId: string, step: number): boolean {
  const last = client.steps.get(runId)?.at(-1) ?? 0;
  return last >= step && statusOf(client, runId) === 'paused';
}
