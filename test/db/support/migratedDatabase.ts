import { createDb, type CreateDbOptions, type Db } from '../../../src/db/createDb';
import { migrate } from '../../../src/db/migrate';
import { createTestDatabase, type TestDatabase } from '../../support/database';

export interface MigratedDatabase {
  database: TestDatabase;
  db: Db;
  /** Closes the pool and drops the database. */
  dispose(): Promise<void>;
}

/** A fresh database with the bridge's schema and a pool on it (the production settings unless `dbOptions` says). */
export async function createMigratedDatabase(
  prefix: string,
  dbOptions: Omit<CreateDbOptions, 'url'> = {},
): Promise<MigratedDatabase> {
  const database = await createTestDatabase(prefix);
  await migrate(database.url);
  const db = createDb({ ...dbOptions, url: database.url });
  return {
    database,
    db,
    dispose: async () => {
      await db.close();
      await database.drop();
    },
  };
}
