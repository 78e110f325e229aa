// The one broadcast loop: every interval, one coalesced frame, serialised once and sent to every open
// client with room in its send buffer; a client over budget is skipped and later gets a fresh snapshot.

import type { WebSocket } from 'ws';
import type { HelloMessage, ResumeMessage, RunUpdate } from '../protocol/server-messages.js';

/** At most this many bytes of recent frames are kept for replay. */
const REPLAY_BYTES = 8 << 20;

/** Options of {@link Broadcaster}. */
export interface BroadcasterOptions {
  /** This server process's id; reconnecting clients present it with `since`. */
  readonly session: string;
  readonly intervalMs: number;
  /** A client whose `bufferedAmount` passes this many bytes gets no frames until it drains. */
  readonly budgetBytes: number;
  /** How many recent frames are kept to replay to a reconnecting client. */
  readonly replayFrames: number;
  readonly control: boolean;
  readonly tokenRequired: boolean;
  /** What changed since the last call (the runs' pending updates). */
  readonly collect: () => RunUpdate[];
  /** The runs as of the last frame. */
  readonly snapshot: () => RunUpdate[];
}

/** Per-client counters, for tests and diagnostics. */
export interface ClientStats {
  readonly bufferedAmount: number;
  readonly framesSent: number;
  readonly framesSkipped: number;
  readonly snapshotsSent: number;
}

interface Client {
  readonly ws: WebSocket;
  needsSnapshot: boolean;
  framesSent: number;
  framesSkipped: number;
  snapshotsSent: number;
}

/** Sends numbered frames to many clients without letting any of them hold the others (or training) back. */
export class Broadcaster {
  readonly #o: BroadcasterOptions;
  readonly #clients = new Map<WebSocket, Client>();
  readonly #ring: { readonly seq: number; readonly data: Buffer }[] = [];
  #ringBytes = 0;
  #seq = 0;
  #hello: { readonly seq: number; readonly data: Buffer } | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #maxTickMs = 0;

  constructor(options: BroadcasterOptions) {
    this.#o = options;
  }

  /** The last frame's number. */
  get seq(): number {
    return this.#seq;
  }

  /** Starts the loop. */
  start(): void {
    this.#timer = setInterval(() => this.tick(), this.#o.intervalMs);
    this.#timer.unref();
  }

  /**
   * Adds a client: replays frames `since + 1`… when `session` is this one's and they are all still
   * kept, else sends a snapshot. Either way the client then has every point exactly once.
   */
  add(ws: WebSocket, resumeFrom?: { readonly session: string; readonly since: number }): void {
    const client: Client = { ws, needsSnapshot: false, framesSent: 0, framesSkipped: 0, snapshotsSent: 0 };
    this.#clients.set(ws, client);
    ws.once('close', () => this.#clients.delete(ws));
    const since = resumeFrom?.session === this.#o.session ? resumeFrom.since : -1;
    const oldest = this.#ring.length > 0 ? this.#ring[0].seq : this.#seq + 1;
    if (since >= oldest - 1 && since <= this.#seq) {
      const { session, control, tokenRequired } = this.#o;
      const resume: ResumeMessage = {
        v: 1,
        type: 'resume',
        session,
        from: since + 1,
        to: this.#seq,
        control,
        tokenRequired,
      };
      send(client, Buffer.from(JSON.stringify(resume)));
      for (const frame of this.#ring) if (frame.seq > since) send(client, frame.data);
      client.framesSent += this.#seq - since;
    } else {
      this.#sendSnapshot(client);
    }
  }

  /** Queues a fresh snapshot for `ws` at the next tick (a `resync` request). */
  requestSnapshot(ws: WebSocket): void {
    const client = this.#clients.get(ws);
    if (client) client.needsSnapshot = true;
  }

  /** One round: build the frame (if anything changed) and hand it, or a snapshot, to each client. */
  tick(): void {
    const t0 = performance.now();
    const runs = this.#o.collect();
    let frame: Buffer | undefined;
    if (runs.length > 0) {
      this.#seq++;
      frame = Buffer.from(JSON.stringify({ v: 1, type: 'frame', seq: this.#seq, time: Date.now(), runs }));
      this.#ring.push({ seq: this.#seq, data: frame });
      this.#ringBytes += frame.length;
      // Bounded by count and by bytes: a few huge frames must not pin memory for reconnects.
      while (this.#ring.length > this.#o.replayFrames || this.#ringBytes > REPLAY_BYTES) {
        this.#ringBytes -= this.#ring.shift()!.data.length;
      }
    }
    for (const client of this.#clients.values()) {
      if (client.ws.readyState !== client.ws.OPEN) continue;
      const buffered = client.ws.bufferedAmount;
      if (client.needsSnapshot) {
        // Hysteresis: wait until half the budget has drained, so a snapshot does not refill it at once.
        if (buffered <= this.#o.budgetBytes / 2) this.#sendSnapshot(client);
        else if (frame) client.framesSkipped++;
      } else if (frame) {
        if (buffered > this.#o.budgetBytes) {
          client.needsSnapshot = true;
          client.framesSkipped++;
        } else {
          send(client, frame);
          client.framesSent++;
        }
      }
    }
    this.#maxTickMs = Math.max(this.#maxTickMs, performance.now() - t0);
  }

  /** Counters per client and for the loop. */
  stats(): { readonly seq: number; readonly maxTickMs: number; readonly clients: ClientStats[] } {
    const clients = [...this.#clients.values()].map((c) => ({
      bufferedAmount: c.ws.bufferedAmount,
      framesSent: c.framesSent,
      framesSkipped: c.framesSkipped,
      snapshotsSent: c.snapshotsSent,
    }));
    return { seq: this.#seq, maxTickMs: this.#maxTickMs, clients };
  }

  /** Stops the loop and forgets the clients (the caller closes their sockets). */
  stop(): void {
    clearInterval(this.#timer);
    this.#clients.clear();
  }

  #sendSnapshot(client: Client): void {
    // One snapshot per frame number, shared by every client that needs it.
    if (this.#hello?.seq !== this.#seq) {
      const { session, control, tokenRequired } = this.#o;
      const hello: HelloMessage = {
        v: 1,
        type: 'hello',
        session,
        seq: this.#seq,
        control,
        tokenRequired,
        runs: this.#o.snapshot(),
      };
      this.#hello = { seq: this.#seq, data: Buffer.from(JSON.stringify(hello)) };
    }
    send(client, this.#hello.data);
    client.needsSnapshot = false;
    client.snapshotsSent++;
  }
}

function send(client: Client, data: Buffer): void {
  // A failing client is dropped, never allowed to throw into the loop (or into training).
  client.ws.send(data, { binary: false }, (error) => {
    if (error) client.ws.terminate();
  });
}
