import type { Broker, BrokerEvent, OptionGreeks } from '../../../src/broker/types';
import { aggregateGreeks } from '../../../src/greeks';
import { eventually } from './eventually';

export interface ExpectedGreeks {
  delta: number;
  gamma: number;
  vega: number;
  theta: number;
}

export interface BrokerContractSetup {
  /** A broker that has NOT been started yet: the contract starts it, so it can see the first events. */
  broker: Broker;
  /** An account the fake gateway holds option positions in. */
  expectedAccount: string;
  /** The model's per-share Greeks for the values the fake gateway last delivered for conId. */
  expectedGreeks(conId: number): ExpectedGreeks | undefined;
  /** Stops the fake gateway and anything else setup started (the contract stops the broker itself). */
  teardown(): Promise<void>;
}

const TOLERANCE = 1e-9;
const KEYS = ['delta', 'gamma', 'vega', 'theta'] as const;

function isOption(secType: string): boolean {
  return secType === 'OPT' || secType === 'FOP';
}

function mismatch(conId: number, got: OptionGreeks | undefined, want: ExpectedGreeks | undefined): string | null {
  if (!want) return `no expected Greeks for ${conId}`;
  if (!got) return `no Greeks for ${conId}`;
  if (got.stale) return `Greeks for ${conId} are stale`;
  for (const key of KEYS) {
    const value = got[key];
    if (value === null || Math.abs(value - want[key]) > TOLERANCE)
      return `${key} of ${conId}: ${value} != ${want[key]}`;
  }
  return null;
}

/**
 * The checks every Broker must pass, whatever its mode: it becomes ready, knows its accounts, snapshots positions
 * and Greeks equal to the fake gateway's model from memory, emits lifecycle events, and stops cleanly.
 * Use one call per adapter: describeBrokerContract('SOCKET', async () => ({ broker, expectedAccount, ... })).
 */
export function describeBrokerContract(name: string, setup: () => Promise<BrokerContractSetup>): void {
  describe(`${name} broker contract`, () => {
    let context: BrokerContractSetup;
    const events: BrokerEvent[] = [];
    let stopped = false;

    beforeAll(async () => {
      context = await setup();
      context.broker.onEvent((event) => events.push(event));
      context.broker.start();
      await context.broker.waitUntilReady(30_000);
    });

    afterAll(async () => {
      if (!context) return;
      if (!stopped) await context.broker.stop();
      await context.teardown();
    });

    it('becomes ready and knows the account', () => {
      expect(context.broker.state()).toBe('ready');
      expect(context.broker.accounts()).toContain(context.expectedAccount);
    });

    it('snapshots the positions of one account, without zero quantities', async () => {
      const snapshot = await eventually(
        () => {
          const taken = context.broker.snapshot(context.expectedAccount);
          return taken.positions.some((p) => isOption(p.secType)) ? taken : undefined;
        },
        { what: 'option positions' },
      );
      expect(snapshot).toMatchObject({ account: context.expectedAccount, mode: context.broker.mode });
      expect(snapshot.connection).toBe('ready');
      // The list of this session is complete (SOCKET: positionEnd seen; PORTAL: every page read).
      expect(snapshot.positionsComplete).toBe(true);
      expect(Math.abs(snapshot.takenAt - Date.now())).toBeLessThan(60_000);
      const conIds = snapshot.positions.map((p) => p.conId);
      expect(new Set(conIds).size).toBe(conIds.length);
      for (const position of snapshot.positions) {
        expect(position.account).toBe(context.expectedAccount);
        expect(position.quantity).not.toBe(0);
        expect(Number.isFinite(position.quantity)).toBe(true);
        expect(position.underlying.length).toBeGreaterThan(0);
        // Every contract of the simulator has its multiplier: none may be unknown (0), and only stocks count ×1.
        expect(position.multiplier).toBeGreaterThan(0);
        if (position.secType === 'FUT' || isOption(position.secType)) expect(position.multiplier).toBeGreaterThan(1);
        if (isOption(position.secType)) {
          expect(position.right === 'C' || position.right === 'P').toBe(true);
        }
      }
      expect(context.broker.snapshot('NO_SUCH_ACCOUNT').positions).toEqual([]);
    });

    it(`has Greeks equal to the model within ${TOLERANCE} for every option`, async () => {
      await eventually(
        () => {
          const snapshot = context.broker.snapshot(context.expectedAccount);
          const options = snapshot.positions.filter((p) => isOption(p.secType));
          if (options.length === 0) throw new Error('no option positions');
          for (const { conId } of options) {
            const problem = mismatch(conId, snapshot.greeks[conId], context.expectedGreeks(conId));
            if (problem) throw new Error(problem);
          }
          return true;
        },
        { what: 'Greeks equal to the model', timeoutMs: 30_000 },
      );
      const snapshot = context.broker.snapshot(context.expectedAccount);
      const aggregated = aggregateGreeks(snapshot, { now: Date.now(), maxAgeMs: 60_000 });
      expect(aggregated.coverage).toBe(1);
      expect(aggregated.excluded).toEqual([]);
      for (const value of Object.values(aggregated.totals)) expect(Number.isFinite(value)).toBe(true);
    });

    it('takes snapshots from memory: synchronous, repeatable and JSON-serialisable', () => {
      const first = context.broker.snapshot(context.expectedAccount) as unknown as { then?: unknown };
      expect(first.then).toBeUndefined();
      const started = performance.now();
      let last = context.broker.snapshot(context.expectedAccount);
      for (let i = 0; i < 200; i++) last = context.broker.snapshot(context.expectedAccount);
      // 200 network round trips could not finish in the same synchronous turn; memory reads do.
      expect(performance.now() - started).toBeLessThan(5_000);
      expect(JSON.parse(JSON.stringify(last))).toEqual(last);
      // Mutating a snapshot must not change the adapter's state.
      last.positions.length = 0;
      expect(context.broker.snapshot(context.expectedAccount).positions.length).toBeGreaterThan(0);
    });

    it('emitted lifecycle events in its own mode', () => {
      const types = events.map((event) => event.type);
      expect(types).toContain('connecting');
      expect(types).toContain('ready');
      expect(types.indexOf('connecting')).toBeLessThan(types.indexOf('ready'));
      for (const event of events) {
        expect(event.mode).toBe(context.broker.mode);
        expect(Number.isFinite(event.at)).toBe(true);
        expect(typeof event.message).toBe('string');
        expect(JSON.parse(JSON.stringify(event))).toEqual(event);
      }
    });

    it('stops: state down, a disconnected event, and no events after unsubscribing', async () => {
      const late: BrokerEvent[] = [];
      const unsubscribe = context.broker.onEvent((event) => late.push(event));
      unsubscribe();
      await context.broker.stop();
      stopped = true;
      expect(context.broker.state()).toBe('down');
      expect(events.map((event) => event.type)).toContain('disconnected');
      expect(late).toEqual([]);
      const after = context.broker.snapshot(context.expectedAccount);
      expect(after.connection).toBe('down');
      for (const greeks of Object.values(after.greeks)) expect(greeks.stale).toBe(true);
    });
  });
}
