import { HistoricalBar } from './protocol/replies';

/**
 * Synthetic history for reqHistoricalData: bars sampled from the model's price path, so a client asking for history
 * at startup gets a plausible, reproducible answer instead of a timeout.
 */

const DURATION_UNIT_MS: Record<string, number> = {
  S: 1000,
  D: 86_400_000,
  W: 7 * 86_400_000,
  M: 30 * 86_400_000,
  Y: 365 * 86_400_000,
};

const BAR_UNIT_MS: Record<string, number> = {
  sec: 1000,
  secs: 1000,
  min: 60_000,
  mins: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  day: 86_400_000,
  days: 86_400_000,
  week: 7 * 86_400_000,
  weeks: 7 * 86_400_000,
  month: 30 * 86_400_000,
  months: 30 * 86_400_000,
};

/** IBKR refuses requests for more bars than this with error 162 ("Time length exceed max"); so does the simulator. */
export const MAX_BARS = 2000;

export interface HistoryRequest {
  endDateTime: string;
  duration: string;
  barSize: string;
  whatToShow: string;
  formatDate: number;
}

export type HistoryResult =
  { ok: true; start: string; end: string; bars: HistoricalBar[] } | { ok: false; code: number; message: string };

function parseDuration(text: string): number | undefined {
  const match = /^(\d+)\s+([SDWMY])$/.exec(text.trim());
  return match ? Number(match[1]) * DURATION_UNIT_MS[match[2]] : undefined;
}

function parseBarSize(text: string): number | undefined {
  const match = /^(\d+)\s+([a-z]+)$/.exec(text.trim());
  if (!match || !(match[2] in BAR_UNIT_MS)) return undefined;
  return Number(match[1]) * BAR_UNIT_MS[match[2]];
}

/** `yyyyMMdd HH:mm:ss[ zone]` or `yyyyMMdd-HH:mm:ss` (read as UTC), or empty for now. */
function parseEnd(text: string, now: number): number | undefined {
  if (text.trim() === '') return now;
  const match = /^(\d{4})(\d{2})(\d{2})[ -](\d{2}):(\d{2}):(\d{2})/.exec(text.trim());
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number);
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

function formatStamp(epochMs: number, formatDate: number, daily: boolean): string {
  if (formatDate === 2 && !daily) return String(Math.floor(epochMs / 1000));
  const iso = new Date(epochMs).toISOString();
  const ymd = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}`;
  return daily ? ymd : `${ymd} ${iso.slice(11, 19)} UTC`;
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

export function historicalBars(request: HistoryRequest, now: number, priceAt: (t: number) => number): HistoryResult {
  if (request.whatToShow.toUpperCase() === 'SCHEDULE') {
    return { ok: false, code: 321, message: 'Error validating request: historical schedules are not simulated' };
  }
  const duration = parseDuration(request.duration);
  if (duration === undefined)
    return {
      ok: false,
      code: 321,
      message: `Error validating request.-'bP' : cause - Historical data query duration ${JSON.stringify(request.duration)} is invalid`,
    };
  const bar = parseBarSize(request.barSize);
  if (bar === undefined)
    return {
      ok: false,
      code: 321,
      message: `Error validating request.-'bP' : cause - Historical data bar size setting ${JSON.stringify(request.barSize)} is invalid`,
    };
  const end = parseEnd(request.endDateTime, now);
  if (end === undefined)
    return {
      ok: false,
      code: 321,
      message: `Error validating request.-'bP' : cause - end date/time ${JSON.stringify(request.endDateTime)} is invalid`,
    };
  const count = Math.max(1, Math.floor(duration / bar));
  if (count > MAX_BARS)
    return { ok: false, code: 162, message: 'Historical Market Data Service error message:Time length exceed max.' };
  const daily = bar >= 86_400_000;
  // The last bar is the one in progress at the end instant.
  const first = Math.floor((end - 1) / bar) * bar - (count - 1) * bar;
  const trades = request.whatToShow.toUpperCase() === 'TRADES';
  const bars: HistoricalBar[] = [];
  for (let i = 0; i < count; i += 1) {
    const start = first + i * bar;
    const open = priceAt(start);
    const middle = priceAt(start + bar / 2);
    const close = priceAt(Math.min(start + bar, end) - 1);
    const high = Math.max(open, middle, close);
    const low = Math.min(open, middle, close);
    bars.push({
      date: formatStamp(start, request.formatDate, daily),
      open: round(open),
      high: round(high),
      low: round(low),
      close: round(close),
      // IBKR reports no volume (-1) for quote-based bars.
      volume: trades ? 100 : -1,
      wap: round((high + low + close) / 3),
      count: trades ? 10 : -1,
    });
  }
  return {
    ok: true,
    start: formatStamp(end - duration, 1, false),
    end: formatStamp(end, 1, false),
    bars,
  };
}
