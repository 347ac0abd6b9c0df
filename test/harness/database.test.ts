import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/database';

describe('test harness: PostgreSQL', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('harness');
  });
  afterAll(async () => {
    await db.drop();
  });

  it('gives each test file its own empty database that accepts writes', async () => {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const tables = await client.query(
        "select count(*)::int as n from information_schema.tables where table_schema = 'public'",
      );
      expect(tables.rows[0].n).toBe(0);
      await client.query('create table probe (id int primary key)');
      await client.query('insert into probe values (1), (2)');
      const rows = await client.query('select id from probe order by id');
      expect(rows.rows.map((r) => r.id)).toEqual([1, 2]);
      const current = await client.query('select current_database() as name');
      expect(current.rows[0].name).toBe(db.name);
    } finally {
      await client.end();
    }
  });
});
