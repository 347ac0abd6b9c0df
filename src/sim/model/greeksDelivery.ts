import { GreeksBehaviour } from './portfolioSchema';

/** What a subscriber should receive for one option at one instant. */
export type GreeksDeliveryKind =
  { kind: 'computed' } | { kind: 'notComputed'; sentinel: 'negative' | 'doubleMax' } | { kind: 'absent' };

/**
 * Applies a contract's Greeks behaviour. `subscribedAt` is when the subscriber's stream started (for 'delayed');
 * flipping is keyed on clock time so every subscriber of a contract sees the same phase.
 */
export function deliveryFor(behaviour: GreeksBehaviour, t: number, subscribedAt: number): GreeksDeliveryKind {
  switch (behaviour.mode) {
    case 'computed':
      return { kind: 'computed' };
    case 'notComputed':
      return { kind: 'notComputed', sentinel: behaviour.sentinel };
    case 'never':
      return { kind: 'absent' };
    case 'delayed':
      return t - subscribedAt >= behaviour.afterSeconds * 1000 ? { kind: 'computed' } : { kind: 'absent' };
    case 'flipping':
      return Math.floor(t / (behaviour.periodSeconds * 1000)) % 2 === 0
        ? { kind: 'computed' }
        : { kind: 'notComputed', sentinel: 'negative' };
  }
}
