import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client as PgClient } from 'pg';
import { eventually, sleep } from '../../harness/poll';
import { FaultStack } from '../lib/faultStack';
import type { Scenario } from '../lib/scenario';

/** Every file in the buffer directories, as text. */
function bufferText(dirs: string[]): string {
  return dirs
    .flatMap((dir) => {
      try {
        return readdirSync(dir).map((name) => readFileSync(join(dir, name), 'utf8'));
      } catch {
        return [];
      }
    })
    .join('\n');
}

const hits = (text: string, secrets: string[]) => secrets.reduce((n, secret) => n + text.split(secret).length - 1, 0);

async function asAdmin<T>(url: string, work: (sql: PgClient) => Promise<T>): Promise<T> {
  const sql = new PgClient({ connectionString: url });
  await sql.connect();
  try {
    return await work(sql);
  } finally {
    await sql.end();
  }
}

/** A Portal session cookie and a database password in use; none may reach a log, table or file. */
export const secrets: Scenario = {
  id: 'secrets',
  title: 'secrets (Portal session cookie/token, database password) never reach logs, api_logs or JSONL',
  proves:
    'with debug logging, session loss and re-login at the Portal, and a Postgres outage that fills the JSONL buffer, neither the database password nor any Portal session cookie (or its session-id prefix) appears in any log line, api_logs row, snapshot row, buffer file or the workflow history',
  async run(ctx, report) {
    const role = `faults_secret_${randomBytes(4).toString('hex')}`;
    const password = `pw-${randomBytes(12).toString('hex')}`;
    await asAdmin(ctx.postgresUrl, (sql) => sql.query(`create role ${role} login password '${password}'`));
    const stack = await FaultStack.start(ctx, {
      name: 'secrets',
      mode: 'PORTAL',
      proxyDatabase: true,
      workerDatabaseUrl: (url) => {
        const withRole = new URL(url);
        withRole.username = role;
        withRole.password = password;
        return withRole.toString();
      },
    });
    const cookies = new Set<string>();
    const watch = setInterval(() => cookies.add(stack.portal!.control.sessionCookie()), 100);
    try {
      await asAdmin(stack.database.url, (sql) =>
        sql.query(
          `grant all on schema public to ${role}; grant all on all tables in schema public to ${role};
           grant all on all sequences in schema public to ${role}`,
        ),
      );
      const worker = await stack.startWorker({ LOG_LEVEL: 'debug' });
      const handle = await stack.startWorkflow();
      const id = handle.workflowId;
      await eventually(
        () => stack.rowCount(id),
        (n) => n >= 5,
        90_000,
        'first rows',
      );
      const control = stack.portal!.control;

      // The gateway loses the session and gets a new one: new cookies, auth events, retries.
      control.logout();
      await sleep(3000);
      control.login();
      control.setBrokerageSession('lost');
      const rows = await stack.rowCount(id);
      await eventually(
        () => stack.rowCount(id),
        (n) => n >= rows + 5,
        90_000,
        'rows after the new session',
      );

      // Postgres away: rows and logs go to the JSONL buffer, and database errors get logged.
      stack.proxy!.block();
      await eventually(
        () => stack.status(handle),
        (s) => s.bufferedRows >= 4,
        60_000,
        'rows buffered',
      );
      const bufferedDuringOutage = bufferText(stack.bufferDirs());
      stack.proxy!.unblock();
      await eventually(
        () => stack.status(handle),
        (s) => s.bufferedRows === 0,
        90_000,
        'buffer replayed',
      );
      const history = JSON.stringify(await handle.fetchHistory());
      await stack.finish(handle, report);
      clearInterval(watch);

      const tokens = [...cookies].flatMap((cookie) => [cookie, cookie.slice(0, 16)]);
      const all = [password, ...tokens];
      report.check(
        'secrets in use',
        cookies.size >= 2,
        `${cookies.size} session cookies, a ${password.length}-char password`,
      );
      const logText = stack.workers.flatMap((w) => w.lines).join('\n');
      const apiLogs = (await stack.sql.query('select row_to_json(a)::text as t from api_logs a')).rows.map((r) => r.t);
      const snapshots = (await stack.sql.query('select row_to_json(p)::text as t from portfolio_greeks p')).rows.map(
        (r) => r.t,
      );
      const jsonl = bufferedDuringOutage + bufferText(stack.bufferDirs());
      const places: Array<[string, string, string]> = [
        ['worker log lines', logText, `${worker.lines.length} lines`],
        ['api_logs rows', apiLogs.join('\n'), `${apiLogs.length} rows`],
        ['portfolio_greeks rows', snapshots.join('\n'), `${snapshots.length} rows`],
        ['JSONL buffer files', jsonl, `${jsonl.length} bytes`],
        ['workflow history', history, `${history.length} bytes`],
      ];
      for (const [place, text, size] of places) {
        const found = hits(text, all);
        report.check(`0 secrets in ${place}`, text.length > 0 && found === 0, `${found} hit(s) in ${size}`);
      }
    } finally {
      clearInterval(watch);
      await stack.close();
      await asAdmin(ctx.postgresUrl, (sql) => sql.query(`drop role if exists ${role}`)).catch(() => undefined);
    }
  },
};
