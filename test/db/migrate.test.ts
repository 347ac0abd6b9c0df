import { Client } from 'pg';
import { migrate } from '../../src/db/migrate';
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
    expect(first.applied).toEqual(['1760000000000_portfolio-greeks-and-api-logs']);
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

  it('lets two processes migrate the same empty database at once: one applies, the other waits and finds nothing to do', async () => {
    const results = await Promise.all([migrate(db.url), migrate(db.url)]);
    const applied = results.map((r) => r.applied.length).sort();
    expect(applied).toEqual([0, 1]);
    await withClient(db.url, async (client) => {
      const rows = await client.query('select name from pgmigrations');
      expect(rows.rows.map((r) => r.name)).toEqual(['1760000000000_portfolio-greeks-and-api-logs']);
    });
  });

  it('fails with a one-line error naming the problem when the database cannot be reached', async () => {
    const url = new URL(db.url);
    url.pathname = '/no_such_database_here';
    await expect(migrate(url.toString())).rejects.toThrow(/^database migration failed: .*no_such_database_here/);
  });
});
