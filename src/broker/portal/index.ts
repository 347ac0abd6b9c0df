export { createPortalBroker } from './portalBroker';
export type { PortalBrokerOptions } from './options';
export { DEFAULT_PORTAL_URL } from './options';
export type { Clock } from '../plumbing/clock';
export type { BrokerLogger } from '../plumbing/logger';
