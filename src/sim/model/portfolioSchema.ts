import { z } from 'zod';

/**
 * The portfolio file format shared by the TWS simulator and the fake Client Portal.
 * Every instrument (stock, future, option, futures option) is a contract with a conId; positions refer to conIds.
 * See docs/simulator.md for a field-by-field description.
 */

const expiryPattern = /^(\d{8}|\+\d+d)$/;

/** How the Greeks of one option reach a subscriber. */
export const greeksBehaviourSchema = z.discriminatedUnion('mode', [
  /** Normal: every tick round carries computed Greeks. */
  z.object({ mode: z.literal('computed') }),
  /** Every computation tick carries "not computed" sentinels (-1/-2, or Double.MAX strings). */
  z.object({ mode: z.literal('notComputed'), sentinel: z.enum(['negative', 'doubleMax']).default('negative') }),
  /** No computation tick is ever sent (prices still are). */
  z.object({ mode: z.literal('never') }),
  /** Nothing until afterSeconds have passed since the subscription started, then computed. */
  z.object({ mode: z.literal('delayed'), afterSeconds: z.number().nonnegative() }),
  /** Alternates computed / not computed every periodSeconds of clock time (computed in even periods). */
  z.object({ mode: z.literal('flipping'), periodSeconds: z.number().positive() }),
]);
export type GreeksBehaviour = z.infer<typeof greeksBehaviourSchema>;

export const secTypeSchema = z.enum(['STK', 'FUT', 'OPT', 'FOP']);

export const entitlementSchema = z.enum(['ok', 'noUnderlyingPermission', 'notSubscribed']);
export type Entitlement = z.infer<typeof entitlementSchema>;

const baseContractSchema = z.object({
  conId: z.number().int().positive(),
  symbol: z.string().min(1),
  localSymbol: z.string().min(1),
  currency: z.string().length(3).default('USD'),
  /** Exchange used for contract details and market data (SMART for US stocks/options, CME for ES). */
  exchange: z.string().default('SMART'),
  primaryExchange: z.string().default(''),
  tradingClass: z.string().optional(),
  /** Which market-data requests are allowed: 'ok', 'noUnderlyingPermission' (10090, no Greeks), 'notSubscribed' (354). */
  entitlement: entitlementSchema.default('ok'),
});

export const underlyingContractSchema = baseContractSchema.extend({
  secType: z.enum(['STK', 'FUT']),
  /** Price at the anchor of the random walk. */
  startPrice: z.number().positive(),
  /** Annualised volatility of the random walk (0.25 = 25 %). */
  walkVolatility: z.number().positive().max(5),
  /** Implied volatility used for options on this underlying unless they set their own. */
  impliedVol: z.number().positive().max(5),
  multiplier: z.number().positive().default(1),
  /** FUT only: YYYYMMDD or +Nd (days after the clock's "now" at load time). */
  expiry: z.string().regex(expiryPattern).optional(),
});
export type UnderlyingContractInput = z.input<typeof underlyingContractSchema>;

export const optionContractSchema = baseContractSchema.extend({
  secType: z.enum(['OPT', 'FOP']),
  right: z.enum(['C', 'P']),
  strike: z.number().positive(),
  /** YYYYMMDD or +Nd (days after the clock's "now" at load time). */
  expiry: z.string().regex(expiryPattern, 'expiry must be YYYYMMDD or +Nd'),
  multiplier: z.number().positive(),
  underConId: z.number().int().positive(),
  impliedVol: z.number().positive().max(5).optional(),
  greeks: greeksBehaviourSchema.default({ mode: 'computed' }),
});

export const contractSchema = z.discriminatedUnion('secType', [underlyingContractSchema, optionContractSchema]);

export const accountSchema = z.object({
  id: z.string().regex(/^[A-Z]{1,3}\d{3,10}$/, 'account id must look like DU1234567'),
  baseCurrency: z.string().length(3).default('USD'),
  cash: z.number().default(100_000),
  /**
   * IBKR's exchange rate of each other currency to the base currency (units of base per unit), as the gateway
   * reports it in account values and the ledger. A currency the account holds but that is missing here gets no rate
   * from the simulator, which is how a gateway without a rate is reproduced.
   */
  exchangeRates: z.record(z.string().length(3), z.number().positive()).default({}),
});

export const positionSchema = z.object({
  account: z.string(),
  conId: z.number().int().positive(),
  quantity: z.number(),
  /** Average cost as IBKR reports it: price x multiplier for options and futures. */
  avgCost: z.number().nonnegative(),
});

export const portfolioFileSchema = z.object({
  accounts: z.array(accountSchema).min(1),
  contracts: z.array(contractSchema).min(1),
  positions: z.array(positionSchema),
});

export type PortfolioFile = z.input<typeof portfolioFileSchema>;

export type Account = z.infer<typeof accountSchema>;
export type PositionRow = z.infer<typeof positionSchema>;

/** Contracts after loading: relative expiries resolved to YYYYMMDD. */
export type UnderlyingContract = z.infer<typeof underlyingContractSchema> & { tradingClass: string };
export type OptionContract = z.infer<typeof optionContractSchema> & { tradingClass: string };
export type Contract = UnderlyingContract | OptionContract;
export type SecType = z.infer<typeof secTypeSchema>;

export interface Portfolio {
  accounts: Account[];
  contracts: Contract[];
  positions: PositionRow[];
}

export function isOption(contract: Contract): contract is OptionContract {
  return contract.secType === 'OPT' || contract.secType === 'FOP';
}
