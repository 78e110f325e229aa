// The dashboard server's options: defaults in one place, each checked by name before anything starts,
// and the token rules: any address beyond loopback needs a token to watch (generated and logged if
// absent); control needs a token on every host (that one, or a fresh one per process on loopback).

import { checkNumber } from '../errors.js';
import { generateToken, isLoopback, type RequestPolicy } from './security.js';
import { defaultStaticDir } from './static-files.js';

/** Options of `startDashboardServer`. */
export interface DashboardServerOptions {
  /** Default `127.0.0.1`. Any other address requires a token (one is generated and logged if absent). */
  readonly host?: string;
  /** Default 8080; 0 picks a free port. */
  readonly port?: number;
  /**
   * Required by the page and the socket when set (to watch), and by every control message. Without
   * one, watching on loopback is open and control messages need a token generated per process, which
   * the served page carries (`controlToken`).
   */
  readonly token?: string;
  /** Accept control messages (pause, resume, stop, set lr). Default false. */
  readonly control?: boolean;
  /** Broadcast interval (frames per client ≤ 1000 / intervalMs per second). Default 100. */
  readonly intervalMs?: number;
  /** Send-buffer budget per client, in bytes. Default 1 MiB. */
  readonly budgetBytes?: number;
  /** Ping interval; a client silent for a whole interval is dropped. Default 15000. */
  readonly heartbeatMs?: number;
  /** Steps per run in a snapshot before min/max downsampling. Default 2000. */
  readonly maxPoints?: number;
  /** Frames kept for replay to reconnecting clients. Default 100 (10 s). */
  readonly replayFrames?: number;
  /** Folder of the built page. Default `<package root>/dist/dashboard`. */
  readonly staticDir?: string;
  /** Extra origins allowed to open the socket (the page's own always is). */
  readonly allowedOrigins?: readonly string[];
  /** Where the generated token and run failures are printed. Default `console.log`. */
  readonly log?: (line: string) => void;
  /**
   * A run's metrics as CSV at full resolution (from the run store), served at
   * `/runs/<runId>/metrics.csv`; undefined: an unknown run (404). Without it that path answers 404
   * and the page exports what it holds.
   */
  readonly metricsCsv?: (runId: string) => string | undefined;
}

/** Every option filled in, plus what follows from them. */
export type ResolvedServerOptions = Required<Omit<DashboardServerOptions, 'token' | 'metricsCsv'>> & {
  readonly token: string | undefined;
  readonly metricsCsv: ((runId: string) => string | undefined) | undefined;
  /** What every control message must carry: `token` when set, else a fresh random one. */
  readonly controlToken: string;
  /** True when the token was generated here (and must be shown to the user). */
  readonly generatedToken: boolean;
  readonly policy: RequestPolicy;
};

const DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  control: false,
  intervalMs: 100,
  budgetBytes: 1 << 20,
  heartbeatMs: 15_000,
  maxPoints: 2000,
  replayFrames: 100,
  allowedOrigins: [] as readonly string[],
  log: console.log as (line: string) => void,
};

/** Checks `options` and fills in the defaults. */
export function resolveServerOptions(options: DashboardServerOptions): ResolvedServerOptions {
  const o = { ...DEFAULTS, staticDir: options.staticDir ?? defaultStaticDir(), ...options };
  const where = 'startDashboardServer';
  checkNumber(where, 'port', o.port, { min: 0, max: 65535, integer: true });
  checkNumber(where, 'intervalMs', o.intervalMs, { min: 10, max: 60_000 });
  checkNumber(where, 'budgetBytes', o.budgetBytes, { min: 1024, integer: true });
  checkNumber(where, 'heartbeatMs', o.heartbeatMs, { min: 10 });
  checkNumber(where, 'maxPoints', o.maxPoints, { min: 10, integer: true });
  checkNumber(where, 'replayFrames', o.replayFrames, { min: 0, integer: true });
  const loopback = isLoopback(o.host);
  const token = o.token ?? (loopback ? undefined : generateToken());
  const policy = { loopbackOnly: loopback && token === undefined, allowedOrigins: o.allowedOrigins };
  const controlToken = token ?? generateToken();
  const generatedToken = o.token === undefined && token !== undefined;
  return { ...o, token, controlToken, generatedToken, policy, metricsCsv: options.metricsCsv };
}
