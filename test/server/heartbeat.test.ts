// The ping/pong heartbeat drops silent clients and keeps live ones. Counted in pings, not slept for:
// a client that does not answer is dropped at the round after its first ping, and one that answers
// outlives any number of rounds.

import { afterEach, describe, expect, it } from 'vitest';
import { type DashboardServer, startDashboardServer } from '../../src/server/dashboard-server.js';
import { connect } from './clients.js';

let server: DashboardServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('startDashboardServer', () => {
  describe('#heartbeat', () => {
    it('drops a client that stops answering pings and keeps one that answers', async () => {
      // Client and server share this process: a pong sent just before the process stalls for a whole
      // interval is read only after the next round, so the interval is long enough not to meet that.
      server = await startDashboardServer({ port: 0, heartbeatMs: 250, log: () => {} });
      const silent = await connect(server.port, { autoPong: false });
      const lively = await connect(server.port);
      // Terminated, not closed: no close frame, so the client sees 1006 — after one unanswered ping.
      expect((await silent.closed).code).toBe(1006);
      expect(silent.pings).toBe(1);
      // Three more rounds, each of which would have dropped it had it not answered the one before.
      const rounds = lively.pings + 3;
      await lively.until(() => lively.pings >= rounds);
      expect(lively.ws.readyState).toBe(lively.ws.OPEN);
      expect(server.stats().clients).toHaveLength(1);
      lively.ws.close();
    });
  });
});
