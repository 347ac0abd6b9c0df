export { createSocketBroker, type SocketBroker } from './socketBroker';
export { resolveSocketBrokerOptions, SOCKET_BROKER_DEFAULTS, type SocketBrokerOptions } from './options';
export type { BrokerLogger } from '../plumbing/logger';
export type { MarketDataStats } from './marketDataBook';
