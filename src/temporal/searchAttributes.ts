import type { Client } from '@temporalio/client';
import { BRIDGE_SEARCH_ATTRIBUTES } from '../infra/temporalServer';

/**
 * Whether the namespace defines the custom search attributes the workflow upserts. An upsert of an attribute the
 * namespace lacks fails every workflow task, so a bridge started without them would never run a cycle. Where the
 * operator cannot run `temporal operator` (Temporal Cloud creates them in its UI or with tcld), the bridge runs
 * without them and says once what to create.
 */
export type SearchAttributeCheck =
  | { kind: 'present' }
  | { kind: 'missing'; names: string[]; howToCreate: string }
  /** The server did not say (e.g. the credentials may not list them): assume present, as before the check. */
  | { kind: 'unknown'; reason: string };

export async function checkSearchAttributes(client: Client, namespace: string): Promise<SearchAttributeCheck> {
  let defined: Set<string>;
  try {
    const response = await client.connection.operatorService.listSearchAttributes({ namespace });
    defined = new Set([
      ...Object.keys(response.customAttributes ?? {}),
      ...Object.keys(response.systemAttributes ?? {}),
    ]);
  } catch (err) {
    return { kind: 'unknown', reason: String((err as Error).message ?? err).split('\n')[0] };
  }
  const missing = Object.entries(BRIDGE_SEARCH_ATTRIBUTES).filter(([name]) => !defined.has(name));
  if (missing.length === 0) return { kind: 'present' };
  return {
    kind: 'missing',
    names: missing.map(([name]) => name),
    howToCreate:
      `temporal operator search-attribute create --namespace ${namespace} ` +
      missing.map(([name, type]) => `--name ${name} --type ${type}`).join(' ') +
      ' (on Temporal Cloud: the namespace page of the Cloud UI, or tcld namespace search-attributes add)',
  };
}

/** One line for the log or the terminal: what the workflow does without them and how to add them. */
export function describeMissingSearchAttributes(check: Extract<SearchAttributeCheck, { kind: 'missing' }>): string {
  return (
    `the namespace lacks the search attributes ${check.names.join(', ')}: the bridge runs without them (its state ` +
    `shows in the workflow's details, not as list columns or filters); to add them: ${check.howToCreate}`
  );
}
