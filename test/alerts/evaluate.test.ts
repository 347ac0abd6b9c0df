import { evaluateAlerts, excuseAlertsUntil, initialAlertsState, nextClockCheckAt } from '../../src/alerts/evaluate';
import { parseAlertRules } from '../../src/alerts/rules';
import type { AlertObservation, AlertRule, AlertsState, AlertTransition, RiskFigures } from '../../src/alerts/types';

const T0 = Date.UTC(2026, 2, 4, 15, 0, 0); // a Wednesday
const MINUTE = 60_000;

const figures = (overrides: Partial<RiskFigures> = {}): RiskFigures => ({
  delta: 0,
  dollarDelta: 0,
  gamma: 0,
  vega: 0,
  theta: 0,
  betaWeightedDelta: null,
  coverage: 1,
  ...overrides,
});

const cycle = (at: number, overrides: Partial<AlertObservation> = {}): AlertObservation => ({
  at,
  figures: figures(),
  underlyings: null,
  gateway: 'up',
  bufferedRows: 0,
  lastOkAt: at,
  ...overrides,
});

/** Feeds observations in order, as the workflow does after each cycle; returns every transition and the end state. */
function run(rules: AlertRule[], observations: AlertObservation[], start: AlertsState = initialAlertsState(T0)) {
  let state = start;
  const transitions: AlertTransition[] = [];
  for (const observation of observations) {
    const result = evaluateAlerts(rules, state, observation);
    state = result.state;
    transitions.push(...result.transitions);
  }
  return { state, transitions };
}

const deltaSeries = (values: number[], underlying?: string) =>
  values.map((delta, i) =>
    underlying
      ? cycle(T0 + i * 5000, { underlyings: { [underlying]: figures({ delta }) } })
      : cycle(T0 + i * 5000, { figures: figures({ delta }) }),
  );

describe('threshold rules with hysteresis', () => {
  const [rule] = parseAlertRules('[{"id":"delta-high","kind":"greek","metric":"delta","above":500}]');

  it('fires once at the crossing and stays firing while the value hovers at the threshold', () => {
    const { transitions, state } = run([rule], deltaSeries([100, 480, 501, 499, 503, 498, 500.5, 490]));
    expect(transitions.map((t) => [t.status, t.value])).toEqual([['firing', 501]]);
    expect(transitions[0]).toMatchObject({ ruleId: 'delta-high', threshold: 500, severity: 'warning', kind: 'greek' });
    expect(transitions[0].message).toBe('net delta 501 above 500');
    expect(state.rules['delta-high']).toMatchObject({ firing: true, since: T0 + 2 * 5000 });
  });

  it('resolves once, only after the default margin (5 %) holds for three consecutive cycles', () => {
    // 474 is inside the band but not by the margin (≤ 475 needed); 470 twice then a relapse to 476 restarts the count.
    const values = [501, 476, 470, 470, 476, 470, 470, 470, 100, 100];
    const { transitions } = run([rule], deltaSeries(values));
    expect(transitions.map((t) => `${t.status}@${(t.at - T0) / 5000}`)).toEqual(['firing@0', 'resolved@7']);
    expect(transitions[1]).toMatchObject({ firingSince: T0, value: 470 });
    expect(transitions[1].message).toContain('back to 470');
  });

  it('honours an explicit margin and clear count, and a band with both bounds', () => {
    const [band] = parseAlertRules(
      '[{"kind":"greek","metric":"vega","above":1000,"below":-1000,"clearMargin":100,"clearCycles":1}]',
    );
    const observations = [-900, -1001, -950, -899, 950, 1001, 899].map((vega, i) =>
      cycle(T0 + i * 5000, { figures: figures({ vega }) }),
    );
    const { transitions } = run([band], observations);
    expect(transitions.map((t) => [t.status, t.value, t.threshold])).toEqual([
      ['firing', -1001, -1000],
      ['resolved', -899, -1000],
      ['firing', 1001, 1000],
      ['resolved', 899, 1000],
    ]);
    expect(transitions[0].message).toBe('net vega -1,001 below -1,000');
  });

  it('reads per-underlying figures, and a cycle without a value neither fires nor resolves', () => {
    const [aapl] = parseAlertRules(
      '[{"kind":"greek","metric":"delta","underlying":"aapl","above":1000,"clearCycles":1}]',
    );
    expect(aapl).toMatchObject({ id: 'delta-AAPL', underlying: 'AAPL' });
    const observations = [
      ...deltaSeries([5000]),
      ...deltaSeries([2000], 'AAPL'),
      cycle(T0 + 10_000, { figures: null, underlyings: null, gateway: 'down' }),
      cycle(T0 + 15_000, { underlyings: { AAPL: figures({ delta: 0 }) } }),
    ];
    const { transitions } = run([aapl], observations);
    expect(transitions.map((t) => [t.status, t.value])).toEqual([
      ['firing', 2000],
      ['resolved', 0],
    ]);
    expect(transitions[0].message).toBe('AAPL net delta 2,000 above 1,000');
  });

  it('covers coverage floors and the fallback buffer with the same machinery', () => {
    const rules = parseAlertRules('[{"kind":"coverage","below":0.9},{"kind":"buffer","above":100,"clearCycles":1}]');
    const { transitions } = run(rules, [
      cycle(T0, { figures: figures({ coverage: 0.95 }), bufferedRows: 0 }),
      cycle(T0 + 5000, { figures: figures({ coverage: 0.75 }), bufferedRows: 150 }),
      cycle(T0 + 10_000, { figures: figures({ coverage: 0.76 }), bufferedRows: 20 }),
    ]);
    expect(transitions.map((t) => `${t.ruleId} ${t.status}: ${t.message}`)).toEqual([
      'coverage firing: Greeks coverage 75.0 % below 90.0 %',
      'buffer firing: fallback buffer 150 rows above 100 rows',
      'buffer resolved: fallback buffer back to 20 rows (≤ 95 rows for 1 cycle(s))',
    ]);
  });

  it('watches coverage by source: the share of options whose Greeks came from the named sources', () => {
    const rules = parseAlertRules(
      '[{"kind":"coverage","below":0.8,"sources":["ib_model","ib_quote"],"clearCycles":1}]',
    );
    expect(rules[0]).toMatchObject({ id: 'coverage-ib_model-ib_quote', sources: ['ib_model', 'ib_quote'] });
    const account = (ibModel: number, ibQuote: number, localModel: number) =>
      figures({
        coverage: 1,
        optionCount: 10,
        coveredBySource: { ib_model: ibModel, ib_quote: ibQuote, local_model: localModel },
      } as Partial<RiskFigures>);
    const { transitions } = run(rules, [
      cycle(T0, { figures: account(8, 1, 1) }),
      // Every option still covered, but 5 of 10 only by the local model: IB's own share is 50 %.
      cycle(T0 + 5000, { figures: account(4, 1, 5) }),
      cycle(T0 + 10_000, { figures: account(9, 0, 1) }),
      // A history from before the sources were recorded gives no value: nothing to judge.
      cycle(T0 + 15_000, { figures: figures({ coverage: 0.1 }) }),
    ]);
    expect(transitions.map((t) => `${t.ruleId} ${t.status}`)).toEqual([
      'coverage-ib_model-ib_quote firing',
      'coverage-ib_model-ib_quote resolved',
    ]);
    expect(transitions[0].value).toBeCloseTo(0.5, 12);
    expect(transitions[0].message).toBe('Greeks coverage by ib_model, ib_quote 50.0 % below 80.0 %');
  });

  it('survives a JSON round trip (continue-as-new) mid-resolution, and drops the state of a rule no longer configured', () => {
    const first = run([rule], deltaSeries([600, 400, 400]));
    const carried = JSON.parse(JSON.stringify(first.state)) as AlertsState;
    const second = run([rule], [cycle(T0 + 15_000, { figures: figures({ delta: 400 }) })], carried);
    expect(second.transitions.map((t) => t.status)).toEqual(['resolved']);
    expect(run([], [cycle(T0 + 20_000)], carried).state.rules).toEqual({});
  });

  it('is pure: the input state is left untouched', () => {
    const state = initialAlertsState(T0);
    const snapshot = JSON.stringify(state);
    evaluateAlerts([rule], state, cycle(T0, { figures: figures({ delta: 9999 }) }));
    expect(JSON.stringify(state)).toBe(snapshot);
  });
});

describe('no successful cycle for N minutes', () => {
  const rules = parseAlertRules('[{"kind":"no_cycle","minutes":5}]');

  it('fires N minutes after the last row reached Postgres and resolves on the next one', () => {
    const lastOkAt = T0;
    const failing = [1, 3, 4.9, 5, 6].map((m) =>
      cycle(T0 + m * MINUTE, { figures: null, gateway: 'unknown', lastOkAt }),
    );
    const { transitions } = run(rules, [cycle(T0), ...failing, cycle(T0 + 7 * MINUTE)]);
    expect(transitions.map((t) => `${t.status}@${(t.at - T0) / MINUTE}`)).toEqual(['firing@5', 'resolved@7']);
    expect(transitions[0]).toMatchObject({ severity: 'critical', value: 5, threshold: 5 });
    expect(transitions[0].message).toContain(
      'no row reached Postgres for 5 min (limit 5 min; last 2026-03-04T15:00:00Z)',
    );
  });

  it('counts from the start of watching when no cycle ever succeeded, and from the end of a reset window', () => {
    const never = run(rules, [cycle(T0 + 5 * MINUTE, { figures: null, gateway: 'down', lastOkAt: null })]);
    expect(never.transitions.map((t) => t.status)).toEqual(['firing']);

    const excused = excuseAlertsUntil(initialAlertsState(T0), T0 + 15 * MINUTE);
    const afterWindow = run(
      rules,
      [16, 19.9, 20].map((m) => cycle(T0 + m * MINUTE, { figures: null, gateway: 'down', lastOkAt: T0 })),
      excused,
    );
    expect(afterWindow.transitions.map((t) => `${t.status}@${(t.at - T0) / MINUTE}`)).toEqual(['firing@20']);
  });
});

describe('human needed: gateway refusing or unauthenticated beyond the reset window', () => {
  const rules = parseAlertRules('[{"kind":"human_needed","graceMinutes":10}]');
  const down = (m: number) => cycle(T0 + m * MINUTE, { figures: null, gateway: 'down' });
  const up = (m: number) => cycle(T0 + m * MINUTE);

  it('fires after the grace of continuous refusal and resolves when the gateway answers', () => {
    const { transitions } = run(rules, [up(0), down(1), down(5), down(10.9), down(11), down(30), up(31)]);
    expect(transitions.map((t) => `${t.status}@${(t.at - T0) / MINUTE}`)).toEqual(['firing@11', 'resolved@31']);
    expect(transitions[0].message).toMatch(/^human needed: .* for 10 min .*log in to IB Gateway or the Client Portal/);
    expect(transitions[0].message).not.toContain('Sunday');
  });

  it('a short outage that recovers within the grace never fires', () => {
    expect(run(rules, [down(1), down(9), up(10), down(12), down(21), up(21.5)]).transitions).toEqual([]);
  });

  it('does not count the reset window: down through the window and past it, the clock starts at its end', () => {
    const windowStart = T0 + MINUTE;
    const windowEnd = T0 + 16 * MINUTE;
    const inWindow = excuseAlertsUntil(run(rules, [up(0)]).state, windowEnd, { gatewayDownFrom: windowStart });
    // Cycles resume at 16 but the gateway still refuses: 10 minutes after the window's end is 26, not 11.
    const { transitions } = run(rules, [down(16), down(25.9), down(26)], inWindow);
    expect(transitions.map((t) => `${t.status}@${(t.at - T0) / MINUTE}`)).toEqual(['firing@26']);
    // And an ordinary window the gateway comes back from fires nothing.
    expect(run(rules, [down(16), up(17)], inWindow).transitions).toEqual([]);
  });

  it('a failure that says nothing about the gateway (worker gone, Postgres refusing) neither fires nor resolves', () => {
    const firing = run(rules, [down(0), down(10)]);
    expect(firing.transitions).toHaveLength(1);
    const unknown = cycle(T0 + 20 * MINUTE, { figures: null, gateway: 'unknown' });
    expect(run(rules, [unknown], firing.state).transitions).toEqual([]);
    expect(run(rules, [cycle(T0, { figures: null, gateway: 'unknown' }), unknown]).transitions).toEqual([]);
  });

  it('names the weekly re-authentication when the outage began after the Sunday 01:00 ET token expiry', () => {
    const sunday0130Et = Date.UTC(2026, 2, 1, 6, 30); // Sunday 1 March 2026, 01:30 EST
    const { transitions } = run(rules, [
      cycle(sunday0130Et, { figures: null, gateway: 'down' }),
      cycle(sunday0130Et + 10 * MINUTE, { figures: null, gateway: 'down' }),
    ]);
    expect(transitions[0].message).toContain('weekly re-authentication is due');
    const saturday = Date.UTC(2026, 2, 7, 18, 0);
    const plain = run(rules, [
      cycle(saturday, { figures: null, gateway: 'down' }),
      cycle(saturday + 10 * MINUTE, { figures: null, gateway: 'down' }),
    ]);
    expect(plain.transitions[0].message).not.toContain('weekly');
  });
});

describe('nextClockCheckAt: when a wait without cycles must look again', () => {
  const rules = parseAlertRules('[{"kind":"no_cycle","minutes":0.05},{"kind":"human_needed","graceMinutes":0.1}]');

  it('names the instant the first time rule fires, and evaluating then does fire it', () => {
    const windowEnd = T0 + 4000;
    let state = excuseAlertsUntil(run(rules, [cycle(T0)]).state, windowEnd, { gatewayDownFrom: T0 + 1000 });
    const first = nextClockCheckAt(rules, state, T0, 'down') as number;
    expect(first).toBe(windowEnd + 3000); // no_cycle: 0.05 min after the window
    let result = evaluateAlerts(rules, state, cycle(first, { figures: null, gateway: 'down', lastOkAt: T0 }));
    expect(result.transitions.map((t) => t.ruleId)).toEqual(['no-cycle']);
    state = result.state;
    const second = nextClockCheckAt(rules, state, T0, 'down') as number;
    expect(second).toBe(windowEnd + 6000);
    result = evaluateAlerts(rules, state, cycle(second, { figures: null, gateway: 'down', lastOkAt: T0 }));
    expect(result.transitions.map((t) => t.ruleId)).toEqual(['human-needed']);
    expect(nextClockCheckAt(rules, result.state, T0, 'down')).toBeNull();
  });

  it('ignores the gateway rule when the wait says nothing about the gateway, and has nothing to do without time rules', () => {
    const state = excuseAlertsUntil(initialAlertsState(T0), T0, { gatewayDownFrom: T0 });
    expect(nextClockCheckAt([rules[1]], state, T0, 'unknown')).toBeNull();
    expect(nextClockCheckAt(parseAlertRules('[{"kind":"buffer","above":1}]'), state, T0, 'down')).toBeNull();
  });
});
