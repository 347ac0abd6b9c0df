import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPortalBroker, type PortalBrokerOptions, type BrokerLogger } from '../../../src/broker/portal';
import type { Broker, BrokerEvent, BrokerEventType } from '../../../src/broker/types';
import {
  startFakeClientPortal,
  type FakeClientPortal,
  type FakeClientPortalOptions,
} from '../../../src/sim/portal/fakeClientPortal';
import type { FieldDelays } from '../../../src/sim/portal/rowFormat';

export interface LogLine {
  level: string;
  object: Record<string, unknown>;
  message?: string;
}

/** A pino-shaped logger that keeps every line, to assert on warnings and on what never reaches a log. */
export function recordingLogger(): BrokerLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: string) =>
    (object: Record<string, unknown>, message?: string): void => {
      lines.push({ level, object, message });
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export interface PortalPair {
  fake: FakeClientPortal;
  broker: Broker;
  events: BrokerEvent[];
  logger: ReturnType<typeof recordingLogger>;
  caFile: string;
  eventsOf(type: BrokerEventType): BrokerEvent[];
  close(): Promise<void>;
}

/** Fast timers for tests; a test overrides what it exercises. */
export const FAST_BROKER: PortalBrokerOptions = {
  snapshotPollIntervalMs: 200,
  positionsRefreshIntervalMs: 1000,
  retryInitialMs: 100,
  retryMaxMs: 400,
  requestTimeoutMs: 3000,
};

/** Fields trickle in as on the real gateway, only faster: prices first, Greeks a few polls later, some later still. */
export const FAST_FIELD_DELAYS: FieldDelays = { pricesMs: 100, greeksMs: 300, secondOrderLagMs: 200, spreadMs: 300 };

export interface PairOptions {
  fake?: Partial<FakeClientPortalOptions>;
  broker?: PortalBrokerOptions;
  /** Give the adapter the fake's certificate as IB_PORTAL_CA_FILE (default true for TLS). */
  trustCa?: boolean;
  start?: boolean;
}

/** A fake Client Portal over real HTTPS and a PORTAL adapter pointed at it, with its CA written to a temp file. */
export async function startPortalPair(options: PairOptions = {}): Promise<PortalPair> {
  const fake = await startFakeClientPortal({
    tls: true,
    seed: 11,
    api: { fieldDelays: FAST_FIELD_DELAYS },
    ...options.fake,
  });
  const dir = mkdtempSync(join(tmpdir(), 'portal-ca-'));
  const caFile = join(dir, 'gateway.pem');
  if (fake.caPem) writeFileSync(caFile, fake.caPem);
  const logger = recordingLogger();
  const trust = options.trustCa ?? Boolean(fake.caPem);
  const broker = createPortalBroker({
    ...FAST_BROKER,
    baseUrl: fake.url,
    ...(trust ? { caFile } : {}),
    logger,
    ...options.broker,
  });
  const events: BrokerEvent[] = [];
  broker.onEvent((event) => events.push(event));
  if (options.start ?? true) broker.start();
  return {
    fake,
    broker,
    events,
    logger,
    caFile,
    eventsOf: (type) => events.filter((event) => event.type === type),
    close: async () => {
      await broker.stop();
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls until the predicate holds; fails with `what` and the last value after timeoutMs. */
export async function waitFor<T>(
  probe: () => T | undefined | false,
  what: string,
  timeoutMs = 20_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A market clock the test moves by hand. */
export function manualClock(start: number): { now: () => number; set(t: number): void; advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    set: (value) => {
      t = value;
    },
    advance: (ms) => {
      t += ms;
    },
  };
}

export const SNAPSHOT = '/iserver/marketdata/snapshot';

/** Snapshot requests the fake answered with 200 so far. */
export function successfulSnapshots(pair: PortalPair): number {
  return pair.fake.control.requests(SNAPSHOT).filter((entry) => entry.status === 200).length;
}

/** Resolves once the fake has answered `count` more snapshot requests with 200. */
export async function moreSuccessfulSnapshots(pair: PortalPair, count: number): Promise<void> {
  const start = successfulSnapshots(pair);
  await waitFor(() => successfulSnapshots(pair) >= start + count, `${count} more successful snapshots`);
}
