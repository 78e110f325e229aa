// The dashboard server: one HTTP server that serves the built page and a WebSocket endpoint (/ws) on
// the same port, fed by attached runs' TrainEvents. Wiring only; the parts live in their own files.

import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { type Observable, Subscription } from 'rxjs';
import { type WebSocket, WebSocketServer } from 'ws';
import { invalidOption } from '../errors.js';
import type { RunController } from '../pipeline/controller.js';
import type { PathPoint, PathSurface } from '../protocol/run-data.js';
import type { TrainEvent } from '../train/events.js';
import { Broadcaster, type ClientStats } from './broadcaster.js';
import { startHeartbeat } from './heartbeat.js';
import { LiveRun } from './live-run.js';
import { requestHandler, upgradeHandler } from './routes.js';
import {
  type DashboardServerOptions,
  type ResolvedServerOptions,
  resolveServerOptions,
} from './server-options.js';

/** ws closes a socket with 1009 past this; the protocol's own, smaller limit answers 1008 first. */
const WS_MAX_PAYLOAD = 64 * 1024;

/** A running dashboard server (see {@link startDashboardServer}). */
export class DashboardServer {
  /** The token needed to watch (set, or generated beyond loopback); undefined: watching is open. */
  readonly token: string | undefined;
  /**
   * The token every control message must carry, on every host: `token` when there is one, else
   * random per process. The served page carries it, so the page steers runs with no user action;
   * a program that has not read the page can watch but not steer.
   */
  readonly controlToken: string;
  readonly #o: ResolvedServerOptions;
  readonly #runs = new Map<string, LiveRun>();
  /** Runs whose events are attached (a run may also exist for its path alone). */
  readonly #withEvents = new Set<string>();
  readonly #subscriptions = new Subscription();
  readonly #broadcaster: Broadcaster;
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_PAYLOAD });
  readonly #http: Server;
  #stopHeartbeat = () => {};
  #port = 0;

  private constructor(o: ResolvedServerOptions) {
    this.#o = o;
    this.token = o.token;
    this.controlToken = o.controlToken;
    const runs = this.#runs;
    this.#broadcaster = new Broadcaster({
      session: randomBytes(6).toString('base64url'),
      intervalMs: o.intervalMs,
      budgetBytes: o.budgetBytes,
      replayFrames: o.replayFrames,
      control: o.control,
      tokenRequired: true, // control needs the token on every host
      collect: () => [...runs.values()].flatMap((r) => r.takeUpdate(o.maxPoints) ?? []),
      snapshot: () => [...runs.values()].map((r) => r.snapshot(o.maxPoints)),
    });
    const requestSnapshot = (ws: WebSocket) => this.#broadcaster.requestSnapshot(ws);
    const client = {
      control: o.control,
      token: o.controlToken,
      runs,
      requestSnapshot,
      budgetBytes: o.budgetBytes,
    };
    const routes = { ...o, wss: this.#wss, broadcaster: this.#broadcaster, client };
    this.#http = createServer(requestHandler(routes));
    this.#http.on('upgrade', upgradeHandler(routes));
  }

  /** @internal Use {@link startDashboardServer}. */
  static async start(options: DashboardServerOptions): Promise<DashboardServer> {
    const server = new DashboardServer(resolveServerOptions(options));
    await server.#listen();
    return server;
  }

  /** The port it listens on (the chosen one when asked for 0). */
  get port(): number {
    return this.#port;
  }

  /** The page's URL, with `?token=` when there is one. */
  get url(): string {
    const h = this.#o.host;
    const shown = h === '0.0.0.0' || h === '::' ? 'localhost' : h.includes(':') ? `[${h}]` : h;
    const query = this.token === undefined ? '' : `?token=${encodeURIComponent(this.token)}`;
    return `http://${shown}:${this.#port}/${query}`;
  }

  /**
   * Shows a run. Subscribes to `events$` (a cold observable starts training there; share it if others
   * subscribe too). With a controller, pages may steer the run when the server allows control.
   */
  attachRun(runId: string, events$: Observable<TrainEvent>, controller?: RunController): void {
    if (this.#withEvents.has(runId)) invalidOption('attachRun', 'runId', 'an id not attached yet', runId);
    this.#withEvents.add(runId);
    const live = this.#runs.get(runId) ?? new LiveRun(runId, controller, this.#o.control);
    live.setController(controller, this.#o.control);
    this.#runs.set(runId, live);
    const log = this.#o.log;
    const next = (e: TrainEvent) => {
      // A dashboard bug must never throw into the training stream.
      try {
        live.ingest(e);
      } catch (error) {
        log(`dashboard: run ${runId}: dropped an event: ${String(error)}`);
      }
    };
    const error = (e: unknown) => {
      live.fail();
      log(`dashboard: run ${runId} failed: ${String(e)}`);
    };
    this.#subscriptions.add(events$.subscribe({ next, error }));
  }

  /**
   * Marks an attached run ended for a reason its events cannot carry: a stored run that `failed`, or
   * was `interrupted` (its process died; see the run store's leases). Its controls go away.
   */
  endRun(runId: string, reason: 'failed' | 'interrupted'): void {
    const live = this.#runs.get(runId);
    if (!live) invalidOption('endRun', 'runId', 'an attached run', runId);
    live.fail(reason);
  }

  /** Draws an optimizer's path over `surface` for `runId` (before or after its `attachRun`). */
  attachPath(runId: string, surface: PathSurface, points$: Observable<PathPoint>): void {
    const live = this.#runs.get(runId) ?? new LiveRun(runId, undefined, false);
    this.#runs.set(runId, live);
    live.setSurface(surface);
    this.#subscriptions.add(
      points$.subscribe({ next: (p) => live.addPathPoint(p), error: () => live.fail() }),
    );
  }

  /** The broadcast loop's counters: the last frame number, the slowest tick, per-client numbers. */
  stats(): { readonly seq: number; readonly maxTickMs: number; readonly clients: ClientStats[] } {
    return this.#broadcaster.stats();
  }

  /** Stops broadcasting, closes every socket (1001) and the HTTP server, unsubscribes from the runs. */
  async close(): Promise<void> {
    this.#subscriptions.unsubscribe();
    this.#stopHeartbeat();
    this.#broadcaster.tick(); // the last updates (e.g. the run's end) go out before the sockets close
    this.#broadcaster.stop();
    await Promise.all([...this.#wss.clients].map(closeSocket));
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    await new Promise<void>((resolve) => {
      this.#http.close(() => resolve());
      this.#http.closeAllConnections();
    });
  }

  async #listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#http.once('error', reject);
      this.#http.listen(this.#o.port, this.#o.host, () => resolve());
    });
    const address = this.#http.address();
    this.#port = typeof address === 'object' && address ? address.port : this.#o.port;
    this.#stopHeartbeat = startHeartbeat(this.#wss, this.#o.heartbeatMs);
    this.#broadcaster.start();
    if (this.#o.generatedToken) this.#o.log(`dashboard: listening on ${this.#o.host}; open ${this.url}`);
  }
}

/** Closes politely so pages reconnect at once, but gives a stalled peer only 250 ms to answer. */
function closeSocket(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => ws.terminate(), 250);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.close(1001, 'server shutting down');
  });
}

/**
 * Starts the dashboard server and resolves once it listens.
 *
 * @example
 * const server = await startDashboardServer({ port: 0, control: true });
 * server.attachRun('run-1', events$, controller);
 * console.log(`dashboard: ${server.url}`);
 */
export function startDashboardServer(options: DashboardServerOptions = {}): Promise<DashboardServer> {
  return DashboardServer.start(options);
}
