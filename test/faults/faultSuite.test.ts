import { startFaultEnvironment, type FaultEnvironment } from '../../faults/lib/environment';
import { runScenario } from '../../faults/lib/scenario';
import { SCENARIOS } from '../../faults/scenarios';
import { temporalAddress } from '../support/temporal';

/**
 * The CI subset of `npm run faults -- --quick`: the same scenario code against the harness's Temporal
 * dev server and PostgreSQL, with real worker processes. The full suite runs outside Jest (docs/reliability.md).
 */
const CI_SUBSET = ['postgres-outage', 'temporal-restart', 'secrets', 'bad-config', 'disk-full'];

describe('fault suite, quick CI subset', () => {
  let environment: FaultEnvironment;

  beforeAll(async () => {
    environment = await startFaultEnvironment({
      quick: true,
      seed: 1,
      log: () => undefined,
      temporalAddress: temporalAddress(),
      postgresUrl: process.env.TEST_DATABASE_ADMIN_URL,
    });
  });

  afterAll(async () => {
    await environment?.close();
  });

  it.each(CI_SUBSET)(
    '%s: every check holds, 0 unexplained missing slots, 0 duplicated',
    async (id) => {
      const scenario = SCENARIOS.find((s) => s.id === id)!;
      const result = await runScenario(scenario, environment.context);
      const failed = result.checks.filter((c) => !c.ok).map((c) => `${c.what}: ${c.detail}`);
      expect(failed).toEqual([]);
      expect({ unexplained: result.unexplained, duplicated: result.duplicated }).toEqual({
        unexplained: 0,
        duplicated: 0,
      });
      expect(result.passed).toBe(true);
    },
    240_000,
  );
});
