import type { AlertRule } from './types';

/** Underlyings the rules name: the cycle reports figures for these only, so history payloads stay small. */
export function watchedUnderlyings(rules: AlertRule[]): string[] {
  const symbols = new Set<string>();
  for (const rule of rules) if ('underlying' in rule && rule.underlying) symbols.add(rule.underlying);
  return [...symbols].sort();
}
