import type { Db } from '../db/createDb';

/** Thrown by the store until the schema is migrated: transient, so a cycle's rows go to the fallback buffer. */
export class SchemaNotReadyError extends Error {
  constructor(problem: string) {
    super(`database schema not migrated yet (${problem})`);
    this.name = 'SchemaNotReadyError';
  }
}

export interface SchemaMigration {
  ready(): boolean;
  /** Null once migrated; otherwise why not yet (for /readyz). */
  problem(): string | null;
  /** Resolves once migrated. */
  readonly migrated: Promise<void>;
  /** Resolves after the first attempt, whatever its outcome. */
  readonly firstAttempt: Promise<void>;
  stop(): void;
}

export interface SchemaMigrationOptions {
  /** Brings the schema up to date; safe to run again and from several processes (migrate()). */
  migrate(): Promise<unknown>;
  /** First wait after a failure; doubles up to maxDelayMs. Defaults 1000 and 15000. */
  minDelayMs?: number;
  maxDelayMs?: number;
  log?(level: 'warn' | 'info', message: string): void;
}

/**
 * Migrates now, and again after every failure until the database answers: a worker started while Postgres is away
 * must not write into a missing or old schema, and must migrate as soon as Postgres is back.
 */
export function startSchemaMigration(options: SchemaMigrationOptions): SchemaMigration {
  const minDelayMs = options.minDelayMs ?? 1000;
  const maxDelayMs = options.maxDelayMs ?? 15_000;
  let problem: string | null = 'migrations not run yet';
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let markMigrated: () => void = () => undefined;
  const migrated = new Promise<void>((resolve) => {
    markMigrated = resolve;
  });
  let markAttempted: () => void = () => undefined;
  const firstAttempt = new Promise<void>((resolve) => {
    markAttempted = resolve;
  });

  const attempt = async (delayMs: number): Promise<void> => {
    timer = null;
    if (stopped) return;
    try {
      await options.migrate();
      problem = null;
      markMigrated();
      return;
    } catch (err) {
      const first = problem === 'migrations not run yet';
      problem = (err as Error).message.replace(/\s+/g, ' ').slice(0, 300);
      if (first) options.log?.('warn', `${problem}; retrying until Postgres answers`);
    } finally {
      markAttempted();
    }
    if (!stopped) timer = setTimeout(() => void attempt(Math.min(delayMs * 2, maxDelayMs)), delayMs);
  };
  void attempt(minDelayMs);

  return {
    ready: () => problem === null,
    problem: () => problem,
    migrated,
    firstAttempt,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}

/** The database, refusing every statement until the schema is migrated. */
export function gateOnSchema(db: Db, schema: Pick<SchemaMigration, 'problem'>): Db {
  const check = () => {
    const problem = schema.problem();
    if (problem !== null) throw new SchemaNotReadyError(problem);
  };
  return {
    insertSnapshots: async (rows) => {
      check();
      return db.insertSnapshots(rows);
    },
    insertApiLogs: async (rows) => {
      check();
      return db.insertApiLogs(rows);
    },
    query: async (text, values) => {
      check();
      return db.query(text, values);
    },
    ping: async () => {
      check();
      return db.ping();
    },
    close: () => db.close(),
  };
}
