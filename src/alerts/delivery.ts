import type { ApiMode } from '../broker/types';
import { apiLogRow } from '../db/apiLogEvents';
import type { ApiLogRow } from '../db/types';
import type { AlertTransition } from './types';

/**
 * What leaves the bridge for one alert transition: an api_logs row and, when configured, a webhook message.
 * Built from the transition alone, which holds no secret; the webhook URL (which may carry a token) is never
 * written anywhere, not even into error messages.
 */

export interface AlertDelivery {
  workflowId: string;
  account: string;
  transition: AlertTransition;
}

/** Same for every attempt and every run: the receiver's and api_logs' idempotency key. */
const deliveryKey = (delivery: AlertDelivery) => `${delivery.workflowId}:alert:${delivery.transition.id}`;

export function alertLogRow(delivery: AlertDelivery, mode: ApiMode): ApiLogRow {
  const { transition } = delivery;
  return apiLogRow(transition.status === 'firing' ? 'alert_fired' : 'alert_resolved', {
    key: deliveryKey(delivery),
    at: transition.at,
    account: delivery.account,
    mode,
    message: `${transition.ruleId}: ${transition.message}`,
    details: {
      rule: transition.ruleId,
      kind: transition.kind,
      severity: transition.severity,
      value: transition.value,
      threshold: transition.threshold,
      firingSince: new Date(transition.firingSince).toISOString(),
      workflowId: delivery.workflowId,
    },
  });
}

export interface AlertWebhookBody {
  id: string;
  source: 'ibkr-greeks-bridge';
  account: string;
  workflowId: string;
  rule: string;
  kind: AlertTransition['kind'];
  severity: AlertTransition['severity'];
  status: AlertTransition['status'];
  at: string;
  firingSince: string;
  value: number | null;
  threshold: number | null;
  message: string;
}

export function webhookBody(delivery: AlertDelivery): AlertWebhookBody {
  const { transition } = delivery;
  return {
    id: deliveryKey(delivery),
    source: 'ibkr-greeks-bridge',
    account: delivery.account,
    workflowId: delivery.workflowId,
    rule: transition.ruleId,
    kind: transition.kind,
    severity: transition.severity,
    status: transition.status,
    at: new Date(transition.at).toISOString(),
    firingSince: new Date(transition.firingSince).toISOString(),
    value: transition.value,
    threshold: transition.threshold,
    message: transition.message,
  };
}

export class WebhookError extends Error {
  constructor(
    message: string,
    /** false for answers that repeating cannot change (400, 401, 404 ...). */
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'WebhookError';
  }
}

/** Answers worth repeating the same message for; other 4xx mean the receiver will never take it. */
const RETRYABLE_CLIENT_STATUSES = new Set([408, 409, 425, 429]);

export interface WebhookOptions {
  url: string;
  timeoutMs: number;
}

/** POSTs the message once; resolves on 2xx, throws WebhookError otherwise. */
export async function postAlertWebhook(
  options: WebhookOptions,
  body: AlertWebhookBody,
  attempt: number,
): Promise<number> {
  let response: Response;
  try {
    response = await fetch(options.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': body.id,
        'user-agent': 'ibkr-greeks-bridge',
        'x-bridge-delivery-attempt': String(attempt),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs),
      redirect: 'error',
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    const reason =
      (err as Error).name === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : (cause ?? 'failed');
    throw new WebhookError(`alert webhook request ${reason}`, true);
  }
  await response.arrayBuffer().catch(() => undefined);
  if (response.ok) return response.status;
  const retryable = response.status >= 500 || RETRYABLE_CLIENT_STATUSES.has(response.status);
  throw new WebhookError(`alert webhook answered ${response.status}`, retryable);
}
