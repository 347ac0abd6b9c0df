import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { letOthersTraverse } from '../../src/infra/postgres';
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

describe('embedded PostgreSQL as root: reaching binaries and data', () => {
  it('grants search (o+x) on folders that hide a path, and no read access', () => {
    const top = mkdtempSync(join(tmpdir(), 'bridge-traverse-')); // 0700, as mktemp -d makes a CI checkout
    const data = join(top, 'inner', 'pg');
    mkdirSync(data, { recursive: true, mode: 0o700 });
    chmodSync(join(top, 'inner'), 0o700);
    const granted: string[] = [];
    letOthersTraverse(data, (line) => granted.push(line));
    for (const dir of [top, join(top, 'inner'), data]) {
      expect((statSync(dir).mode & 0o777).toString(8)).toBe('701');
    }
    expect(granted).toHaveLength(3);
    letOthersTraverse(data, (line) => granted.push(line));
    expect(granted).toHaveLength(3);
    rmSync(top, { recursive: true, force: true });
  });
});
