import { createSocketBroker } from '../../../src/broker/socket';
import { MAIN_ACCOUNT } from '../../../src/sim/model';
import { startTwsSimulator } from '../../../src/sim/tws';
import { describeBrokerContract } from './describeBrokerContract';

describeBrokerContract('SOCKET', async () => {
  const sim = await startTwsSimulator({ seed: 3 });
  const broker = createSocketBroker({
    host: sim.host,
    port: sim.port,
    handshakeTimeoutMs: 5_000,
    heartbeatIntervalMs: 500,
    heartbeatTimeoutMs: 3_000,
    reconnectMinDelayMs: 100,
    reconnectMaxDelayMs: 1_000,
  });
  return {
    broker,
    expectedAccount: MAIN_ACCOUNT,
    expectedGreeks: (conId) => sim.lastSentGreeks(conId)?.greeks,
    teardown: () => sim.close(),
  };
});
