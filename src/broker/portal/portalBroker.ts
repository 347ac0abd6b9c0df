import { systemClock, type Clock } from '../plumbing/clock';
import { EventHub } from '../plumbing/eventHub';
import { silentLogger } from '../plumbing/logger';
import type { Broker, BrokerEventListener, BrokerSnapshot, ConnectionState } from '../types';
import { ContractMultipliers } from './contractMultipliers';
import { PortalHttpClient } from './httpClient';
import { MarketDataPoller } from './marketDataPoller';
import { resolvePortalOptions, type PortalBrokerOptions, type ResolvedPortalOptions } from './options';
import { PositionsPoller } from './positionsPoller';
import { RateLimiter } from './rateLimiter';
import { SessionKeeper } from './sessionKeeper';
import { PortalSessionLoop } from './sessionLoop';
import { SessionStatus } from './sessionStatus';
import { portalSnapshot } from './snapshot';
import { createTlsAgent, type TlsAgent } from './tls';

/** Runs the Client Portal adapter: see docs/portal.md. Throws at once on unusable options (e.g. unreadable CA file). */
export function createPortalBroker(options: PortalBrokerOptions = {}): Broker {
  return new PortalBroker(options);
}

/**
 * Broker over the Client Portal Web API. Roles are split like the SOCKET adapter's: SessionStatus owns the session
 * state and its events, SessionKeeper the gateway's session (check, repair, tickle), PositionsPoller the accounts,
 * positions and rates, MarketDataPoller the snapshot polls, PortalSessionLoop the passes that drive them; this class
 * only wires them together.
 */
class PortalBroker implements Broker {
  readonly mode = 'PORTAL' as const;
  private readonly options: ResolvedPortalOptions;
  private readonly clock: Clock;
  private readonly events: EventHub;
  private readonly tls: TlsAgent;
  private readonly limiter: RateLimiter;
  private readonly status: SessionStatus;
  private readonly positions: PositionsPoller;
  private readonly marketData: MarketDataPoller;
  private readonly loop: PortalSessionLoop;

  constructor(options: PortalBrokerOptions) {
    this.options = resolvePortalOptions(options);
    this.clock = options.clock ?? systemClock;
    const logger = options.logger ?? silentLogger;
    this.events = new EventHub({ mode: 'PORTAL', clock: this.clock, logger, account: this.options.account });
    this.tls = createTlsAgent(this.options);
    this.limiter = new RateLimiter(this.options.rateLimit);
    const http = new PortalHttpClient({
      baseUrl: this.options.baseUrl,
      tls: this.tls,
      limiter: this.limiter,
      timeoutMs: this.options.requestTimeoutMs,
      onRateLimited: (endpoint, pauseMs) => this.loop.rateLimited(endpoint, pauseMs),
    });
    this.status = new SessionStatus({
      events: this.events,
      logger,
      baseUrl: this.options.baseUrl,
      tlsVerification: this.tls.verification,
    });
    this.positions = new PositionsPoller(http, this.events, new ContractMultipliers(http), this.options);
    this.marketData = new MarketDataPoller(http, this.events, this.clock, this.positions, this.options);
    const keeper = new SessionKeeper({
      http,
      takeOverCompetingSession: this.options.takeOverCompetingSession,
      tickleIntervalMs: this.options.tickleIntervalMs,
    });
    this.loop = new PortalSessionLoop(this.options, {
      status: this.status,
      keeper,
      limiter: this.limiter,
      positions: this.positions,
      marketData: this.marketData,
      events: this.events,
      logger,
    });
  }

  start(): void {
    this.loop.start();
  }

  waitUntilReady(timeoutMs: number): Promise<void> {
    return this.status.waitUntilReady(timeoutMs);
  }

  state(): ConnectionState {
    return this.status.connection();
  }

  humanActionNeeded(): string | null {
    return this.status.humanActionNeeded();
  }

  accounts(): string[] {
    return this.positions.accounts();
  }

  snapshot(account: string): BrokerSnapshot {
    return portalSnapshot({
      account,
      now: this.clock(),
      connection: this.status.connection(),
      staleAfterMs: this.options.staleAfterMs,
      betaBenchmark: this.options.betaBenchmark,
      positions: this.positions,
      marketData: this.marketData,
    });
  }

  reconnect(reason: string): Promise<void> {
    return this.loop.reconnect(reason);
  }

  onEvent(listener: BrokerEventListener): () => void {
    return this.events.subscribe(listener);
  }

  async stop(): Promise<void> {
    if (!this.status.running()) return;
    this.loop.halt();
    this.limiter.close();
    this.tls.agent.destroy();
    this.status.stop();
  }
}
