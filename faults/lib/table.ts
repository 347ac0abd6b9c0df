import type { ScenarioResult } from './report';

/** The results as a fixed-width table, then per scenario its failed checks and the api_logs sequence. */
export function formatResults(results: ScenarioResult[], maxSequence = 400): string {
  const header = ['scenario', 'expected', 'stored', 'lost', 'duplicated', 'checks', 'seconds', 'result'];
  const rows = results.map((r) => [
    r.scenario,
    String(r.expected),
    String(r.stored),
    String(r.lost),
    String(r.duplicated),
    `${r.checks.filter((c) => c.ok).length}/${r.checks.length}`,
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
      ...(Object.keys(r.skipped).length > 0
        ? [
            `  skipped slots: ${Object.entries(r.skipped)
              .map(([reason, n]) => `${reason} ${n}`)
              .join(', ')}`,
          ]
        : []),
      ...(sequence ? [`  api_logs: ${sequence}`] : []),
    ];
  });
  return [...table, ...details].join('\n');
}
