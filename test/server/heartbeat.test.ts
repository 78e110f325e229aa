// The ping/pong heartbeat drops silent clients and keeps live ones. Counted in pings, not slept for:
// a client that does not answer is dropped at the round after its first ping, and one that answers
// outlives any number of rounds.

import { afterEach, describe, expect, it } from 'vitest';
import { type DashboardServer, startDashboardServer } from '../../src/server/dashboard-server.js';
import { connect, type TestClient } from './clients.js';

let server: DashboardServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Counts the pings a client receives, and resolves `next(n)` once it has seen `n` of them. */
function pings(client: TestClient): { count(): number; next(n: number): Promise<void> } {
  let count = 0;
  const waiting = new Map<number, () => void>();
  client.ws.on('ping', () => {
    count++;
    waiting.get(count)?.();
  });
  return {
    count: () => count,
    next: (n) => (count >= n ? Promise.resolve() : new Promise((resolve) => waiting.set(n, resolve))),
  };
}

describe('startDashboardServer', () => {
  describe('#heartbeat', () => {
    it('drops a client that stops answering pings and keeps one that answers', async () => {
      server = await startDashboardServer({ port: 0, heartbeatMs: 100, log: () => {} });
      const silent = await connect(server.port, { autoPong: false });
      const silentPings = pings(silent);
      const lively = await connect(server.port);
      const livelyPings = pings(lively);
      // Terminated, not closed: no close frame, so the client sees 1006 — after one unanswered ping.
      expect((await silent.closed).code).toBe(1006);
      expect(silentPings.count()).toBe(1);
      // Three more rounds, each of which would have dropped it had it not answered the one before.
      await livelyPings.next(livelyPings.count() + 3);
      expect(lively.ws.readyState).toBe(lively.ws.OPEN);
      expect(server.stats().clients).toHaveLength(1);
      lively.ws.close();
    });
  });
});
