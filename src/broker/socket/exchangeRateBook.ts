import type { ExchangeRates } from '../types';
import type { EventHub } from '../plumbing/eventHub';
import type { Session } from './session';

/**
 * The account's base currency and IBKR's exchange rates, from the account values of reqAccountUpdates:
 * `ExchangeRate` is "the exchange rate of the currency to your base currency" (one value per currency, plus the
 * pseudo-currency BASE), and account-level values such as `NetLiquidation` come in the base currency. TWS allows one
 * account-updates subscription per client, so only the followed account is subscribed; values are refreshed by TWS
 * at most every 3 minutes, which is plenty for exchange rates.
 */
export class ExchangeRateBook {
  private subscribedAccount: string | null = null;
  private readonly byAccount = new Map<string, { base: string | null; rates: Map<string, number> }>();

  constructor(private readonly events: EventHub) {}

  /** (Re)subscribes on a new session or after 1101; the last known rates stay until new ones arrive. */
  subscribe(session: Session, account: string | null): void {
    this.subscribedAccount = account;
    if (account === null) return;
    session.send((api) => api.reqAccountUpdates(true, account));
  }

  onAccountValue(key: unknown, value: unknown, currency: unknown, account: unknown): void {
    if (typeof account !== 'string' || account !== this.subscribedAccount) return;
    if (key === 'NetLiquidation' && typeof currency === 'string' && /^[A-Z]{3}$/.test(currency)) {
      this.entry(account).base = currency;
      return;
    }
    if (key !== 'ExchangeRate' || typeof currency !== 'string' || currency === 'BASE' || currency === '') return;
    const rate = Number(value);
    if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(rate) || rate <= 0) {
      this.events.badInput('ExchangeRate account value is not a positive number; the currency has no rate', {
        account,
        currency,
        value: String(value),
      });
      this.entry(account).rates.delete(currency);
      return;
    }
    this.entry(account).rates.set(currency, rate);
  }

  /** What the snapshot carries: base null until the account's base currency is known. */
  get(account: string): ExchangeRates {
    const entry = this.byAccount.get(account);
    if (!entry) return { baseCurrency: null, rates: {} };
    return { baseCurrency: entry.base, rates: Object.fromEntries(entry.rates) };
  }

  private entry(account: string): { base: string | null; rates: Map<string, number> } {
    let entry = this.byAccount.get(account);
    if (!entry) {
      entry = { base: null, rates: new Map() };
      this.byAccount.set(account, entry);
    }
    return entry;
  }
}
