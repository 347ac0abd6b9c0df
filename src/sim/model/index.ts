export * from './portfolioSchema';
export * from './loadPortfolio';
export * from './defaultPortfolio';
export * from './marketModel';
export * from './blackScholes';
export { deliveryFor } from './greeksDelivery';
export type { GreeksDeliveryKind } from './greeksDelivery';
export { createRng } from './seededRandom';
export { formatYmd, expiryInstant } from './time';
