import { Pool, type PoolClient, type QueryResultRow } from 'pg';
import { redactUrl } from '../secrets/redact';
import { classifyDbError } from './classifyDbError';
import { buildMultiRowInserts } from './multiRowInsert';
import { API_LOG_COLUMNS, SNAPSHOT_COLUMNS, apiLogValues, snapshotValues } from './rowValues';
import type { ApiLogRow, InsertResult, SnapshotRow } from './types';

export interface CreateDbOptions {
  url: string;
  /** Connections in the pool; one worker rarely needs more than its concurrent activities. Default 4. */
  poolMax?: number;
  /**
   * Server-side statement timeout; a client-side timer half a second later catches a server that hangs. Default 1000:
   * a cycle's insert takes milliseconds, and a database that answers nothing must cost a cycle well under its 5 s.
   */
  statementTimeoutMs?: number;
  /** Time to open a connection (or wait for a pooled one) before failing. Default 1000. */
  connectionTimeoutMs?: number;
  log?: (level: 'warn' | 'info', message: string) => void;
}

export interface Db {
  /** Multi-row insert; a cycle key already present is a duplicate, not an error. All rows or none. */
  insertSnapshots(rows: SnapshotRow[]): Promise<InsertResult>;
  /** Multi-row insert keyed by ApiLogRow.key; all rows or none. */
  insertApiLogs(rows: ApiLogRow[]): Promise<InsertResult>;
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
  /** Resolves when the database answers a trivial query within the timeouts. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_STATEMENT_TIMEOUT_MS = 1000;
const DEFAULT_CONNECTION_TIMEOUT_MS = 1000;
const CLIENT_SIDE_TIMEOUT_MARGIN_MS = 500;

export function createDb(options: CreateDbOptions): Db {
  const statementTimeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  const log = options.log ?? (() => undefined);
  const pool = new Pool({
    connectionString: options.url,
    max: options.poolMax ?? 4,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
    statement_timeout: statementTimeoutMs,
    lock_timeout: statementTimeoutMs,
    idle_in_transaction_session_timeout: statementTimeoutMs * 5,
    query_timeout: statementTimeoutMs + CLIENT_SIDE_TIMEOUT_MARGIN_MS,
    keepAlive: true,
    idleTimeoutMillis: 30_000,
    application_name: 'ibkr-greeks-bridge',
  });
  // An idle pooled connection that dies (server restart) emits 'error' on the pool; unhandled, it
  // would crash the worker. The pool drops that connection by itself.
  pool.on('error', (err) => log('warn', `postgres ${redactUrl(options.url)}: idle connection lost: ${err.message}`));

  /** Runs fn on one pooled connection; a connection that failed transiently is destroyed, not reused. */
  async function withClient<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    // A checked-out client has no pool listener: when its socket dies mid-query it emits 'error'
    // besides failing the query, and an unhandled 'error' would crash the worker.
    const onSocketError = (err: Error) => log('warn', `postgres connection lost during a query: ${err.message}`);
    client.on('error', onSocketError);
    try {
      const result = await fn(client);
      client.removeListener('error', onSocketError);
      client.release();
      return result;
    } catch (err) {
      client.removeListener('error', onSocketError);
      client.release(classifyDbError(err).kind === 'transient' ? (err as Error) : undefined);
      throw err;
    }
  }

  async function insertAll(
    table: string,
    columns: readonly string[],
    conflictColumn: string,
    valueRows: unknown[][],
  ): Promise<InsertResult> {
    if (valueRows.length === 0) return { inserted: 0, duplicates: 0 };
    const statements = buildMultiRowInserts(table, columns, conflictColumn, valueRows);
    return withClient(async (client) => {
      const inTransaction = statements.length > 1;
      let inserted = 0;
      if (inTransaction) await client.query('BEGIN');
      try {
        for (const statement of statements) inserted += (await client.query(statement)).rowCount ?? 0;
        if (inTransaction) await client.query('COMMIT');
      } catch (err) {
        if (inTransaction) await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
      return { inserted, duplicates: valueRows.length - inserted };
    });
  }

  let closed = false;
  return {
    insertSnapshots: async (rows) =>
      insertAll('portfolio_greeks', SNAPSHOT_COLUMNS, 'cycle_key', rows.map(snapshotValues)),
    insertApiLogs: async (rows) => insertAll('api_logs', API_LOG_COLUMNS, 'log_key', rows.map(apiLogValues)),
    query: async <R extends QueryResultRow>(text: string, values?: unknown[]) =>
      withClient(async (client) => (await client.query<R>(text, values)).rows),
    ping: async () => {
      await withClient((client) => client.query('SELECT 1'));
    },
    close: async () => {
      if (!closed) {
        closed = true;
        await pool.end();
      }
    },
  };
}
