// The ping/pong heartbeat drops silent clients and keeps live ones.

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
      server = await startDashboardServer({ port: 0, heartbeatMs: 50, log: () => {} });
      const silent = await connect(server.port, { autoPong: false });
      const lively = await connect(server.port);
      const t0 = performance.now();
      // Terminated, not closed: no close frame, so the client sees 1006.
      expect((await silent.closed).code).toBe(1006);
      expect(performance.now() - t0).toBeLessThan(1000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(lively.ws.readyState).toBe(lively.ws.OPEN);
      expect(server.stats().clients).toHaveLength(1);
      lively.ws.close();
    });
  });
});
