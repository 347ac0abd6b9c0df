import { ApplicationFailure, activityInfo, heartbeat, log, sleep } from '@temporalio/activity';
import { gapLogKey } from './gapLogKey';
import { aggregateGreeks } from '../greeks/aggregate';
import { alertLogRow, postAlertWebhook, WebhookError, webhookBody } from '../alerts/delivery';
import { underlyingFigures } from '../alerts/figures';
import { apiLogRow } from '../db/apiLogEvents';
import type { ApiLogRow, SnapshotRow } from '../db/types';
import type { ExcludedPosition } from '../greeks/types';
import { FallbackBufferError, type BufferRecord } from '../buffer';
import type { CycleSummary, GapRecord } from '../workflows/types';
import type { ActivityDeps } from './ports';
import { withinDeadline } from './deadline';
import { snapshotForCycle } from './availability';
import { ImplausibleEpisodes } from './implausibleEpisodes';
import {
  ALERT_WEBHOOK_FAILED,
  DB_WRITE_FAILED,
  REPLAY_FAILED,
  SESSION_HELD_ELSEWHERE,
  type BridgeActivities,
  type UnwrittenRows,
} from './types';

const REPLAY_BATCH_SIZE = 500;
/** Left of an attempt's start-to-close when its database write gives up: enough to report the rows it carries. */
const WRITE_DEADLINE_MARGIN_MS = 250;

/**
 * When this attempt's database work must give up so the activity fails with its rows (DbWriteFailed, buffered by the
 * workflow) instead of timing out without them. Null outside an activity (the bench calls runCycle directly).
 */
function attemptWriteDeadline(now: number): number | null {
  try {
    const { startToCloseTimeoutMs } = activityInfo();
    return startToCloseTimeoutMs > 0 ? now + startToCloseTimeoutMs - WRITE_DEADLINE_MARGIN_MS : null;
  } catch {
    return null;
  }
}

export function toBufferRecords(snapshots: SnapshotRow[], apiLogs: ApiLogRow[]): BufferRecord[] {
  return [
    ...snapshots.map((row) => ({ kind: 'snapshot' as const, row })),
    ...apiLogs.map((row) => ({ kind: 'api_log' as const, row })),
  ];
}

/** Activities built around the worker's long-lived dependencies (the samples' dependency-injection pattern). */
export function createActivities(deps: ActivityDeps): BridgeActivities {
  const clock = deps.clock ?? Date.now;
  const mode = deps.broker.mode;
  const implausible = new ImplausibleEpisodes();

  function gapLogs(workflowId: string, account: string, gaps: GapRecord[]): ApiLogRow[] {
    return gaps.map((gap) =>
      apiLogRow('cycles_skipped', {
        key: gapLogKey(workflowId, gap),
        at: gap.to,
        account,
        mode,
        message: `${gap.slots} cycle(s) without a snapshot: ${[gap.reason, ...(gap.otherReasons ?? [])].map((r) => r.replace(/_/g, ' ')).join(', ')}`,
        details: { ...gap, from: new Date(gap.from).toISOString(), to: new Date(gap.to).toISOString() },
      }),
    );
  }

  function badInputLogs(cycleKey: string, account: string, entries: ExcludedPosition[]): ApiLogRow[] {
    return entries.map((entry) =>
      apiLogRow('bad_input', {
        key: `${cycleKey}:bad_input:${entry.conId}`,
        at: clock(),
        account,
        mode,
        message:
          `${entry.localSymbol} (conId ${entry.conId}) left out of ` +
          `${entry.excludedFrom === 'money' ? 'the money figures' : 'the totals'} as implausible: ${entry.detail}`,
        details: { ...entry },
      }),
    );
  }

  function requireLease(): void {
    if (!deps.lease.holds()) {
      throw ApplicationFailure.nonRetryable(
        'this worker no longer holds the IB connection lease',
        SESSION_HELD_ELSEWHERE,
      );
    }
  }

  /** Writes api_logs rows now, or keeps them in the buffer when Postgres refuses or not in time. Never throws. */
  async function writeLogs(rows: ApiLogRow[], deadline: number | null = null): Promise<void> {
    if (rows.length === 0) return;
    try {
      await withinDeadline(deps.store.insertApiLogs(rows), deadline, clock);
    } catch {
      await deps.buffer.append(toBufferRecords([], rows)).catch(() => undefined);
    }
  }

  return {
    async acquireSession({ account, workflowId }) {
      return deps.lease.acquire(account, workflowId);
    },

    async runCycle(input): Promise<CycleSummary> {
      const writeDeadline = attemptWriteDeadline(clock());
      requireLease();
      if (input.alertStates) deps.observer?.alertStates?.(input.alertStates);
      // The workflow schedules the cycle ahead of its slot (cycleLeadMs): the snapshot belongs to the slot's instant.
      // A plain timer (at most half an interval; the bench's in-process loop calls this outside an activity), in a
      // loop because a timer may fire a millisecond before the wall clock reaches the slot.
      while (clock() < input.slotAt) {
        await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.ceil(input.slotAt - clock()))));
      }
      const started = clock();
      const logs = gapLogs(input.workflowId, input.account, input.gaps);
      const connection = deps.broker.state();
      const bufferedRows = async () => (await deps.buffer.stats()).rows;
      const taken = snapshotForCycle(deps.broker, input.account);
      if ('unavailable' in taken) {
        await writeLogs(logs, writeDeadline);
        return {
          cycleKey: input.cycleKey,
          slotAt: input.slotAt,
          outcome: 'ib_unavailable',
          unavailableReason: taken.unavailable.reason,
          unavailableMessage: taken.unavailable.message,
          ...(taken.unavailable.humanAction ? { humanAction: true } : {}),
          connection,
          latencyMs: clock() - started,
          netDelta: null,
          netGamma: null,
          netVega: null,
          netTheta: null,
          coverage: null,
          optionCount: 0,
          bufferedRows: await bufferedRows(),
          netDollarDelta: null,
          betaWeightedDelta: null,
        };
      }
      const aggregated = aggregateGreeks(taken.snapshot, { ...deps.aggregateOptions(), now: clock() });
      logs.push(
        ...badInputLogs(input.cycleKey, input.account, implausible.starting(input.account, aggregated.excluded)),
      );
      const row: SnapshotRow = {
        cycleKey: input.cycleKey,
        workflowId: input.workflowId,
        // Never negative, even if the wall clock is stepped back between the slot and now.
        cycleLatencyMs: Math.max(0, clock() - input.slotAt),
        aggregated,
      };
      let outcome: CycleSummary['outcome'];
      try {
        // A database that hangs costs this attempt its deadline, never the slot: the rows go back to the workflow.
        const write = async () => {
          const result = await deps.store.insertSnapshots([row]);
          if (logs.length > 0) await deps.store.insertApiLogs(logs);
          return result;
        };
        const result = await withinDeadline(write(), writeDeadline, clock);
        outcome = result.inserted === 1 ? 'written' : 'duplicate';
        implausible.commit(input.account, aggregated.excluded);
      } catch (err) {
        const failure = deps.classifyDbError(err);
        const unwritten: UnwrittenRows = { snapshots: [row], apiLogs: logs, reason: failure.reason };
        throw ApplicationFailure.create({
          message: `writing the snapshot failed: ${failure.reason}`,
          type: DB_WRITE_FAILED,
          nonRetryable: failure.kind === 'permanent',
          details: [unwritten],
        });
      }
      const latencyMs = clock() - started;
      deps.observer?.cycleCompleted({
        latencyMs,
        // From the slot's instant, or from the scheduling when that came later: waiting for the slot is no delay.
        endToEndMs: clock() - Math.max(input.scheduledAt, input.slotAt),
        coverage: aggregated.coverage,
        outcome,
      });
      return {
        cycleKey: input.cycleKey,
        slotAt: input.slotAt,
        outcome,
        connection,
        latencyMs,
        netDelta: aggregated.totals.delta,
        netGamma: aggregated.totals.gamma,
        netVega: aggregated.totals.vega,
        netTheta: aggregated.totals.theta,
        coverage: aggregated.coverage,
        optionCount: aggregated.optionCount,
        coveredBySource: Object.fromEntries(
          Object.entries(aggregated.sources).map(([source, count]) => [source, count.positions]),
        ),
        bufferedRows: await bufferedRows(),
        netDollarDelta: aggregated.totals.dollarDelta,
        betaWeightedDelta: aggregated.betaWeightedDelta,
        ...(input.watchUnderlyings ? { underlyings: underlyingFigures(aggregated, input.watchUnderlyings) } : {}),
      };
    },

    async bufferRows(rows) {
      const snapshots = rows.snapshots as SnapshotRow[];
      const apiLogs = [
        ...(rows.apiLogs as ApiLogRow[]),
        apiLogRow('fallback_engaged', {
          key: `fallback:${snapshots.map((s) => s.cycleKey).join(',') || activityInfo().activityId}`,
          at: clock(),
          account: snapshots[0]?.aggregated.account ?? null,
          mode,
          message: `Postgres write failed; ${snapshots.length} snapshot(s) kept in the JSONL buffer`,
          details: { reason: rows.reason },
        }),
      ];
      try {
        await deps.buffer.append(toBufferRecords(snapshots, apiLogs));
      } catch (err) {
        const code = err instanceof FallbackBufferError ? err.code : 'io';
        deps.observer?.bufferFailed?.(code);
        log.error(`snapshot not kept: Postgres refused it and ${err instanceof Error ? err.message : String(err)}`, {
          cycleKeys: snapshots.map((s) => s.cycleKey),
          code,
        });
        throw err;
      }
      const { rows: bufferedRows } = await deps.buffer.stats();
      deps.observer?.bufferSize(bufferedRows);
      return { bufferedRows };
    },

    async replayBuffer() {
      let result;
      try {
        result = await deps.buffer.replay(deps.store, {
          batchSize: REPLAY_BATCH_SIZE,
          onProgress: (info) => heartbeat(info),
        });
      } catch (err) {
        // Its own event: the rows are safe on disk and will be replayed; nothing here is a gap.
        const failure = deps.classifyDbError(err);
        const remainingRows = await deps.buffer.stats().then(
          (stats) => stats.rows,
          () => null,
        );
        await writeLogs([
          apiLogRow('replay_failed', {
            key: `replay_failed:${activityInfo().workflowExecution?.runId}:${activityInfo().activityId}`,
            at: clock(),
            mode,
            message: `replaying the fallback buffer failed: ${failure.reason}; the rows stay buffered`,
            details: { reason: failure.reason, remainingRows },
          }),
        ]);
        throw ApplicationFailure.create({
          message: `replaying the fallback buffer failed: ${failure.reason}`,
          type: REPLAY_FAILED,
        });
      }
      deps.observer?.bufferSize(result.remainingRows);
      await writeLogs([
        apiLogRow('replay_done', {
          key: `replay:${activityInfo().workflowExecution?.runId}:${activityInfo().activityId}`,
          at: clock(),
          mode,
          message: `replayed ${result.replayed} buffered row(s) into Postgres (${result.duplicates} already there)`,
          details: { ...result },
        }),
      ]);
      return result;
    },

    async deliverAlert(delivery) {
      // Every attempt writes the row again: its key makes the repeats free, and a crash before it cannot lose it.
      await writeLogs([alertLogRow(delivery, mode)]);
      if (deps.lease.holds()) {
        deps.observer?.alertStates?.({ [delivery.transition.ruleId]: delivery.transition.status === 'firing' });
      }
      if (!deps.alertWebhook) return { webhookStatus: null };
      try {
        const status = await postAlertWebhook(deps.alertWebhook, webhookBody(delivery), activityInfo().attempt);
        return { webhookStatus: status };
      } catch (err) {
        if (!(err instanceof WebhookError)) throw err;
        throw ApplicationFailure.create({
          message: err.message,
          type: ALERT_WEBHOOK_FAILED,
          nonRetryable: !err.retryable,
        });
      }
    },

    async applyRetention({ days }) {
      return deps.applyRetention(days);
    },

    async waitOutReset({ account, windowStart, windowEnd }) {
      requireLease();
      const key = `${activityInfo().workflowExecution?.workflowId}:reset:${windowStart}`;
      await writeLogs([
        apiLogRow('reset_window_entered', {
          key: `${key}:entered`,
          at: clock(),
          account,
          mode,
          message: `nightly gateway restart window until ${new Date(windowEnd).toISOString()}`,
          details: { windowStart: new Date(windowStart).toISOString(), windowEnd: new Date(windowEnd).toISOString() },
        }),
      ]);
      // Heartbeat through the window so a dead worker is noticed within the heartbeat timeout.
      while (clock() < windowEnd) {
        heartbeat({ phase: 'waiting', until: windowEnd });
        await sleep(Math.min(5000, Math.max(1, windowEnd - clock())));
      }
      const backAt = clock();
      let attempts = 0;
      for (;;) {
        attempts += 1;
        heartbeat({ phase: 'reconnecting', attempts });
        try {
          await deps.broker.reconnect('nightly reset window ended');
          await deps.broker.waitUntilReady(deps.reconnectTimeoutMs);
          break;
        } catch (err) {
          heartbeat({ phase: 'reconnecting', attempts, lastError: (err as Error).message });
          await sleep(Math.min(1000 * attempts, 10_000));
        }
      }
      const readyAt = clock();
      deps.observer?.reconnected(readyAt - backAt);
      await writeLogs([
        apiLogRow('reset_window_left', {
          key: `${key}:left`,
          at: readyAt,
          account,
          mode,
          message: `gateway ready again ${readyAt - backAt} ms after the window (${attempts} attempt(s))`,
          details: { reconnectMs: readyAt - backAt, attempts },
        }),
      ]);
      return { readyAt, reconnectMs: readyAt - backAt, attempts };
    },
  };
}
