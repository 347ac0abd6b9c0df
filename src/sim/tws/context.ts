import { MarketModel, ModelGreeks } from '../model';
import { Field } from './protocol/framing';
import { ClientConnection } from './clientConnection';
import { SimulatorSettings } from './settings';

/** What was last sent on a model computation tick (13 or 83) for one option. */
export interface SentGreeks {
  conId: number;
  reqId: number;
  clientId: number | undefined;
  tickType: number;
  /** Model-clock instant the values were computed for. */
  at: number;
  kind: 'computed' | 'notComputed';
  /** The model's values when kind is 'computed'. */
  greeks: ModelGreeks | undefined;
  /** The eight value fields exactly as written on the wire. */
  fields: Field[];
}

export type LogFn = (level: 'info' | 'debug', message: string) => void;

/** State shared by the handlers, the streamer and the control API. */
export interface SimContext {
  readonly model: MarketModel;
  readonly settings: SimulatorSettings;
  readonly connections: Set<ClientConnection>;
  readonly counters: Map<string, number>;
  readonly lastSentGreeks: Map<number, SentGreeks>;
  /** Client ids still "held" by a Gateway connection that died in a restart: startApi gets 326 until the instant. */
  readonly lingeringClientIds: Map<number, number>;
  readonly log: LogFn;
  readonly random: () => number;
  /** True between 1100 and 1101/1102: no ticks flow. */
  outage: boolean;
  nextOrderId: number;
}

export function count(ctx: SimContext, name: string, by = 1): void {
  ctx.counters.set(name, (ctx.counters.get(name) ?? 0) + by);
}

export function accountIds(ctx: SimContext): string[] {
  return ctx.model.accounts().map((account) => account.id);
}

/** The accounts the login manages: a subset when the test says so (an IB_ACCOUNT the login does not manage). */
export function managedAccountIds(ctx: SimContext): string[] {
  const managed = ctx.settings.managedAccounts;
  return managed === null ? accountIds(ctx) : [...managed];
}

export function readyConnections(ctx: SimContext): ClientConnection[] {
  return [...ctx.connections].filter((connection) => connection.phase === 'ready');
}
