import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DEFAULT_MIGRATIONS_DIR, migrate } from '../../src/db/migrate';
import { createTestDatabase, type TestDatabase } from '../support/database';

async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const MIGRATIONS = ['1760000000000_portfolio-greeks-and-api-logs', '1770000000000_greeks-sources'];

describe('migrate()', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase('migrate');
  });
  afterEach(async () => {
    await db.drop();
  });

  it('creates the schema on an empty database and applies nothing the second time', async () => {
    const logged: string[] = [];
    const first = await migrate(db.url, { log: (line) => logged.push(line) });
    expect(first.applied).toEqual(MIGRATIONS);
    expect(logged.join('\n')).toMatch(/1760000000000_portfolio-greeks-and-api-logs/);

    const second = await migrate(db.url);
    expect(second.applied).toEqual([]);

    await withClient(db.url, async (client) => {
      const tables = await client.query(
        "select table_name from information_schema.tables where table_schema = 'public' order by 1",
      );
      expect(tables.rows.map((r) => r.table_name)).toEqual(['api_logs', 'pgmigrations', 'portfolio_greeks']);
      const indexes = await client.query(
        "select indexname from pg_indexes where tablename = 'portfolio_greeks' order by 1",
      );
      expect(indexes.rows.map((r) => r.indexname)).toEqual([
        'portfolio_greeks_account_snapshot_at_idx',
        'portfolio_greeks_cycle_key_key',
        'portfolio_greeks_pkey',
        'portfolio_greeks_snapshot_at_brin',
      ]);
      const types = await client.query(
        `select column_name, data_type from information_schema.columns
          where table_name = 'portfolio_greeks' and column_name in ('net_delta', 'dollar_gamma', 'pnl_daily')`,
      );
      expect(new Set(types.rows.map((r) => r.data_type))).toEqual(new Set(['double precision']));
    });
  });

  it('upgrades a database with rows: the rows stay, and read as having no source counts or fallback positions', async () => {
    const firstOnly = mkdtempSync(join(tmpdir(), 'migrations-'));
    try {
      copyFileSync(join(DEFAULT_MIGRATIONS_DIR, `${MIGRATIONS[0]}.sql`), join(firstOnly, `${MIGRATIONS[0]}.sql`));
      await migrate(db.url, { dir: firstOnly });
      await withClient(db.url, (client) =>
        client.query(
          `insert into portfolio_greeks (cycle_key, workflow_id, account, snapshot_at, mode, net_delta, net_gamma,
             net_vega, net_theta, dollar_delta, dollar_gamma, position_count, option_count, covered_option_count,
             coverage, units)
           values ('k1', 'wf', 'DU1', now(), 'SOCKET', 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, '{}')`,
        ),
      );
      const upgrade = await migrate(db.url);
      expect(upgrade.applied).toEqual([MIGRATIONS[1]]);
      await withClient(db.url, async (client) => {
        const rows = await client.query('select cycle_key, greeks_sources, fallback_positions from portfolio_greeks');
        expect(rows.rows).toEqual([{ cycle_key: 'k1', greeks_sources: {}, fallback_positions: [] }]);
      });
    } finally {
      rmSync(firstOnly, { recursive: true, force: true });
    }
  });

  it('lets two processes migrate the same empty database at once: one applies, the other waits and finds nothing to do', async () => {
    const results = await Promise.all([migrate(db.url), migrate(db.url)]);
    const applied = results.map((r) => r.applied.length).sort();
    expect(applied).toEqual([0, MIGRATIONS.length]);
    await withClient(db.url, async (client) => {
      const rows = await client.query('select name from pgmigrations');
      expect(rows.rows.map((r) => r.name)).toEqual(MIGRATIONS);
    });
  });

  it('fails with a one-line error naming the problem when the database cannot be reached', async () => {
    const url = new URL(db.url);
    url.pathname = '/no_such_database_here';
    await expect(migrate(url.toString())).rejects.toThrow(/^database migration failed: .*no_such_database_here/);
  });
});
