// A run as stored and as returned: the record type, its row mapping, ids, and the unknown-run error.

import { randomBytes } from 'node:crypto';
import { GradstreamError } from '../errors.js';

/** Where a run stands. `running` rows whose `updatedAt` stopped moving belong to a dead process. */
export type RunStatus = 'running' | 'completed' | 'stopped' | 'failed';

/** One run as stored. Times are milliseconds since the Unix epoch. */
export interface RunRecord {
  readonly id: string;
  readonly name: string | null;
  readonly config: Readonly<Record<string, unknown>>;
  readonly status: RunStatus;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly endedAt: number | null;
  /** The last value of every metric plus run totals; null until the run ends. */
  readonly finalMetrics: Readonly<Record<string, number | null>> | null;
  /** Why a `failed` run failed. */
  readonly error: string | null;
}

/** A `runs` row as SQLite returns it. */
export interface RunRow {
  id: string;
  name: string | null;
  config: string;
  status: RunStatus;
  created_at: number;
  updated_at: number;
  ended_at: number | null;
  final_metrics: string | null;
  error: string | null;
}

/** Maps a row to a record (JSON columns parsed). */
export function toRecord(row: RunRow): RunRecord {
  return {
    id: row.id,
    name: row.name,
    config: JSON.parse(row.config),
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    endedAt: row.ended_at,
    finalMetrics: row.final_metrics === null ? null : JSON.parse(row.final_metrics),
    error: row.error,
  };
}

/** A sortable, typable id: UTC time to the second plus 4 random hex digits, e.g. `20260301-142355-a1b2`. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

/** The error for a run id that is not in the store. */
export function unknownRun(ref: string): GradstreamError {
  return new GradstreamError('ERR_INVALID_OPTION', `unknown run "${ref}"`, { cause: { ref } });
}
