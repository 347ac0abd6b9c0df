import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { AlertRulesError, parseAlertRules } from '../../src/alerts/rules';
import { watchedUnderlyings } from '../../src/alerts/underlyings';
import { ConfigError, loadConfig } from '../../src/config/load';
import { settingsFromConfig } from '../../src/worker/settings';

const problemsOf = (text: string): string[] => {
  try {
    parseAlertRules(text);
    return [];
  } catch (err) {
    if (err instanceof AlertRulesError) return err.problems;
    throw err;
  }
};

const configProblems = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
};

/** The README's example, verbatim in spirit: every kind once. */
const EXAMPLE = JSON.stringify([
  { id: 'delta', kind: 'greek', metric: 'delta', above: 2000, below: -2000 },
  { kind: 'greek', metric: 'vega', underlying: 'AAPL', above: 1500, clearMargin: 100, clearCycles: 5 },
  { kind: 'coverage', below: 0.9 },
  { kind: 'buffer', above: 1000, severity: 'critical' },
  { kind: 'no_cycle', minutes: 5 },
  { kind: 'human_needed', graceMinutes: 10 },
]);

describe('alert rule format', () => {
  it('normalises every kind with its defaults', () => {
    expect(parseAlertRules(EXAMPLE)).toEqual([
      {
        id: 'delta',
        severity: 'warning',
        kind: 'greek',
        metric: 'delta',
        underlying: null,
        above: 2000,
        below: -2000,
        clearMargin: 100,
        clearCycles: 3,
      },
      {
        id: 'vega-AAPL',
        severity: 'warning',
        kind: 'greek',
        metric: 'vega',
        underlying: 'AAPL',
        above: 1500,
        below: null,
        clearMargin: 100,
        clearCycles: 5,
      },
      {
        id: 'coverage',
        severity: 'warning',
        kind: 'coverage',
        metric: 'coverage',
        underlying: null,
        above: null,
        below: 0.9,
        clearMargin: expect.closeTo(0.045, 10),
        clearCycles: 3,
      },
      {
        id: 'buffer',
        severity: 'critical',
        kind: 'buffer',
        metric: 'bufferedRows',
        underlying: null,
        above: 1000,
        below: null,
        clearMargin: 50,
        clearCycles: 3,
      },
      { id: 'no-cycle', severity: 'critical', kind: 'no_cycle', minutes: 5 },
      { id: 'human-needed', severity: 'critical', kind: 'human_needed', graceMinutes: 10 },
    ]);
  });

  it('asks the cycle only for the per-underlying figures some rule reads', () => {
    const rules = parseAlertRules(
      JSON.stringify([
        ...JSON.parse(EXAMPLE),
        { kind: 'coverage', below: 0.5, underlying: 'AAPL' },
        { id: 'aapl-vega-2', kind: 'greek', metric: 'vega', underlying: 'AAPL', below: -10 },
        { kind: 'greek', metric: 'delta', underlying: 'es', above: 10 },
      ]),
    );
    expect(watchedUnderlyings(rules)).toEqual({ AAPL: ['vega', 'coverage'], ES: ['delta'] });
    expect(watchedUnderlyings(parseAlertRules('[{"kind":"greek","metric":"delta","above":1}]'))).toEqual({});
  });

  it('reports one line per bad rule, naming it', () => {
    const problems = problemsOf(
      JSON.stringify([
        { id: 'ok', kind: 'greek', metric: 'delta', above: 1 },
        { id: 'typo', kind: 'greek', metric: 'delta', abvoe: 1 },
        { kind: 'greek', metric: 'rho', above: 1 },
        { kind: 'greek', metric: 'gamma' },
        { kind: 'greek', metric: 'theta', above: -5, below: 5 },
        { kind: 'coverage', below: 90 },
        { kind: 'no_cycle', minutes: '5' },
        { kind: 'page-me' },
        { id: 'ok', kind: 'human_needed', graceMinutes: 1 },
        { kind: 'coverage', below: 0.9, sources: ['ib_model', 'guess'] },
        { kind: 'coverage', below: 0.9, sources: ['ib_model'], underlying: 'AAPL' },
      ]),
    );
    expect(problems).toEqual([
      'rule 2 ("typo"): Unrecognized key: "abvoe"',
      'rule 3: metric: must be one of delta, dollarDelta, gamma, vega, theta, betaWeightedDelta',
      'rule 4: a greek rule needs "above", "below" or both',
      'rule 5: "below" must be less than "above"',
      'rule 6: below: must be a ratio in (0, 1], e.g. 0.9',
      'rule 7: minutes: must be a number',
      'rule 8: kind: kind must be one of greek, coverage, buffer, no_cycle, human_needed',
      'rule 9 ("ok"): id "ok" is already used by rule 1; give each rule its own "id"',
      'rule 10: sources.1: must be one of ib_model, ib_quote, ib_calculation, local_model',
      'rule 11: "sources" is an account figure: it cannot be combined with "underlying"',
    ]);
  });

  it('rejects documents that are not a JSON array of rules', () => {
    expect(problemsOf('[{"kind":')).toEqual([expect.stringMatching(/^not valid JSON: /)]);
    expect(problemsOf('{"kind":"buffer","above":1}')).toEqual(['must be a JSON array of rules, e.g. [{"kind": ...}]']);
  });
});

describe('alert configuration', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'alert-rules-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads ALERT_RULES or ALERT_RULES_FILE into the workflow settings', () => {
    const fromEnv = settingsFromConfig(loadConfig({ ALERT_RULES: EXAMPLE }), 'DU1');
    expect(fromEnv.alerts?.rules.map((rule) => rule.id)).toEqual([
      'delta',
      'vega-AAPL',
      'coverage',
      'buffer',
      'no-cycle',
      'human-needed',
    ]);
    const file = join(dir, 'rules.json');
    writeFileSync(file, EXAMPLE);
    expect(settingsFromConfig(loadConfig({ ALERT_RULES_FILE: file }), 'DU1').alerts).toEqual(fromEnv.alerts);
    expect(settingsFromConfig(loadConfig({}), 'DU1').alerts).toBeUndefined();
  });

  it('turns every problem into a config error line without echoing the document', () => {
    expect(configProblems({ ALERT_RULES: '[{"kind":"buffer"},{"kind":"no_cycle","minutes":-1}]' })).toEqual([
      'config error: ALERT_RULES: rule 1: above: must be a number',
      'config error: ALERT_RULES: rule 2: minutes: must be > 0',
    ]);
    const file = join(dir, 'bad.json');
    writeFileSync(file, '[{"kind":"human_needed"}]');
    expect(configProblems({ ALERT_RULES_FILE: file })).toEqual([
      `config error: ALERT_RULES_FILE=${file}: rule 1: graceMinutes: must be a number`,
    ]);
    expect(configProblems({ ALERT_RULES_FILE: join(dir, 'missing.json') })).toEqual([
      `config error: ALERT_RULES_FILE=${join(dir, 'missing.json')} cannot be read (ENOENT)`,
    ]);
    expect(configProblems({ ALERT_RULES: '[]', ALERT_RULES_FILE: file })).toEqual([
      'config error: set ALERT_RULES or ALERT_RULES_FILE, not both',
    ]);
    expect(configProblems({ ALERT_RULES: '[{"kind":"greek","metric":"betaWeightedDelta","above":1}]' })).toEqual([
      'config error: alert rule "betaWeightedDelta" watches betaWeightedDelta but BETA_BENCHMARK is not set',
    ]);
    expect(configProblems({ ALERT_WEBHOOK_URL: 'ftp://example.com/hook' })).toEqual([
      // A webhook's path may be its token: the error shows where the URL points, never its path.
      'config error: ALERT_WEBHOOK_URL="ftp://example.com/***" must be a URL starting with https:// or http://',
    ]);
  });

  it('accepts the examples of the README (as a .env block) and of docs/alerts.md', () => {
    const root = join(__dirname, '..', '..');
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const envBlock = /## Alerts[\s\S]*?```bash\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const fromReadme = loadConfig(parseDotenv(envBlock));
    expect(fromReadme.ALERT_RULES?.map((rule) => rule.kind)).toEqual([
      'greek',
      'greek',
      'coverage',
      'buffer',
      'no_cycle',
      'human_needed',
    ]);
    expect(fromReadme.ALERT_WEBHOOK_URL).toMatch(/^https:\/\//);
    const docs = readFileSync(join(root, 'docs', 'alerts.md'), 'utf8');
    const example = /### Example\s+```json\n([\s\S]*?)```/.exec(docs)?.[1] ?? '';
    expect(configProblems({ ALERT_RULES: example, BETA_BENCHMARK: 'SPY' })).toEqual([]);
    expect(parseAlertRules(example)).toHaveLength(7);
  });

  it('stops the worker at start with exit code 2 and one line per problem', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, '..', '..', 'src', 'worker.ts')], {
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: 'postgres://localhost:1/x',
        ALERT_RULES: '[{"kind":"greek","metric":"delta"}]',
      },
      encoding: 'utf8',
      cwd: join(__dirname, '..', '..'),
      timeout: 60_000,
    });
    expect({ status: result.status, stderr: result.stderr.trim().split('\n') }).toEqual({
      status: 2,
      stderr: ['config error: ALERT_RULES: rule 1: a greek rule needs "above", "below" or both'],
    });
  });
});
