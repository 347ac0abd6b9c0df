import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CycleObserver } from '../activities/ports';
import type { ConnectionState } from '../broker/types';

const CONNECTION_STATES: ConnectionState[] = ['connecting', 'ready', 'degraded', 'down'];

/** The bridge's own Prometheus metrics; the Temporal SDK's are served next to them by the HTTP server. */
export class BridgeMetrics implements CycleObserver {
  readonly registry = new Registry();
  readonly lastCycleAt = { value: 0 };
  private readonly cycleLatency = new Histogram({
    name: 'bridge_cycle_work_seconds',
    help: 'Snapshot + aggregate + write time of one cycle, inside the activity',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  private readonly endToEnd = new Histogram({
    name: 'bridge_cycle_end_to_end_seconds',
    help: 'Workflow scheduled the cycle → row committed',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  private readonly cycles = new Counter({
    name: 'bridge_cycles_total',
    help: 'Cycles by outcome',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  private readonly coverage = new Gauge({
    name: 'bridge_greeks_coverage_ratio',
    help: 'Options with fresh Greeks / all options, last cycle',
    registers: [this.registry],
  });
  private readonly buffered = new Gauge({
    name: 'bridge_fallback_buffered_rows',
    help: "Rows waiting in this worker's JSONL fallback buffer (every worker exports its own, lease or not)",
    registers: [this.registry],
  });
  // Labelled, so the series appears only once a failure happened: a scrape that shows it has something to say.
  private readonly bufferFailures = new Counter({
    name: 'bridge_fallback_buffer_errors_total',
    help: 'Appends the JSONL fallback buffer refused, by cause (disk_full, unwritable, io)',
    labelNames: ['code'],
    registers: [this.registry],
  });
  private readonly reconnects = new Counter({
    name: 'bridge_reconnects_total',
    help: 'Reconnects after the nightly reset window',
    registers: [this.registry],
  });
  private readonly reconnectSeconds = new Histogram({
    name: 'bridge_reconnect_seconds',
    help: 'Gateway back → adapter ready',
    buckets: [0.1, 0.5, 1, 3, 10, 30, 120],
    registers: [this.registry],
  });
  private readonly connection = new Gauge({
    name: 'bridge_ib_connection_state',
    help: '1 for the current IB connection state',
    labelNames: ['state'],
    registers: [this.registry],
  });

  private readonly alerts = new Gauge({
    name: 'bridge_alert_firing',
    help: '1 while the alert rule fires, 0 when resolved (exported by the worker holding the IB connection lease)',
    labelNames: ['rule'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'bridge_process_' });
  }

  cycleCompleted(info: { latencyMs: number; endToEndMs: number; coverage: number | null; outcome: string }): void {
    this.cycleLatency.observe(info.latencyMs / 1000);
    this.endToEnd.observe(info.endToEndMs / 1000);
    this.cycles.inc({ outcome: info.outcome });
    if (info.coverage !== null) this.coverage.set(info.coverage);
    this.lastCycleAt.value = Date.now();
  }

  bufferSize(rows: number): void {
    this.buffered.set(rows);
  }

  bufferFailed(code: string): void {
    this.bufferFailures.inc({ code });
  }

  reconnected(ms: number): void {
    this.reconnects.inc();
    this.reconnectSeconds.observe(ms / 1000);
  }

  alertStates(states: Record<string, boolean>): void {
    for (const [rule, firing] of Object.entries(states)) this.alerts.set({ rule }, firing ? 1 : 0);
  }

  connectionState(state: ConnectionState): void {
    for (const candidate of CONNECTION_STATES) this.connection.set({ state: candidate }, candidate === state ? 1 : 0);
  }
}
