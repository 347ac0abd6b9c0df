import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadConfig } from '../../src/config/load';
import { PROJECT_ROOT } from '../../src/infra/temporalServer';
import { activeResetWindow, nextResetWindow, type ResetWindowSettings } from '../../src/schedule/resetWindow';
import { MAIN_ACCOUNT } from '../../src/sim/model';
import { settingsFromConfig } from '../../src/worker/settings';
import { DEFAULT_SETTINGS } from '../../src/workflows/types';
import { fastSettings } from '../../harness/fastSettings';
import { resetEnvAwayFrom } from '../../harness/resetWindow';

/**
 * The stack tests run the bridge on its normal schedule. The one thing in that schedule that depends on the wall
 * clock is where the nightly reset window lies relative to now: inside it the workflow writes no rows, and a test
 * that waits for rows fails (the worker entry test did, 04:45-05:00 UTC in winter). Running whole stacks with the
 * Temporal server's clock moved is not possible here, so this check does what decides the outcome: it places the
 * clock inside the default window and asks the workflow's own window arithmetic whether the settings every stack
 * test starts the bridge with would meet a reset during the test. The second part makes sure every place in the
 * suites that starts a bridge takes its settings from those helpers.
 */
const HOUR = 3_600_000;
/** Far longer than any stack test runs, short of the 11 h 45 min the helper guarantees. */
const TEST_SPAN_MS = 11 * HOUR;

/** Clocks inside the default window (23:45-00:00 America/New_York): winter, summer, its first and last ms, DST eve. */
const INSIDE_DEFAULT_WINDOW = [
  '2026-12-03T04:45:00.000Z',
  '2026-12-03T04:52:30.000Z',
  '2026-12-03T04:59:59.999Z',
  '2026-07-01T03:50:00.000Z',
  '2026-03-08T04:50:00.000Z',
  '2026-11-01T03:58:00.000Z',
].map((iso) => Date.parse(iso));

/** Every way the suites start a bridge, as the reset settings it gets when started at the current Date.now(). */
const startsOfTheSuite: Array<[string, () => ResetWindowSettings]> = [
  ['a BridgeStack, the failover, alert and UI tests and the fault suite (fastSettings)', () => fastSettings().reset],
  [
    'the worker entry command, npm start and bridge start (environment through settingsFromConfig)',
    () => settingsFromConfig(loadConfig({ ...resetEnvAwayFrom() }), MAIN_ACCOUNT).reset,
  ],
];

/** True when some instant of [at - span, at + span] lies in a reset window. */
function meetsAReset(reset: ResetWindowSettings, at: number, span: number): boolean {
  return activeResetWindow(at - span, reset) !== null || nextResetWindow(at - span, reset).start <= at + span;
}

describe('stack tests do not depend on the time of day', () => {
  afterEach(() => jest.restoreAllMocks());

  it.each(INSIDE_DEFAULT_WINDOW.map((at) => [new Date(at).toISOString(), at]))(
    'with the clock at %s, inside the default reset window, no stack test meets a reset',
    (_iso, now) => {
      // The clock is where it used to break the tests: the default schedule is resetting right now.
      expect(activeResetWindow(now, DEFAULT_SETTINGS.reset)).not.toBeNull();
      expect(activeResetWindow(now, settingsFromConfig(loadConfig({}), MAIN_ACCOUNT).reset)).not.toBeNull();

      jest.spyOn(Date, 'now').mockReturnValue(now);
      for (const [name, settingsAtNow] of startsOfTheSuite) {
        const reset = settingsAtNow();
        expect({ name, meetsAReset: meetsAReset(reset, now, TEST_SPAN_MS) }).toEqual({ name, meetsAReset: false });
        // Still the default window's length: only its position moved.
        expect(reset.durationMs).toBe(DEFAULT_SETTINGS.reset.durationMs);
      }
    },
  );

  it('every test that starts a bridge takes its reset window from the helpers', () => {
    const starts = [
      /workflow\.start(<[^>]*>)?\(\s*'ibkrBridge'/, // a workflow started with the Temporal client
      /\bstartBridge\(/, // the CLI's start function
      /'launcher',\s*'main\.ts'|launcher\/main/, // npm start
      /\[\s*'start'/, // bridge start
    ];
    const helpers = /\b(fastSettings|resetWindowAwayFrom|resetEnvAwayFrom)\b/;
    const files = ['test', 'faults', 'harness'].flatMap((dir) => typeScriptFiles(join(PROJECT_ROOT, dir)));
    const starting = files.filter((file) => starts.some((pattern) => pattern.test(readFileSync(file, 'utf8'))));
    const unguarded = starting.filter((file) => !helpers.test(readFileSync(file, 'utf8')));
    expect(starting.length).toBeGreaterThanOrEqual(6);
    expect(unguarded.map((file) => relative(PROJECT_ROOT, file))).toEqual([]);
  });
});

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return typeScriptFiles(path);
    return entry.name.endsWith('.ts') && path !== __filename ? [path] : [];
  });
}
