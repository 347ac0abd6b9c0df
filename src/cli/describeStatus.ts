import type { BridgeStatus } from '../workflows/types';

/** The human `bridge status`: state, last cycle (and why it took no snapshot), Greeks, buffer, replay, alerts. */
export function describeStatus(status: BridgeStatus): string {
  const c = status.lastCycle;
  const failure = status.replayFailure;
  return [
    `${status.workflowId}: ${status.state}${status.paused ? ` (${status.pauseReason})` : ''}`,
    `  last ok cycle  ${status.lastOkAt ?? '—'}${c ? `  (${c.latencyMs} ms, ${c.outcome})` : ''}`,
    ...(c?.outcome === 'ib_unavailable' && c.unavailableMessage
      ? [`  no snapshot    ${c.unavailableReason ?? 'ib_unavailable'}: ${c.unavailableMessage}`]
      : []),
    c && c.netDelta !== null
      ? `  net Greeks     delta ${c.netDelta.toFixed(2)}  gamma ${c.netGamma?.toFixed(4)}  vega ${c.netVega?.toFixed(2)}  theta ${c.netTheta?.toFixed(2)}  coverage ${((c.coverage ?? 0) * 100).toFixed(1)} %`
      : '  net Greeks     —',
    `  cycles         ${status.cyclesTotal} (skipped ${status.skippedSlotsTotal}), every ${status.intervalMs} ms`,
    `  buffered rows  ${status.bufferedRows}`,
    // The rows stay buffered and the state stays degraded: this line says why they are not going back to Postgres.
    ...(failure ? [`  replay failed  ${failure.failures}× in a row, last at ${failure.at}: ${failure.message}`] : []),
    `  alerts         ${status.alertsFiring.length === 0 ? 'none firing' : status.alertsFiring.map((a) => `${a.rule} (${a.severity}, since ${a.since}): ${a.message}`).join('; ')}`,
    `  next reset     ${status.nextResetAt}`,
  ].join('\n');
}
