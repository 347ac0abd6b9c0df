import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPortalBroker } from '../../../src/broker/portal';
import { MAIN_ACCOUNT } from '../../../src/sim/model';
import { startFakeClientPortal } from '../../../src/sim/portal/fakeClientPortal';
import { describeBrokerContract } from './describeBrokerContract';

describeBrokerContract('PORTAL', async () => {
  const fake = await startFakeClientPortal({ tls: true, seed: 3 });
  const dir = mkdtempSync(join(tmpdir(), 'portal-contract-'));
  const caFile = join(dir, 'gateway.pem');
  writeFileSync(caFile, fake.caPem ?? '');
  const broker = createPortalBroker({
    baseUrl: fake.url,
    caFile,
    snapshotPollIntervalMs: 200,
    positionsRefreshIntervalMs: 1000,
    retryInitialMs: 100,
    retryMaxMs: 1000,
  });
  return {
    broker,
    expectedAccount: MAIN_ACCOUNT,
    expectedGreeks: (conId) => fake.control.lastSentGreeks(conId),
    teardown: async () => {
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
