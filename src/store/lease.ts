// A running run's lease: which process trains it (pid and host) and until when. The process renews
// it every LEASE.heartbeatMs; a `running` run whose lease has expired, or whose process on this
// host is gone, belongs to nobody and reads as `interrupted`.

import { hostname } from 'node:os';

/**
 * The lease's timing, in one place. A live process renews its lease every `heartbeatMs`; a lease
 * not renewed for `expiryMs` has expired (its process died, hung, or lost its disk). The expiry
 * leaves four missed heartbeats of slack for a busy event loop or a store locked by another writer.
 */
export const LEASE = { heartbeatMs: 2_000, expiryMs: 10_000 } as const;

/** Who holds a run, and until when (ms since the epoch). */
export interface Lease {
  readonly pid: number;
  readonly host: string;
  readonly expiresAt: number;
}

/** This process's host name, as leases record it. */
export const thisHost = (): string => hostname();

/** A lease for this process, expiring `LEASE.expiryMs` from `now`. */
export function ownLease(now = Date.now()): Lease {
  return { pid: process.pid, host: thisHost(), expiresAt: now + LEASE.expiryMs };
}

/** True when `lease` is this process's. */
export const isOwnLease = (lease: Lease | null): boolean =>
  lease !== null && lease.pid === process.pid && lease.host === thisHost();

/** Whether process `pid` exists on this host (EPERM: it exists, owned by another user). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether a `running` run is still trained by someone: its lease has not expired and, when it was
 * taken on this host, its process still exists. A run without a lease (recorded before leases, in
 * schema version 1) counts as held while its row was written to within `LEASE.expiryMs`.
 */
export function isHeld(lease: Lease | null, updatedAt: number, now = Date.now()): boolean {
  if (lease === null) return now - updatedAt < LEASE.expiryMs;
  if (lease.expiresAt <= now) return false;
  // Another host's processes cannot be seen from here: there the expiry alone decides.
  if (lease.host === thisHost() && !processExists(lease.pid)) return false;
  return true;
}

/** "pid 123 on host x" (for messages). */
export const describeLease = (lease: Lease): string => `pid ${lease.pid} on host ${lease.host}`;
