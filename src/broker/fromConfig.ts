import type { BridgeConfig } from '../config/schema';
import type { Logger } from '../observability/logger';
import type { Broker } from './types';
import { createPortalBroker } from './portal';
import { createSocketBroker } from './socket';

/** The adapter IB_API_MODE asks for, configured from the environment. */
export function brokerFromConfig(config: BridgeConfig, logger: Logger): Broker {
  if (config.IB_API_MODE === 'PORTAL') {
    return createPortalBroker({
      baseUrl: config.IB_PORTAL_URL,
      account: config.IB_ACCOUNT,
      betaBenchmark: config.BETA_BENCHMARK ?? null,
      caFile: config.IB_PORTAL_CA_FILE,
      certSha256: config.IB_PORTAL_CERT_SHA256,
      insecureTls: config.IB_PORTAL_INSECURE_TLS,
      logger: logger.child({ component: 'portal' }),
    });
  }
  return createSocketBroker({
    host: config.IB_HOST,
    port: config.IB_PORT,
    clientId: config.IB_CLIENT_ID,
    account: config.IB_ACCOUNT,
    marketDataType: config.IB_MARKET_DATA_TYPE,
    maxMarketDataLines: config.IB_MAX_MARKET_DATA_LINES,
    maxMessagesPerSecond: config.IB_MAX_MESSAGES_PER_SECOND,
    betaBenchmark: config.BETA_BENCHMARK ?? null,
    logger: logger.child({ component: 'socket' }),
  });
}
