// The job queue's address: a Redis URL (`redis://[user:pass@]host[:port][/db]`, `rediss://` for TLS).
// Parsed once into connection options; shown only with its credentials masked, never stored.

import { GradstreamError } from '../errors.js';

/** A parsed queue address. */
export interface QueueAddress {
  /** The URL with any user and password replaced by `***`: the only form messages and logs show. */
  readonly shown: string;
  /** ioredis/BullMQ connection options (credentials included: keep them in memory only). */
  readonly connection: QueueConnection;
}

/** What BullMQ and ioredis take to connect. */
export interface QueueConnection {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly username?: string;
  readonly password?: string;
  readonly tls?: Record<string, never>;
  /** BullMQ's workers block on Redis: they must wait, not fail, while it is away. */
  readonly maxRetriesPerRequest: null;
  /** Reconnects after a lost connection with a capped backoff (see {@link reconnectDelayMs}). */
  readonly retryStrategy: (times: number) => number;
}

/** The delay before reconnection attempt `times` (1, 2, …): 100 ms doubling, at most 5 s. */
export function reconnectDelayMs(times: number): number {
  return Math.min(5000, 100 * 2 ** Math.max(0, Math.min(times - 1, 6)));
}

/** `url` with its user and password masked (a URL that does not parse is masked whole after `//`). */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = u.username ? '***' : '';
      u.password = u.password ? '***' : '';
    }
    return u.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

function badUrl(field: string, url: string, why: string): GradstreamError {
  return new GradstreamError(
    'ERR_INVALID_OPTION',
    `${field} must be a Redis URL redis://[user:password@]host[:port][/db] or rediss://… (TLS); ${why}, got ${maskUrl(url)}`,
    { cause: { field } },
  );
}

/**
 * Parses a queue URL (`field` names the flag or option in errors).
 *
 * @throws GradstreamError `ERR_INVALID_OPTION` naming `field`, with the URL's credentials masked.
 * @example
 * parseQueueUrl('redis://127.0.0.1:6379').connection.port; // 6379
 */
export function parseQueueUrl(url: string, field = '--queue'): QueueAddress {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw badUrl(field, url, 'it is not a URL');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw badUrl(field, url, `the scheme is ${u.protocol}`);
  if (!u.hostname) throw badUrl(field, url, 'it names no host');
  const port = u.port === '' ? 6379 : Number(u.port);
  const dbText = u.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0 || db > 15) throw badUrl(field, url, 'the database must be 0–15');
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const connection: QueueConnection = {
    host,
    port,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
    retryStrategy: reconnectDelayMs,
  };
  return { shown: maskUrl(url), connection };
}
