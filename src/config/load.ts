import { readFileSync } from 'node:fs';
import { AlertRulesError, parseAlertRules } from '../alerts/rules';
import { redactText } from '../secrets/redact';
import { caFileProblem, fallbackDirProblem } from './fileChecks';
import { configSchema, DOCUMENT_SETTINGS, type BridgeConfig } from './schema';
import { shownValue } from './shownValue';
import { resolveTemporalConnection, TemporalSettingsError } from '../temporal/connectionSettings';

export class ConfigError extends Error {
  readonly problems: string[];

  /** Every line is redacted once more here, so a problem that quotes a document or path cannot leak a secret. */
  constructor(problems: string[]) {
    const shown = problems.map(redactText);
    super(shown.join('; '));
    this.problems = shown;
    this.name = 'ConfigError';
  }
}

/** Exit code for configuration errors, so supervisors can tell them from crashes. */
export const CONFIG_EXIT_CODE = 2;

/**
 * Validates the environment. Empty strings count as unset, so a blank line in .env falls back to the default.
 * Throws ConfigError with one line per problem.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): BridgeConfig {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') raw[key] = value.trim();
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    // One line per setting: the first thing wrong with it is enough to fix it.
    const byKey = new Map<string, string>();
    const documentProblems: string[] = [];
    for (const issue of parsed.error.issues) {
      const key = issue.path.join('.');
      if (DOCUMENT_SETTINGS.has(key)) documentProblems.push(`config error: ${key}: ${issue.message}`);
      else if (!byKey.has(key)) {
        byKey.set(key, `config error: ${key}=${JSON.stringify(shownValue(key, raw[key] ?? ''))} ${issue.message}`);
      }
    }
    throw new ConfigError([...byKey.values(), ...documentProblems]);
  }
  const config: BridgeConfig = parsed.data;
  const problems: string[] = [];
  if (config.IB_PORTAL_CA_FILE) {
    const problem = caFileProblem(config.IB_PORTAL_CA_FILE);
    if (problem) problems.push(problem);
    if (config.IB_PORTAL_INSECURE_TLS) {
      problems.push(
        'config error: IB_PORTAL_INSECURE_TLS=true switches off the certificate check that IB_PORTAL_CA_FILE asks for: set one of them',
      );
    }
  }
  if (config.BETAS && !config.BETA_BENCHMARK) {
    problems.push('config error: BETAS is set but BETA_BENCHMARK is not: name the benchmark, e.g. SPY');
  }
  problems.push(...loadAlertRulesFile(config));
  for (const rule of config.ALERT_RULES ?? []) {
    if (rule.kind === 'greek' && rule.metric === 'betaWeightedDelta' && !config.BETA_BENCHMARK) {
      problems.push(`config error: alert rule "${rule.id}" watches betaWeightedDelta but BETA_BENCHMARK is not set`);
    }
  }
  const fallbackProblem = fallbackDirProblem(config.FALLBACK_DIR);
  if (fallbackProblem) problems.push(fallbackProblem);
  try {
    // The profile file may name the address and namespace; the environment still wins, as in the temporal CLI.
    const temporal = resolveTemporalConnection(env);
    config.temporalConnection = temporal;
    config.TEMPORAL_ADDRESS = temporal.address;
    config.TEMPORAL_NAMESPACE = temporal.namespace;
  } catch (err) {
    if (!(err instanceof TemporalSettingsError)) throw err;
    problems.push(...err.problems);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** ALERT_RULES_FILE: the same JSON as ALERT_RULES, from a file; fills config.ALERT_RULES. Returns the problems. */
function loadAlertRulesFile(config: BridgeConfig): string[] {
  const file = config.ALERT_RULES_FILE;
  if (!file) return [];
  if (config.ALERT_RULES) return ['config error: set ALERT_RULES or ALERT_RULES_FILE, not both'];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return [
      `config error: ALERT_RULES_FILE=${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    ];
  }
  try {
    config.ALERT_RULES = parseAlertRules(text);
    return [];
  } catch (err) {
    if (!(err instanceof AlertRulesError)) throw err;
    return err.problems.map((problem) => `config error: ALERT_RULES_FILE=${file}: ${problem}`);
  }
}

/** For entry points: validated config, or each problem on its own line and exit code 2. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): BridgeConfig {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const line of err.problems) process.stderr.write(`${line}\n`);
      process.exit(CONFIG_EXIT_CODE);
    }
    throw err;
  }
}
