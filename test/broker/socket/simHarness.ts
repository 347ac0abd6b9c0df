import type { BrokerEvent, BrokerEventType, BrokerSnapshot } from '../../../src/broker/types';
import { createSocketBroker, type SocketBroker, type SocketBrokerOptions } from '../../../src/broker/socket';
import { MAIN_ACCOUNT } from '../../../src/sim/model';
import { startTwsSimulator, type TwsSimulator, type TwsSimulatorOptions } from '../../../src/sim/tws';
import { eventually } from '../contract/eventually';

export { MAIN_ACCOUNT, eventually };

/** Fast supervision so faults resolve within seconds; still far above the simulator's 250 ms tick interval. */
export const FAST_SUPERVISION: Partial<SocketBrokerOptions> = {
  handshakeTimeoutMs: 2_000,
  heartbeatIntervalMs: 250,
  heartbeatTimeoutMs: 1_500,
  reconnectMinDelayMs: 50,
  reconnectMaxDelayMs: 500,
};

export interface SimBroker {
  sim: TwsSimulator;
  broker: SocketBroker;
  events: BrokerEvent[];
  close(): Promise<void>;
}

export async function startSimAndBroker(
  options: { sim?: TwsSimulatorOptions; broker?: Partial<SocketBrokerOptions>; start?: boolean } = {},
): Promise<SimBroker> {
  const sim = await startTwsSimulator({ seed: 11, ...options.sim });
  const broker = createSocketBroker({ host: sim.host, port: sim.port, ...FAST_SUPERVISION, ...options.broker });
  const events: BrokerEvent[] = [];
  broker.onEvent((event) => events.push(event));
  if (options.start !== false) {
    broker.start();
    await broker.waitUntilReady(15_000);
  }
  return {
    sim,
    broker,
    events,
    async close() {
      await broker.stop();
      await sim.close();
    },
  };
}

export function eventsOf(events: BrokerEvent[], type: BrokerEventType, since = 0): BrokerEvent[] {
  return events.filter((event) => event.type === type && event.at >= since);
}

export function optionConIds(snapshot: BrokerSnapshot): number[] {
  return snapshot.positions.filter((p) => p.secType === 'OPT' || p.secType === 'FOP').map((p) => p.conId);
}

/**
 * Every option of every account has Greeks computed after `since` and not flagged stale, the adapter is ready, and
 * the simulator streams exactly the lines the adapter believes it holds. This is what "recovered" means.
 */
export async function waitForFreshGreeks(h: SimBroker, since: number, what = 'fresh Greeks'): Promise<void> {
  await eventually(
    () => {
      if (h.broker.state() !== 'ready') throw new Error(`state is ${h.broker.state()}`);
      let options = 0;
      for (const account of h.broker.accounts()) {
        const snapshot = h.broker.snapshot(account);
        for (const conId of optionConIds(snapshot)) {
          options++;
          const greeks = snapshot.greeks[conId];
          if (!greeks) throw new Error(`no Greeks for ${conId}`);
          if (greeks.stale || greeks.computedAt <= since) {
            throw new Error(`Greeks for ${conId} stale=${greeks.stale} computedAt=${greeks.computedAt} <= ${since}`);
          }
        }
      }
      if (options === 0) throw new Error('no option positions yet');
      const lines = h.broker.marketDataStats().linesInUse;
      if (h.sim.linesInUse() !== lines)
        throw new Error(`simulator streams ${h.sim.linesInUse()} lines, adapter ${lines}`);
      return true;
    },
    { what },
  );
}
