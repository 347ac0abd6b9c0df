import { existsSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { loadConfig } from '../../src/config/load';
import { BRIDGE_SEARCH_ATTRIBUTES } from '../../src/infra/temporalServer';
import {
  durationMs,
  loadCompose,
  readYaml,
  repoPath,
  type ComposeFile,
  type ComposePort,
  type ComposeService,
} from './support/deployFiles';

/**
 * The worker's longest stop after SIGTERM at the default 5 s interval: a session holder serves its last cycle first
 * (at most an interval and 1 s, handoverWaitMs), then the SDK drains for 10 s (createBridgeWorkers' shutdownGraceMs).
 */
const WORKER_SHUTDOWN_GRACE_MS = 6_000 + 10_000;

const compose: ComposeFile = loadCompose();
const service = (name: string): ComposeService => {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};

/** The repository file a container path comes from, through the service's bind mounts. */
function hostFileFor(svc: ComposeService, containerPath: string): string | null {
  for (const volume of svc.volumes ?? []) {
    const [source, target] = volume.split(':');
    if (!source.startsWith('./')) continue;
    const relative = posix.relative(target, containerPath);
    if (relative === '') return repoPath(source);
    if (!relative.startsWith('..') && !posix.isAbsolute(relative)) return repoPath(source, relative);
  }
  return null;
}

function containerPorts(svc: ComposeService): Array<{ target: number; published: string | null; hostIp: string }> {
  return (svc.ports ?? []).map((port) => {
    if (typeof port !== 'string') {
      const long = port as ComposePort;
      return {
        target: long.target,
        published: long.published ? String(long.published) : null,
        hostIp: long.host_ip ?? '',
      };
    }
    const parts = port.split(':');
    return {
      target: Number(parts[parts.length - 1]),
      published: parts.length > 1 ? parts[parts.length - 2] || null : null,
      hostIp: parts.length > 2 ? parts[0] : '',
    };
  });
}

describe('docker-compose.yml', () => {
  it('runs Temporal the current way: temporalio/server with an admin-tools schema job, never auto-setup', () => {
    const images = Object.values(compose.services).map((s) => s.image ?? '');
    expect(images.some((image) => image.includes('auto-setup'))).toBe(false);

    const server = service('temporal');
    const [serverRepo, serverVersion] = (server.image ?? '').split(':');
    expect(serverRepo).toBe('temporalio/server');
    expect(serverVersion).toMatch(/^1\.(3\d|[4-9]\d)\.\d+$/); // 1.30+: the line without auto-setup
    for (const job of ['temporal-schema', 'temporal-setup', 'temporal-admin-tools']) {
      expect(service(job).image).toBe(`temporalio/admin-tools:${serverVersion}`);
    }
    expect(service('temporal-ui').image).toMatch(/^temporalio\/ui:2\.\d+\.\d+$/);
    expect(service('postgresql').image).toMatch(/^postgres:1[3-9]$/);

    expect(server.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql', BIND_ON_IP: '0.0.0.0' });
    expect(server.environment?.POSTGRES_PWD).toBe(service('postgresql').environment?.POSTGRES_PASSWORD);
    expect(server.environment?.POSTGRES_USER).toBe(service('postgresql').environment?.POSTGRES_USER);
    expect(service('temporal-schema').environment?.SQL_PASSWORD).toBe(server.environment?.POSTGRES_PWD);
  });

  it('mounts every script and config file it names, and they exist in the repository', () => {
    const schema = service('temporal-schema');
    const schemaScript = hostFileFor(schema, schema.command?.[0] ?? '');
    expect(schemaScript && existsSync(schemaScript)).toBe(true);
    expect(readFileSync(schemaScript as string, 'utf8')).toContain('temporal-sql-tool --plugin postgres12');

    const setup = service('temporal-setup');
    const setupScript = hostFileFor(setup, setup.command?.[0] ?? '');
    expect(setupScript && existsSync(setupScript)).toBe(true);

    // DYNAMIC_CONFIG_FILE_PATH is relative to the server's /etc/temporal.
    const server = service('temporal');
    const dynamicConfig = hostFileFor(server, `/etc/temporal/${server.environment?.DYNAMIC_CONFIG_FILE_PATH}`);
    expect(dynamicConfig && existsSync(dynamicConfig)).toBe(true);
    const settings = readYaml<Record<string, Array<{ value: unknown; constraints: object }>>>(
      posix.relative(repoPath(), dynamicConfig as string),
    );
    expect(settings['system.forceSearchAttributesCacheRefreshOnRead']).toEqual([{ value: true, constraints: {} }]);
    for (const values of Object.values(settings)) {
      for (const entry of values) expect(Object.keys(entry).sort()).toEqual(['constraints', 'value']);
    }

    const postgres = service('postgresql');
    const init = hostFileFor(postgres, '/docker-entrypoint-initdb.d/10-bridge.sh');
    expect(init && existsSync(init)).toBe(true);

    const grafana = service('grafana');
    expect(hostFileFor(grafana, '/etc/grafana/provisioning/datasources/bridge-postgres.yaml')).not.toBeNull();
    expect(
      existsSync(hostFileFor(grafana, grafana.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH ?? '') ?? ''),
    ).toBe(true);
  });

  it('registers exactly the search attributes the workflow upserts, after the server is healthy', () => {
    const setup = service('temporal-setup');
    const declared = Object.fromEntries(
      (setup.environment?.BRIDGE_SEARCH_ATTRIBUTES ?? '').split(/\s+/).map((pair) => pair.split('=')),
    );
    expect(declared).toEqual(BRIDGE_SEARCH_ATTRIBUTES);
    expect(setup.environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(setup.depends_on?.temporal).toEqual({ condition: 'service_healthy' });
  });

  it('orders start-up with conditions that can be met: healthchecks where health is awaited, jobs that end', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      for (const [dependency, { condition }] of Object.entries(svc.depends_on ?? {})) {
        expect([name, dependency, dependency in compose.services]).toEqual([name, dependency, true]);
        if (condition === 'service_healthy') {
          expect([dependency, service(dependency).healthcheck?.test?.length ?? 0]).not.toEqual([dependency, 0]);
        }
        if (condition === 'service_completed_successfully') {
          // A job: it runs once, so it must not be restarted after success.
          expect([dependency, service(dependency).restart ?? 'no']).toEqual([
            dependency,
            expect.stringMatching(/^(no|on-failure(:\d+)?)$/),
          ]);
        }
      }
    }
    expect(service('temporal-schema').depends_on).toEqual({ postgresql: { condition: 'service_healthy' } });
    expect(service('temporal').depends_on).toEqual({
      'temporal-schema': { condition: 'service_completed_successfully' },
    });
    expect(service('temporal-ui').depends_on?.temporal).toEqual({ condition: 'service_healthy' });
    expect(service('worker').depends_on).toEqual({
      postgresql: { condition: 'service_healthy' },
      'temporal-setup': { condition: 'service_completed_successfully' },
    });
    // The worker's readiness needs a running workflow, so the start job cannot wait for "healthy".
    expect(service('bridge-start').depends_on?.worker).toEqual({ condition: 'service_started' });
  });

  it('publishes the UI, the frontend, Grafana and Postgres on localhost only, and the worker on a free port', () => {
    const published = (name: string) => containerPorts(service(name));
    expect(published('temporal')).toEqual([{ target: 7233, published: '7233', hostIp: '127.0.0.1' }]);
    expect(published('temporal-ui')).toEqual([{ target: 8080, published: '8080', hostIp: '127.0.0.1' }]);
    expect(published('grafana')).toEqual([{ target: 3000, published: '3000', hostIp: '127.0.0.1' }]);
    expect(published('postgresql')).toEqual([{ target: 5432, published: '5432', hostIp: '127.0.0.1' }]);
    // Scaling to two workers needs no fixed host port and no container_name.
    const worker = service('worker');
    expect(worker.container_name).toBeUndefined();
    expect(published('worker')).toEqual([
      { target: Number(worker.environment?.HTTP_PORT), published: null, hostIp: '127.0.0.1' },
    ]);
    expect(service('temporal-ui').environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it('gives the worker a configuration the bridge accepts, pointing at the compose services', () => {
    const worker = service('worker');
    expect(worker.build).toBe('.');
    expect(worker.env_file).toEqual([{ path: '.env', required: false }]);
    const env = worker.environment ?? {};
    // The same validation the worker runs at start (exit code 2 on a problem).
    const config = loadConfig({ ...env, IB_ACCOUNT: 'U1234567' });

    const database = new URL(config.DATABASE_URL ?? '');
    const postgres = service('postgresql').environment ?? {};
    expect(database.hostname).toBe('postgresql');
    expect(database.port).toBe('5432');
    expect(decodeURIComponent(database.username)).toBe(postgres.BRIDGE_DB_USER);
    expect(decodeURIComponent(database.password)).toBe(postgres.BRIDGE_DB_PASSWORD);
    expect(database.pathname).toBe(`/${postgres.BRIDGE_DB_NAME}`);

    expect(config.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(config.HTTP_HOST).toBe('0.0.0.0');
    expect(config.IB_HOST).toBe('host.docker.internal');
    expect(config.FALLBACK_DIR).toBe('/var/lib/bridge/fallback');
    expect(config.TEMPORAL_NAMESPACE).toBe(service('temporal-setup').environment?.TEMPORAL_NAMESPACE);

    // Overrides from .env reach the containers through interpolation.
    const custom = loadCompose({
      IB_HOST: 'gateway.internal',
      BRIDGE_DB_PASSWORD: 's3cret',
      TEMPORAL_NAMESPACE: 'ibkr',
    });
    const customEnv = custom.services.worker.environment ?? {};
    expect(customEnv.IB_HOST).toBe('gateway.internal');
    expect(new URL(customEnv.DATABASE_URL).password).toBe('s3cret');
    expect(custom.services.postgresql.environment?.BRIDGE_DB_PASSWORD).toBe('s3cret');
    expect(custom.services['temporal-setup'].environment?.TEMPORAL_NAMESPACE).toBe('ibkr');
    expect(customEnv.TEMPORAL_NAMESPACE).toBe('ibkr');
  });

  it('health-checks the worker on /readyz and gives it longer than its shutdown grace to stop', () => {
    const worker = service('worker');
    expect(worker.healthcheck?.test).toEqual(['CMD', 'node', 'deploy/worker/healthcheck.cjs']);
    expect(readFileSync(repoPath('deploy/worker/healthcheck.cjs'), 'utf8')).toContain('/readyz');
    expect(durationMs(worker.healthcheck?.start_period ?? '0s')).toBeGreaterThanOrEqual(30_000);
    expect(worker.stop_signal ?? 'SIGTERM').toBe('SIGTERM');
    expect(durationMs(worker.stop_grace_period ?? '10s')).toBeGreaterThan(WORKER_SHUTDOWN_GRACE_MS);
    expect(worker.restart).toBe('unless-stopped');

    // Heap limit below the container limit so V8 collects before the kernel kills.
    const limitMiB = Number((worker.deploy?.resources?.limits?.memory ?? '').replace(/M$/, ''));
    const heapMiB = Number(/--max-old-space-size=(\d+)/.exec(worker.environment?.NODE_OPTIONS ?? '')?.[1]);
    expect(heapMiB).toBeGreaterThan(0);
    expect(heapMiB).toBeLessThan(limitMiB);
  });

  it('starts the workflow with the bridge CLI from the same image and env, once', () => {
    const start = service('bridge-start');
    const worker = service('worker');
    expect(start.image).toBe(worker.image);
    expect(start.command).toEqual(['node', 'bin/bridge.js', 'start']);
    expect(existsSync(repoPath('bin/bridge.js'))).toBe(true);
    const { NODE_OPTIONS: _heap, ...workerEnv } = worker.environment ?? {};
    expect(start.environment).toEqual(workerEnv);
    expect(start.restart).toMatch(/^on-failure/);
  });

  it('provisions Grafana with the bridge database, read through the read-only role', () => {
    const grafana = service('grafana');
    expect(grafana.image).toMatch(/^grafana\/grafana:1[1-9]\.\d+\.\d+$/);
    const postgres = service('postgresql').environment ?? {};
    expect(grafana.environment?.GRAFANA_DB_USER).toBe(postgres.GRAFANA_DB_USER);
    expect(grafana.environment?.GRAFANA_DB_PASSWORD).toBe(postgres.GRAFANA_DB_PASSWORD);
    expect(grafana.environment?.BRIDGE_DB_NAME).toBe(postgres.BRIDGE_DB_NAME);
    expect(grafana.depends_on?.postgresql).toEqual({ condition: 'service_healthy' });
  });
});
