import { optionModelValues } from '../../../src/greeks/pricing';
import type { ReferenceCase } from './referenceCases';

/** The core's figure for a reference case, converted from IB's units back to the book's. */
export function computedReferenceQuantity(reference: ReferenceCase): number {
  const values = optionModelValues(reference.input);
  switch (reference.quantity) {
    case 'price':
      return values.price;
    case 'delta':
      return values.delta;
    case 'gamma':
      return values.gamma;
    case 'vegaPerUnitVol':
      return values.vega * 100;
    case 'thetaPerYear':
      return values.theta * 365;
    case 'thetaPerDay':
      return values.theta;
  }
}
