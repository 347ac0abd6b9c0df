import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { createDb, migrate } from '../../src/db';
import { makeApiLog, makeSnapshot } from '../db/support/fixtures';
import { loadCompose, readYaml, repoPath } from './support/deployFiles';

const run = promisify(execFile);

interface DatasourceRef {
  type: string;
  uid: string;
}
interface Target {
  datasource: DatasourceRef;
  rawSql: string;
  format: 'time_series' | 'table';
  refId: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource: DatasourceRef;
  gridPos: { h: number; w: number; x: number; y: number };
  targets: Target[];
}
interface Dashboard {
  uid: string;
  schemaVersion: number;
  panels: Panel[];
  annotations: { list: Array<{ name: string; builtIn?: number; datasource: DatasourceRef; target?: Target }> };
  templating: { list: Array<{ name: string; type: string; datasource: DatasourceRef; query: string }> };
}
interface DatasourceProvisioning {
  apiVersion: number;
  datasources: Array<{ uid: string; type: string; url: string; user: string; jsonData: { database: string } }>;
}
interface DashboardProvisioning {
  apiVersion: number;
  providers: Array<{ type: string; options: { path: string } }>;
}

const compose = loadCompose();
const grafana = compose.services.grafana;
const dashboardFile = 'deploy/grafana/dashboards/portfolio-greeks.json';
const dashboard = JSON.parse(readFileSync(repoPath(dashboardFile), 'utf8')) as Dashboard;
const datasources = readYaml<DatasourceProvisioning>('deploy/grafana/provisioning/datasources/bridge-postgres.yaml');
const provider = readYaml<DashboardProvisioning>('deploy/grafana/provisioning/dashboards/bridge.yaml');
const datasource = datasources.datasources[0];

/** Every SQL query the dashboard sends, with where it comes from. */
const queries: Array<{ where: string; target: Target }> = [
  ...dashboard.panels.flatMap((panel) => panel.targets.map((target) => ({ where: `panel "${panel.title}"`, target }))),
  ...dashboard.annotations.list
    .filter((annotation) => annotation.target)
    .map((annotation) => ({ where: `annotation "${annotation.name}"`, target: annotation.target as Target })),
];

describe('the Grafana dashboard and its provisioning', () => {
  it('is valid for the pinned Grafana: schema version, panel types, layout', () => {
    // Grafana migrates older dashboard schemas forward; 39 is what Grafana 10.3-11.x write themselves.
    const [major] = (grafana.image ?? '').split(':')[1].split('.').map(Number);
    expect(major).toBeGreaterThanOrEqual(11);
    expect(dashboard.schemaVersion).toBeLessThanOrEqual(39);
    expect(dashboard.uid).toMatch(/^[a-zA-Z0-9-_]{1,40}$/);

    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels) {
      expect([panel.title, ['timeseries', 'stat', 'table'].includes(panel.type)]).toEqual([panel.title, true]);
      expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
      expect(panel.targets.length).toBeGreaterThan(0);
    }
    // No two panels overlap on the 24-column grid.
    const cells = new Set<string>();
    for (const { gridPos: g, title } of dashboard.panels) {
      for (let x = g.x; x < g.x + g.w; x += 1) {
        for (let y = g.y; y < g.y + g.h; y += 1) {
          expect([title, cells.has(`${x},${y}`)]).toEqual([title, false]);
          cells.add(`${x},${y}`);
        }
      }
    }
  });

  it('uses only the provisioned datasource, which points at the compose Postgres with the read-only role', () => {
    expect(datasources.apiVersion).toBe(1);
    expect(datasource.type).toBe('grafana-postgresql-datasource');
    const refs = [
      ...dashboard.panels.flatMap((p) => [p.datasource, ...p.targets.map((t) => t.datasource)]),
      ...dashboard.annotations.list.filter((a) => !a.builtIn).map((a) => a.datasource),
      ...dashboard.templating.list.map((v) => v.datasource),
    ];
    for (const ref of refs) expect(ref).toEqual({ type: datasource.type, uid: datasource.uid });

    const [host, port] = datasource.url.split(':');
    expect(compose.services[host]).toBeDefined();
    expect(port).toBe('5432');
    // $NAME values are expanded by Grafana from its environment: the compose service must provide each one.
    for (const variable of [datasource.user, datasource.jsonData.database]) {
      expect(variable).toMatch(/^\$[A-Z_]+$/);
      expect(grafana.environment?.[variable.slice(1)]).toBeTruthy();
    }
    expect(readFileSync(repoPath('deploy/grafana/provisioning/datasources/bridge-postgres.yaml'), 'utf8')).toContain(
      'password: $GRAFANA_DB_PASSWORD',
    );
  });

  it('is loaded from the folder compose mounts, and the home dashboard path points at it', () => {
    expect(provider.apiVersion).toBe(1);
    const folder = provider.providers[0].options.path;
    const mount = (grafana.volumes ?? []).find((v) => v.split(':')[1] === folder);
    expect(mount?.split(':')[0]).toBe(`./${posix.dirname(dashboardFile)}`);
    expect(grafana.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH).toBe(
      `${folder}/${posix.basename(dashboardFile)}`,
    );
  });

  describe('against PostgreSQL, set up by the compose init script', () => {
    const suffix = randomBytes(4).toString('hex');
    const names = {
      BRIDGE_DB_USER: `bridge_${suffix}`,
      BRIDGE_DB_NAME: `bridge_db_${suffix}`,
      GRAFANA_DB_USER: `grafana_${suffix}`,
      BRIDGE_DB_PASSWORD: `b'${suffix}"pw`,
      GRAFANA_DB_PASSWORD: `g ${suffix} pw`,
    };
    const admin = new URL(process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://missing');
    const urlAs = (user: string, password: string) => {
      const url = new URL(admin);
      url.username = encodeURIComponent(user);
      url.password = encodeURIComponent(password);
      url.pathname = `/${names.BRIDGE_DB_NAME}`;
      return url.toString();
    };
    let reader: Client;

    beforeAll(async () => {
      // The script as the postgres image runs it: POSTGRES_USER/POSTGRES_DB, psql on PATH (here: over TCP).
      await run('sh', [repoPath('deploy/postgres/init-bridge-db.sh')], {
        env: {
          PATH: process.env.PATH,
          PGHOST: admin.hostname,
          PGPORT: admin.port || '5432',
          PGPASSWORD: decodeURIComponent(admin.password),
          POSTGRES_USER: decodeURIComponent(admin.username),
          POSTGRES_DB: admin.pathname.slice(1),
          ...names,
        },
      });
      // The worker migrates and writes as the bridge's own role.
      const bridgeUrl = urlAs(names.BRIDGE_DB_USER, names.BRIDGE_DB_PASSWORD);
      await migrate(bridgeUrl);
      const db = createDb({ url: bridgeUrl });
      try {
        await db.insertSnapshots([0, 1, 2, 3].map((n) => makeSnapshot(n)));
        await db.insertApiLogs([
          makeApiLog(1),
          makeApiLog(2, { event: 'cycles_skipped', code: null, message: '2 slots skipped: paused' }),
        ]);
      } finally {
        await db.close();
      }
      reader = new Client({ connectionString: urlAs(names.GRAFANA_DB_USER, names.GRAFANA_DB_PASSWORD) });
      await reader.connect();
    }, 60_000);

    afterAll(async () => {
      await reader?.end();
      const client = new Client({ connectionString: admin.toString() });
      await client.connect();
      try {
        await client.query(`drop database if exists "${names.BRIDGE_DB_NAME}" with (force)`);
        await client.query(`drop role if exists "${names.BRIDGE_DB_USER}"`);
        await client.query(`drop role if exists "${names.GRAFANA_DB_USER}"`);
      } finally {
        await client.end();
      }
    });

    /** Grafana's macros as its PostgreSQL datasource expands them, for a range around the fixtures. */
    const expand = (sql: string) => {
      const expanded = sql
        .replace(/\$__timeFilter\(([a-z_]+)\)/g, `$1 BETWEEN '2025-01-06T14:00:00Z' AND '2025-01-06T15:00:00Z'`)
        .replace(/\$account\b/g, `'DU1234567','U7654321'`);
      expect(expanded).not.toContain('$');
      return expanded;
    };

    it('answers every panel query with rows and a time column (time series) as the read-only role', async () => {
      for (const { where, target } of queries.filter((q) => q.where.startsWith('panel'))) {
        const result = await reader.query(expand(target.rawSql));
        expect([where, result.rows.length > 0]).toEqual([where, true]);
        expect([where, result.fields[0].name]).toEqual([where, 'time']);
        expect([where, result.rows[0].time instanceof Date]).toEqual([where, true]);
        if (target.format === 'time_series') {
          for (const field of result.fields.slice(1)) {
            const values = result.rows.map((row) => row[field.name]);
            expect([where, field.name, values.every((v) => v === null || typeof v === 'number')]).toEqual([
              where,
              field.name,
              true,
            ]);
          }
        }
      }
    });

    it('draws api_logs events as annotations: IB events and gaps apart, with time, text and tags', async () => {
      const byName: Record<string, Array<Record<string, unknown>>> = {};
      for (const { where, target } of queries.filter((q) => q.where.startsWith('annotation'))) {
        const result = await reader.query(expand(target.rawSql));
        expect(result.fields.map((f) => f.name)).toEqual(['time', 'text', 'tags']);
        byName[where] = result.rows;
      }
      expect(byName['annotation "IB API events"'].map((r) => r.tags)).toEqual(['status_1100']);
      expect(byName['annotation "Gaps and nightly reset"']).toEqual([
        { time: expect.any(Date), text: 'cycles_skipped: 2 slots skipped: paused', tags: 'cycles_skipped' },
      ]);
    });

    it('offers the accounts as the $account variable', async () => {
      const variable = dashboard.templating.list.find((v) => v.name === 'account');
      const result = await reader.query(variable?.query ?? '');
      expect(result.rows).toEqual([{ account: 'DU1234567' }]);
    });

    it('gives Grafana no way to change the data', async () => {
      await expect(reader.query('delete from portfolio_greeks')).rejects.toThrow(/permission denied/);
      await expect(
        reader.query("insert into api_logs (log_key, logged_at, event, message) values ('x', now(), 'x', 'x')"),
      ).rejects.toThrow(/permission denied/);
    });
  });
});
