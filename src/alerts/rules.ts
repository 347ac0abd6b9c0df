import { z } from 'zod';
import { GREEKS_SOURCES } from '../greeks/sources';
import { GREEK_METRICS, type AlertRule, type AlertSeverity, type ThresholdRule } from './types';

/**
 * The rule format (ALERT_RULES or ALERT_RULES_FILE): a JSON array of rules. Parsed once at start; every problem
 * becomes one line naming the rule, so a bad configuration stops the worker before any cycle runs.
 */

/** Rules travel in the workflow input on every continue-as-new: keep the list short. */
const MAX_RULES = 50;
/** Default hysteresis: resolve only once the value is back inside the band by this share of the threshold... */
const DEFAULT_MARGIN_SHARE = 0.05;
/** ...for this many consecutive cycles. */
const DEFAULT_CLEAR_CYCLES = 3;

export class AlertRulesError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'AlertRulesError';
  }
}

const finite = z.number({ message: 'must be a number' }).refine(Number.isFinite, 'must be a finite number');
const positive = finite.refine((value) => value > 0, 'must be > 0');
const ruleId = z
  .string({ message: 'must be a string' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be 1-64 letters, digits, "_", "." or "-"');
const symbol = z
  .string({ message: 'must be a string' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ./-]{0,19}$/, 'must be an underlying symbol such as AAPL')
  .transform((value) => value.toUpperCase());
const common = {
  id: ruleId.optional(),
  severity: z.enum(['warning', 'critical'], { message: 'must be warning or critical' }).optional(),
};
const hysteresis = {
  clearMargin: finite.refine((value) => value >= 0, 'must be >= 0').optional(),
  clearCycles: z.number({ message: 'must be a number' }).int('must be an integer').min(1).max(1000).optional(),
};

const ruleSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({
      ...common,
      ...hysteresis,
      kind: z.literal('greek'),
      metric: z.enum(GREEK_METRICS, { message: `must be one of ${GREEK_METRICS.join(', ')}` }),
      underlying: symbol.optional(),
      above: finite.optional(),
      below: finite.optional(),
    }),
    z.strictObject({
      ...common,
      ...hysteresis,
      kind: z.literal('coverage'),
      underlying: symbol.optional(),
      below: finite.refine((value) => value > 0 && value <= 1, 'must be a ratio in (0, 1], e.g. 0.9'),
      sources: z
        .array(z.enum(GREEKS_SOURCES, { message: `must be one of ${GREEKS_SOURCES.join(', ')}` }), {
          message: 'must be a list of sources, e.g. ["ib_model"]',
        })
        .min(1, 'must name at least one source')
        .optional(),
    }),
    z.strictObject({
      ...common,
      ...hysteresis,
      kind: z.literal('buffer'),
      above: z.number({ message: 'must be a number' }).int('must be a whole number of rows').min(0, 'must be >= 0'),
    }),
    z.strictObject({ ...common, kind: z.literal('no_cycle'), minutes: positive }),
    z.strictObject({ ...common, kind: z.literal('human_needed'), graceMinutes: positive }),
  ],
  { message: 'kind must be one of greek, coverage, buffer, no_cycle, human_needed' },
);

type RuleInput = z.output<typeof ruleSchema>;

function defaultId(input: RuleInput): string {
  let suffix = 'underlying' in input && input.underlying ? `-${input.underlying}` : '';
  if ('sources' in input && input.sources) suffix += `-${input.sources.join('-')}`;
  if (input.kind === 'greek') return `${input.metric}${suffix}`;
  return `${input.kind.replace('_', '-')}${suffix}`;
}

function thresholdRule(
  input: Extract<RuleInput, { kind: 'greek' | 'coverage' | 'buffer' }>,
  id: string,
  severity: AlertSeverity,
): ThresholdRule {
  const above = 'above' in input ? (input.above ?? null) : null;
  const below = 'below' in input ? (input.below ?? null) : null;
  const scale = Math.max(Math.abs(above ?? 0), Math.abs(below ?? 0));
  return {
    id,
    severity,
    kind: input.kind,
    metric: input.kind === 'greek' ? input.metric : input.kind === 'coverage' ? 'coverage' : 'bufferedRows',
    underlying: 'underlying' in input ? (input.underlying ?? null) : null,
    above,
    below,
    clearMargin: input.clearMargin ?? scale * DEFAULT_MARGIN_SHARE,
    clearCycles: input.clearCycles ?? DEFAULT_CLEAR_CYCLES,
    ...('sources' in input && input.sources ? { sources: [...new Set(input.sources)] } : {}),
  };
}

function normalise(input: RuleInput): AlertRule {
  const id = input.id ?? defaultId(input);
  const statusRule = input.kind === 'no_cycle' || input.kind === 'human_needed';
  const severity = input.severity ?? (statusRule ? 'critical' : 'warning');
  if (input.kind === 'no_cycle') return { id, severity, kind: 'no_cycle', minutes: input.minutes };
  if (input.kind === 'human_needed') return { id, severity, kind: 'human_needed', graceMinutes: input.graceMinutes };
  return thresholdRule(input, id, severity);
}

/** Problems zod cannot see: bounds that make sense together. */
function crossCheck(rule: AlertRule): string | null {
  if (rule.kind === 'coverage' && rule.sources && rule.underlying !== null) {
    return '"sources" is an account figure: it cannot be combined with "underlying"';
  }
  if (rule.kind !== 'greek') return null;
  if (rule.above === null && rule.below === null) return 'a greek rule needs "above", "below" or both';
  if (rule.above !== null && rule.below !== null && rule.below >= rule.above)
    return '"below" must be less than "above"';
  if (rule.above !== null && rule.below !== null && 2 * rule.clearMargin >= rule.above - rule.below) {
    return '"clearMargin" leaves no room to resolve: it must be less than half of above - below';
  }
  return null;
}

function describeRule(index: number, raw: unknown): string {
  const id = raw && typeof raw === 'object' && 'id' in raw ? (raw as { id: unknown }).id : undefined;
  return `rule ${index + 1}${typeof id === 'string' ? ` ("${id}")` : ''}`;
}

/** Parses the JSON text of the rules; throws AlertRulesError with one line per problem. */
export function parseAlertRules(text: string): AlertRule[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    throw new AlertRulesError([`not valid JSON: ${(err as Error).message}`]);
  }
  if (!Array.isArray(document)) throw new AlertRulesError(['must be a JSON array of rules, e.g. [{"kind": ...}]']);
  if (document.length > MAX_RULES) throw new AlertRulesError([`at most ${MAX_RULES} rules, got ${document.length}`]);

  const problems: string[] = [];
  const rules: AlertRule[] = [];
  const seen = new Map<string, number>();
  document.forEach((raw, index) => {
    const parsed = ruleSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
      problems.push(`${describeRule(index, raw)}: ${where}${issue.message}`);
      return;
    }
    const rule = normalise(parsed.data);
    const problem = crossCheck(rule);
    if (problem) problems.push(`${describeRule(index, raw)}: ${problem}`);
    else if (seen.has(rule.id)) {
      problems.push(
        `${describeRule(index, raw)}: id "${rule.id}" is already used by rule ${(seen.get(rule.id) as number) + 1}; give each rule its own "id"`,
      );
    } else {
      seen.set(rule.id, index);
      rules.push(rule);
    }
  });
  if (problems.length > 0) throw new AlertRulesError(problems);
  return rules;
}
