export { createDb, type CreateDbOptions, type Db } from './createDb';
export { classifyDbError } from './classifyDbError';
export { InvalidRowError } from './invalidRowError';
export { migrate, DEFAULT_MIGRATIONS_DIR, type MigrateOptions, type MigrateResult } from './migrate';
export { applyRetention, type RetentionResult } from './retention';
export type { ApiLogRow, DbErrorClass, DbErrorKind, InsertResult, SnapshotRow } from './types';
