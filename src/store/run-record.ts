// A run as stored and as returned: the record type, its row mapping (a damaged row is marked, not
// thrown; a dead run's `running` reads as `interrupted`), ids, and the unknown-run error.

import { randomBytes } from 'node:crypto';
import { GradstreamError } from '../errors.js';
import { isHeld, type Lease } from './lease.js';

/** The statuses a row stores. */
export type StoredStatus = 'running' | 'completed' | 'stopped' | 'failed';

/**
 * Where a run stands. `interrupted` is never stored: it is a `running` row whose lease has expired
 * or whose process is gone (killed, crashed), which `resume` may take over.
 */
export type RunStatus = StoredStatus | 'interrupted';

/** Every status, in the order `runs list --status` offers them. */
export const RUN_STATUSES: readonly RunStatus[] = [
  'running',
  'interrupted',
  'completed',
  'stopped',
  'failed',
];

/** One run as stored. Times are milliseconds since the Unix epoch. */
export interface RunRecord {
  readonly id: string;
  readonly name: string | null;
  /** The run's config; `{}` when the stored JSON is damaged (see `damaged`). */
  readonly config: Readonly<Record<string, unknown>>;
  readonly status: RunStatus;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly endedAt: number | null;
  /** The last value of every metric plus run totals; null until the run ends (or when damaged). */
  readonly finalMetrics: Readonly<Record<string, number | null>> | null;
  /** Why a `failed` run failed. */
  readonly error: string | null;
  /** Who trains (or last trained) the run, while it is `running` or `interrupted`. */
  readonly lease: Lease | null;
  /** Present only when a column of the row cannot be read, saying which and why. */
  readonly damaged?: string;
}

/** A `runs` row as SQLite returns it (the lease columns are absent in a version 1 store). */
export interface RunRow {
  id: string;
  name: string | null;
  config: string;
  status: StoredStatus;
  created_at: number;
  updated_at: number;
  ended_at: number | null;
  final_metrics: string | null;
  error: string | null;
  lease_pid?: number | null;
  lease_host?: string | null;
  lease_expires_at?: number | null;
}

type Parsed<T> = { readonly value: T } | { readonly damaged: string };

/** A JSON object column, or what is wrong with it. */
function parseObject(column: string, text: string): Parsed<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { damaged: `runs.${column} is not valid JSON (${(error as Error).message})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { damaged: `runs.${column} is not a JSON object` };
  return { value: value as Record<string, unknown> };
}

function leaseOf(row: RunRow): Lease | null {
  if (row.lease_pid == null || row.lease_host == null || row.lease_expires_at == null) return null;
  return { pid: row.lease_pid, host: row.lease_host, expiresAt: row.lease_expires_at };
}

/** Maps a row to a record: JSON columns parsed (a broken one marked `damaged`), the status as of `now`. */
export function toRecord(row: RunRow, now = Date.now()): RunRecord {
  const config = parseObject('config', row.config);
  const final =
    row.final_metrics === null ? { value: null } : parseObject('final_metrics', row.final_metrics);
  const damaged = [config, final].flatMap((p) => ('damaged' in p ? [p.damaged] : []));
  const lease = leaseOf(row);
  const status: RunStatus =
    row.status === 'running' && !isHeld(lease, row.updated_at, now) ? 'interrupted' : row.status;
  return {
    id: row.id,
    name: row.name,
    config: 'value' in config ? config.value : {},
    status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    endedAt: row.ended_at,
    finalMetrics: 'value' in final ? (final.value as RunRecord['finalMetrics']) : null,
    error: row.error,
    lease: status === 'running' || status === 'interrupted' ? lease : null,
    ...(damaged.length > 0 ? { damaged: damaged.join('; ') } : {}),
  };
}

/** A sortable, typable id: UTC time to the second plus 4 random hex digits, e.g. `20260301-142355-a1b2`. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

/**
 * Refuses an empty or blank run reference: as an id prefix it would match every run (`runs rm ''`
 * would pick the only one).
 */
export function checkRunRef(ref: string): void {
  if (ref.trim() === '')
    throw new GradstreamError(
      'ERR_INVALID_OPTION',
      `run must be a run id, id prefix or name, got ${JSON.stringify(ref)}`,
      { cause: { ref } },
    );
}

/** The error for a run id that is not in the store (`where`: the store's file). */
export function unknownRun(ref: string, where?: string): GradstreamError {
  return new GradstreamError('ERR_INVALID_OPTION', `unknown run "${ref}"${where ? ` in ${where}` : ''}`, {
    cause: { ref },
  });
}
