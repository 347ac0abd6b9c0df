/** 'C' call, 'P' put, as IB writes an option's right. */
export type OptionRight = 'C' | 'P';

/** 'european': exercise at expiry only; 'american': any time up to expiry. */
export type ExerciseStyle = 'european' | 'american';

/**
 * 'bsm': Black–Scholes–Merton on a spot price (stocks, ETFs, indices), with a continuous dividend yield and/or the
 * present value of discrete dividends. 'black76': Black (1976) on a futures price (futures options).
 */
export type PricingModel = 'bsm' | 'black76';

/** One option to value. Prices are in the option's currency per 1 unit of the underlying (per share). */
export interface OptionPricingInput {
  right: OptionRight;
  style: ExerciseStyle;
  model: PricingModel;
  /** S for 'bsm' (spot price), F for 'black76' (futures price); > 0. */
  underlyingPrice: number;
  /** K, > 0. */
  strike: number;
  /** T, years to expiry (calendar days / 365); 0 means at expiry: intrinsic value, no gamma, vega or theta. */
  years: number;
  /** r, continuously compounded risk-free rate, a fraction per year (0.05 = 5 %). */
  rate: number;
  /** σ, annualised volatility as a fraction (0.25 = 25 %); > 0 when years > 0. */
  volatility: number;
  /** q, continuous dividend yield, a fraction per year; 'bsm' only; default 0. */
  dividendYield?: number;
  /**
   * Present value of the cash dividends paid before expiry, per share (IB's pvDividend tick); 'bsm' only; default 0.
   * Priced with the escrowed-dividend model: the option is valued on S − pvDividend.
   */
  pvDividend?: number;
}

/** Model value and Greeks, per 1 unit of the underlying (per share, not multiplied by the contract multiplier). */
export interface OptionModelValues {
  /** Option value, in the option's currency per share. */
  price: number;
  /** Change of price per 1.0 move of the underlying (per 1.0 of S, or of F for 'black76'). */
  delta: number;
  /** Change of delta per 1.0 move of the underlying. */
  gamma: number;
  /** Change of price per 1 volatility POINT, i.e. per +0.01 of σ (IB's convention). */
  vega: number;
  /** Change of price per CALENDAR DAY passing (annual theta / 365, IB's convention); usually negative. */
  theta: number;
}
