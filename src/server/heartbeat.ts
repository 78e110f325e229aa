// Dropping dead clients: ping every interval, terminate a socket that did not answer the previous ping
// (the ws README's "How to detect and close broken connections?").

import type { WebSocket, WebSocketServer } from 'ws';

/** Starts the heartbeat over `wss.clients`; returns a function that stops it. */
export function startHeartbeat(wss: WebSocketServer, intervalMs: number): () => void {
  const alive = new WeakSet<WebSocket>();
  const onConnection = (ws: WebSocket) => {
    alive.add(ws);
    ws.on('pong', () => alive.add(ws));
  };
  wss.on('connection', onConnection);
  const timer = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    wss.off('connection', onConnection);
  };
}
