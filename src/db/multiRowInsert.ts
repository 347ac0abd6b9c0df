/** PostgreSQL's bind-parameter limit per statement. */
const MAX_PARAMETERS = 65535;

export interface MultiRowInsert {
  text: string;
  values: unknown[];
}

/**
 * `INSERT ... VALUES (...), (...) ON CONFLICT (key) DO NOTHING RETURNING key`, split into as few
 * statements as the parameter limit allows. Rows keep their order, so identity ids follow it.
 */
export function buildMultiRowInserts(
  table: string,
  columns: readonly string[],
  conflictColumn: string,
  rows: unknown[][],
): MultiRowInsert[] {
  const rowsPerStatement = Math.floor(MAX_PARAMETERS / columns.length);
  const statements: MultiRowInsert[] = [];
  for (let start = 0; start < rows.length; start += rowsPerStatement) {
    const chunk = rows.slice(start, start + rowsPerStatement);
    const tuples = chunk.map((_, rowIndex) => {
      const base = rowIndex * columns.length;
      return `(${columns.map((_, col) => `$${base + col + 1}`).join(', ')})`;
    });
    statements.push({
      text:
        `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')} ` +
        `ON CONFLICT (${conflictColumn}) DO NOTHING RETURNING ${conflictColumn}`,
      values: chunk.flat(),
    });
  }
  return statements;
}
