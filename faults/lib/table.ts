import type { ScenarioResult } from './report';

const percent = (value: number | null) => (value === null ? 'n/a' : `${(value * 100).toFixed(2)} %`);
const seconds = (ms: number | null) => (ms === null ? '-' : (ms / 1000).toFixed(1));

/** "2 db_unavailable, 1 overrun" — the missing slots by their recorded reason. */
export function formatReasons(byReason: Record<string, number>): string {
  const entries = Object.entries(byReason).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? 'none' : entries.map(([reason, n]) => `${reason} ${n}`).join(', ');
}

/** The results as a fixed-width table, then per scenario its checks, targets, missing slots and api_logs. */
export function formatResults(results: ScenarioResult[], maxSequence = 400): string {
  const header = [
    'scenario',
    'interval s',
    'grid',
    'stored',
    'missing',
    'unexplained',
    'availability',
    'recovery p50/max s',
    'dup',
    'outside slot',
    'false gaps',
    'checks',
    'targets met',
    'seconds',
    'result',
  ];
  const rows = results.map((r) => [
    r.scenario,
    r.intervalMs !== null ? String(r.intervalMs / 1000) : r.grid > 0 ? 'mixed' : '-',
    String(r.grid),
    String(r.stored),
    String(r.missing),
    String(r.unexplained),
    percent(r.availability),
    r.faults.length > 0 ? `${seconds(r.recoveryP50Ms)}/${seconds(r.recoveryMaxMs)}` : '-',
    String(r.duplicated),
    String(r.outsideOwnSlot),
    String(r.falseGaps),
    `${r.checks.filter((c) => c.ok).length}/${r.checks.length}`,
    `${r.targets.filter((t) => t.met).length}/${r.targets.length}`,
    String(r.seconds),
    r.passed ? 'passed' : 'FAILED',
  ]);
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  const table = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  const details = results.flatMap((r) => {
    const sequence = r.apiLogs.length > maxSequence ? `${r.apiLogs.slice(0, maxSequence)} …` : r.apiLogs;
    return [
      '',
      `${r.scenario}: ${r.passed ? 'passed' : 'FAILED'}`,
      ...r.checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.what}${c.detail ? ` (${c.detail})` : ''}`),
      ...r.targets.map((t) => `  ${t.met ? 'met   ' : 'MISSED'} target: ${t.target} (${t.detail})`),
      ...(r.missing > 0 ? [`  missing slots by reason: ${formatReasons(r.missingByReason)}`] : []),
      ...(sequence ? [`  api_logs: ${sequence}`] : []),
    ];
  });
  return [...table, ...details].join('\n');
}
