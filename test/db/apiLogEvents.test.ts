import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_LOG_EVENTS, apiLogRow } from '../../src/db/apiLogEvents';

const ROOT = join(__dirname, '..', '..');
const DATABASE_DOC = join(ROOT, 'docs', 'database.md');
const DASHBOARDS = join(ROOT, 'deploy', 'grafana', 'dashboards');

/** The first column of the table headed `event` in the api_logs section of docs/database.md. */
function documentedEvents(markdown: string): string[] {
  const section = markdown.split(/^### /m).find((part) => part.startsWith('`api_logs`'));
  if (!section) throw new Error('docs/database.md has no "### `api_logs`" section');
  const lines = section.split('\n');
  const header = lines.findIndex((line) => /^\|\s*`event`\s*\|/.test(line));
  if (header < 0) throw new Error('the api_logs section has no table whose first column is `event`');
  const rows: string[] = [];
  // The header, its separator line, then rows until the first line that is not part of the table.
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    const cell = line.split('|')[1].trim();
    const name = /^`([a-z0-9_]+)`$/.exec(cell);
    if (!name) throw new Error(`not an event name in the api_logs events table: ${cell}`);
    rows.push(name[1]);
  }
  return rows;
}

/** Event names in SQL conditions on api_logs.event: `event = 'x'`, `event IN ('x', 'y')`, `event NOT IN (...)`. */
function eventsInSql(sql: string): string[] {
  const names: string[] = [];
  for (const [, list] of sql.matchAll(/\bevent\s+(?:NOT\s+)?IN\s*\(([^)]*)\)/gi)) {
    names.push(...[...list.matchAll(/'([^']*)'/g)].map(([, name]) => name));
  }
  for (const [, name] of sql.matchAll(/\bevent\s*(?:=|<>|!=)\s*'([^']*)'/gi)) names.push(name);
  return names;
}

describe('api_logs events', () => {
  const documented = documentedEvents(readFileSync(DATABASE_DOC, 'utf8'));

  it('are documented in docs/database.md exactly as the code names them, each once', () => {
    expect(new Set(documented).size).toBe(documented.length);
    expect([...documented].sort()).toEqual([...API_LOG_EVENTS].sort());
  });

  it('has no config_error: a configuration error stops the worker before it can write a row', () => {
    expect(API_LOG_EVENTS).not.toContain('config_error');
    expect(documented).not.toContain('config_error');
  });

  it('are the only names the Grafana dashboards filter on (the SQL there is not type-checked)', () => {
    const sql = readdirSync(DASHBOARDS)
      .filter((file) => file.endsWith('.json'))
      .flatMap((file) => {
        const rawSql: string[] = [];
        JSON.parse(readFileSync(join(DASHBOARDS, file), 'utf8'), (key, value: unknown) => {
          if (key === 'rawSql' && typeof value === 'string') rawSql.push(value);
          return value;
        });
        return rawSql;
      });
    const named = sql.flatMap(eventsInSql);
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((name) => !(API_LOG_EVENTS as readonly string[]).includes(name))).toEqual([]);
  });

  it('builds rows whose absent fields are null, never undefined (the buffer and the table see the same row)', () => {
    expect(apiLogRow('replay_done', { key: 'k', at: 1, message: 'replayed 2 buffered row(s)' })).toEqual({
      key: 'k',
      at: 1,
      account: null,
      mode: null,
      event: 'replay_done',
      code: null,
      message: 'replayed 2 buffered row(s)',
      details: null,
    });
    expect(
      apiLogRow('status_1100', {
        key: 'k2',
        at: 2,
        account: 'DU1',
        mode: 'SOCKET',
        code: 1100,
        message: 'connectivity lost',
        details: { attempt: 1 },
      }),
    ).toEqual({
      key: 'k2',
      at: 2,
      account: 'DU1',
      mode: 'SOCKET',
      event: 'status_1100',
      code: 1100,
      message: 'connectivity lost',
      details: { attempt: 1 },
    });
  });
});
