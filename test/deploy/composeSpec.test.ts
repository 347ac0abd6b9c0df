import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCompose, repoPath } from './support/deployFiles';
import { deploycheck, requiredVersion, useDeploycheck } from './support/deploycheck';

/** What an operator puts in .env for compose (docs/deployment.md): the passwords, and the account. */
const TEST_ENV = [
  'BRIDGE_DB_PASSWORD=bridge-test-password',
  'GRAFANA_DB_PASSWORD=grafana-test-password',
  'TEMPORAL_DB_PASSWORD=temporal-test-password',
  'GRAFANA_ADMIN_PASSWORD=admin-test-password',
  'IB_ACCOUNT=U1234567',
].flatMap((pair) => ['--env', pair]);

describe("deploycheck compose: docker-compose.yml through the Compose specification's own loader", () => {
  const check = useDeploycheck('bridge-compose-');

  it('loads, interpolates and validates the file with every profile, and lists every service', async () => {
    const result = await deploycheck(check.binary(), ['compose', ...TEST_ENV, 'docker-compose.yml']);
    expect(result).toMatchObject({ code: 0 });
    expect(result.output).toContain(
      `Compose specification: github.com/compose-spec/compose-go/v2 ${requiredVersion('github.com/compose-spec/compose-go/v2')}`,
    );
    const services = result.output
      .split('\n')
      .filter((line) => line.startsWith('service '))
      .map((line) => line.split(' ')[1]);
    expect(services.sort()).toEqual(Object.keys(loadCompose().services).sort());
    // Interpolated: the defaults apply, and the standby replica (profile standby) is checked too.
    expect(result.output).toContain('service worker image=ibkr-greeks-bridge:local profiles=-');
    expect(result.output).toContain('service worker-2 image=ibkr-greeks-bridge:local profiles=standby');
  });

  it('fails on a value of the wrong type, naming the field', async () => {
    const broken = join(check.scratch(), 'docker-compose.yml');
    const text = readFileSync(repoPath('docker-compose.yml'), 'utf8');
    expect(text).toContain('stop_grace_period: 30s');
    writeFileSync(broken, text.replace('stop_grace_period: 30s', 'stop_grace_period: [30s]'));
    const result = await deploycheck(check.binary(), ['compose', ...TEST_ENV, broken]);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/problem: .*stop_grace_period/);
    expect(result.output).not.toContain('service worker ');
  });

  it('fails on a service that depends on one that does not exist', async () => {
    const broken = join(check.scratch(), 'docker-compose.yml');
    const text = readFileSync(repoPath('docker-compose.yml'), 'utf8');
    writeFileSync(
      broken,
      text.replace(
        '      temporal-setup:\n        condition: service_completed_successfully\n      worker:',
        '      temporal-setup:\n        condition: service_completed_successfully\n      worker-3:',
      ),
    );
    const result = await deploycheck(check.binary(), ['compose', ...TEST_ENV, broken]);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/problem: .*worker-3/);
  });
});
