import { Client } from 'pg';
import { ApplicationFailure } from '@temporalio/activity';
import type { Broker } from '../broker/types';
import type { ConnectionLease } from '../activities/ports';
import type { SessionGrant } from '../activities/types';
import { SESSION_HELD_ELSEWHERE } from '../activities/types';

export interface LeaseOptions {
  databaseUrl: string;
  /** IB client id: one connection per id may exist, across every worker on the task queue. */
  clientId: number;
  queue: string;
  workerId: string;
  /** Id of this worker's fallback buffer, told to the workflow with the session so it counts those rows once. */
  bufferId?: string;
  broker: Broker;
  /** How often a lost lock connection is retried. */
  relockIntervalMs?: number;
  onEvent?: (event: 'acquired' | 'lock_lost' | 'relocked' | 'taken_elsewhere') => void;
}

/**
 * The lock's connection is idle for as long as the worker lives, so only TCP keepalives tell PostgreSQL that the
 * worker's machine is gone (a node lost without a FIN). With the kernel's defaults that takes over two hours, and
 * meanwhile no other worker could take the IB connection; with these, about half a minute: idle 10 s, then 3
 * probes 5 s apart. PostgreSQL applies them per session (they are ignored on a Unix socket).
 */
export const LOCK_KEEPALIVE = { idleSeconds: 10, intervalSeconds: 5, count: 3 } as const;

/**
 * Guarantees one IB connection per client id across workers with a PostgreSQL session-level advisory
 * lock: the worker that holds the lock holds the connection. When the worker dies its database session
 * ends, the lock is released, and the next worker asked for a session takes it.
 */
export class AdvisoryLockLease implements ConnectionLease {
  private client: Client | null = null;
  private held = false;
  private relockTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly workflows = new Set<string>();

  constructor(private readonly options: LeaseOptions) {}

  holds(): boolean {
    return this.held;
  }

  /** The workflows this worker granted the session to: the ones to tell when it lets go. */
  grantees(): string[] {
    return [...this.workflows];
  }

  async acquire(_account: string, workflowId?: string): Promise<SessionGrant> {
    if (this.stopped) {
      // A stopping worker's poller may still hand it a grant it must not take: another worker takes it on the retry.
      throw ApplicationFailure.retryable('this worker is stopping', SESSION_HELD_ELSEWHERE);
    }
    if (!this.held) {
      const locked = await this.tryLock();
      if (!locked) {
        throw ApplicationFailure.retryable(
          `IB client id ${this.options.clientId} is held by another worker`,
          SESSION_HELD_ELSEWHERE,
        );
      }
      this.held = true;
      this.options.onEvent?.('acquired');
      this.options.broker.start();
    }
    if (workflowId) this.workflows.add(workflowId);
    return {
      queue: this.options.queue,
      workerId: this.options.workerId,
      ...(this.options.bufferId ? { bufferId: this.options.bufferId } : {}),
    };
  }

  private async tryLock(): Promise<boolean> {
    const client = new Client({
      connectionString: this.options.databaseUrl,
      connectionTimeoutMillis: 5000,
      // The worker's side of the same problem: a server that vanished is noticed, and the lock taken again.
      keepAlive: true,
      keepAliveInitialDelayMillis: LOCK_KEEPALIVE.idleSeconds * 1000,
    });
    client.on('error', () => this.lockConnectionLost(client));
    await client.connect();
    await client.query(
      "select set_config('tcp_keepalives_idle', $1, false), set_config('tcp_keepalives_interval', $2, false), " +
        "set_config('tcp_keepalives_count', $3, false)",
      [String(LOCK_KEEPALIVE.idleSeconds), String(LOCK_KEEPALIVE.intervalSeconds), String(LOCK_KEEPALIVE.count)],
    );
    const result = await client.query<{ locked: boolean }>(
      "select pg_try_advisory_lock(hashtext('ibkr-bridge-client-id'), $1) as locked",
      [this.options.clientId],
    );
    if (!result.rows[0]?.locked) {
      await client.end().catch(() => undefined);
      return false;
    }
    this.client = client;
    client.on('end', () => this.lockConnectionLost(client));
    return true;
  }

  /**
   * A database outage must not stop the Greeks: keep the connection, and take the lock again as soon as
   * Postgres answers. Only if another worker took it meanwhile does this one let go of IB.
   */
  private lockConnectionLost(client: Client): void {
    if (this.client !== client || this.stopped) return;
    this.client = null;
    this.options.onEvent?.('lock_lost');
    const retry = async () => {
      this.relockTimer = null;
      if (this.stopped || !this.held) return;
      try {
        if (await this.tryLock()) {
          this.options.onEvent?.('relocked');
          return;
        }
        this.held = false;
        this.options.onEvent?.('taken_elsewhere');
        await this.options.broker.stop();
        return;
      } catch {
        // Postgres still away: try again later.
      }
      this.relockTimer = setTimeout(retry, this.options.relockIntervalMs ?? 5000);
    };
    this.relockTimer = setTimeout(retry, this.options.relockIntervalMs ?? 5000);
  }

  /** The lock's backend and the keepalive PostgreSQL applies to it; null while no lock is held. For diagnostics. */
  async lockBackend(): Promise<{ pid: number; keepalive: { idle: string; interval: string; count: string } } | null> {
    if (!this.client) return null;
    const result = await this.client.query<{ pid: number; idle: string; interval: string; count: string }>(
      "select pg_backend_pid() as pid, current_setting('tcp_keepalives_idle') as idle, " +
        "current_setting('tcp_keepalives_interval') as interval, current_setting('tcp_keepalives_count') as count",
    );
    const row = result.rows[0];
    return { pid: row.pid, keepalive: { idle: row.idle, interval: row.interval, count: row.count } };
  }

  async release(): Promise<void> {
    this.stopped = true;
    if (this.relockTimer) clearTimeout(this.relockTimer);
    this.held = false;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}
