import type { Db } from './createDb';

export interface RetentionResult {
  snapshotsDeleted: number;
  apiLogsDeleted: number;
}

/** Rows per DELETE statement, so a large first purge never holds locks or a transaction for long. */
const DELETE_BATCH = 10_000;

/**
 * Deletes portfolio_greeks and api_logs rows older than `days` days (GREEKS_RETENTION_DAYS).
 * null/undefined keeps everything. Runs in batches; safe to interrupt and to run again.
 */
export async function applyRetention(db: Pick<Db, 'query'>, days: number | null | undefined): Promise<RetentionResult> {
  if (days === null || days === undefined) return { snapshotsDeleted: 0, apiLogsDeleted: 0 };
  if (!Number.isFinite(days) || days <= 0) throw new Error(`retention days must be a positive number, got ${days}`);
  const cutoff = new Date(Date.now() - days * 86_400_000);
  return {
    snapshotsDeleted: await deleteOlderThan(db, 'portfolio_greeks', 'snapshot_at', cutoff),
    apiLogsDeleted: await deleteOlderThan(db, 'api_logs', 'logged_at', cutoff),
  };
}

async function deleteOlderThan(db: Pick<Db, 'query'>, table: string, column: string, cutoff: Date): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = await db.query<{ n: number }>(
      `WITH doomed AS (SELECT id FROM ${table} WHERE ${column} < $1 LIMIT ${DELETE_BATCH}),
            gone AS (DELETE FROM ${table} t USING doomed WHERE t.id = doomed.id RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [cutoff],
    );
    const deleted = rows[0]?.n ?? 0;
    total += deleted;
    if (deleted < DELETE_BATCH) return total;
  }
}
