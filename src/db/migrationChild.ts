/**
 * Runs node-pg-migrate in its own process; spawned by migrate() (see there for why). Reads its
 * input from the environment so the connection string never shows in `ps`; writes one JSON object
 * per line on stdout: { log } while running, then { applied } or { error }.
 */
import { Client } from 'pg';

// tsconfig's node10 resolution ignores the package's `exports`, so name its types by path; at run
// time the bare specifier goes through `exports` as usual.
type NodePgMigrate = typeof import('node-pg-migrate/dist/bundle/index');
const NODE_PG_MIGRATE: string = 'node-pg-migrate';

// node-pg-migrate's own lock id: holding it also keeps its CLI out while we migrate.
const MIGRATION_LOCK_ID = '7241865325823964';

function send(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

async function main(): Promise<void> {
  const url = process.env.BRIDGE_MIGRATE_URL;
  const dir = process.env.BRIDGE_MIGRATE_DIR;
  const lockTimeoutMs = Number(process.env.BRIDGE_MIGRATE_LOCK_TIMEOUT_MS ?? 60_000);
  if (!url || !dir) throw new Error('BRIDGE_MIGRATE_URL and BRIDGE_MIGRATE_DIR must be set');
  const { runner } = (await import(NODE_PG_MIGRATE)) as NodePgMigrate;
  const client = new Client({ connectionString: url, application_name: 'ibkr-greeks-bridge migrate' });
  await client.connect();
  try {
    // node-pg-migrate only *tries* the lock and fails when another migrator holds it; wait for it
    // instead, so two workers starting together both succeed. Advisory locks are re-entrant per
    // session, so the runner's own try-lock on this connection succeeds.
    await client.query(`SET lock_timeout = ${Math.max(1, Math.floor(lockTimeoutMs))}`);
    await client.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK_ID})`);
    await client.query('SET lock_timeout = 0');
    const applied = await runner({
      dbClient: client,
      dir,
      direction: 'up',
      migrationsTable: 'pgmigrations',
      checkOrder: true,
      singleTransaction: true,
      log: (line: string) => send({ log: line }),
    });
    send({ applied: applied.map((migration) => migration.name) });
  } finally {
    await client.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK_ID})`).catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}

main().catch((err: unknown) => {
  send({ error: (err instanceof Error ? err.message : String(err)).split('\n')[0] });
  process.exitCode = 1;
});
