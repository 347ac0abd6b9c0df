import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  alertLogRow,
  postAlertWebhook,
  WebhookError,
  webhookBody,
  type AlertDelivery,
} from '../../src/alerts/delivery';

const delivery: AlertDelivery = {
  workflowId: 'ibkr-bridge-DU1234567',
  account: 'DU1234567',
  transition: {
    id: 'delta:firing:1767225600000',
    ruleId: 'delta',
    kind: 'greek',
    severity: 'warning',
    status: 'firing',
    at: 1767225600000,
    firingSince: 1767225600000,
    value: 2500.5,
    threshold: 2000,
    message: 'net delta 2,500.5 above 2,000',
  },
};

/** A receiver answering each request with the next status of the script (the last one repeats). */
async function scriptedReceiver(statuses: number[], delayMs = 0) {
  const seen: Array<{ headers: Record<string, unknown>; body: string }> = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      seen.push({ headers: req.headers, body });
      const status = statuses[Math.min(seen.length - 1, statuses.length - 1)];
      setTimeout(() => res.writeHead(status).end(), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook?token=s3cret`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { url, seen, close };
}

const failureOf = async (promise: Promise<unknown>): Promise<WebhookError> => {
  try {
    await promise;
  } catch (err) {
    if (err instanceof WebhookError) return err;
    throw err;
  }
  throw new Error('expected a WebhookError');
};

describe('alert delivery', () => {
  it('api_logs row: event per status, key shared with the webhook, details without anything secret', () => {
    expect(alertLogRow(delivery, 'SOCKET')).toEqual({
      key: 'ibkr-bridge-DU1234567:alert:delta:firing:1767225600000',
      at: 1767225600000,
      account: 'DU1234567',
      mode: 'SOCKET',
      event: 'alert_fired',
      code: null,
      message: 'delta: net delta 2,500.5 above 2,000',
      details: {
        rule: 'delta',
        kind: 'greek',
        severity: 'warning',
        value: 2500.5,
        threshold: 2000,
        firingSince: '2026-01-01T00:00:00.000Z',
        workflowId: 'ibkr-bridge-DU1234567',
      },
    });
    const resolved = { ...delivery, transition: { ...delivery.transition, status: 'resolved' as const } };
    expect(alertLogRow(resolved, 'PORTAL').event).toBe('alert_resolved');
    expect(webhookBody(delivery).id).toBe(alertLogRow(delivery, 'SOCKET').key);
  });

  it('POSTs the JSON body with the idempotency key and the attempt number', async () => {
    const receiver = await scriptedReceiver([204]);
    try {
      await expect(postAlertWebhook({ url: receiver.url, timeoutMs: 2000 }, webhookBody(delivery), 3)).resolves.toBe(
        204,
      );
      const [request] = receiver.seen;
      expect(request.headers).toMatchObject({
        'content-type': 'application/json',
        'idempotency-key': 'ibkr-bridge-DU1234567:alert:delta:firing:1767225600000',
        'x-bridge-delivery-attempt': '3',
      });
      expect(JSON.parse(request.body)).toEqual({
        id: 'ibkr-bridge-DU1234567:alert:delta:firing:1767225600000',
        source: 'ibkr-greeks-bridge',
        account: 'DU1234567',
        workflowId: 'ibkr-bridge-DU1234567',
        rule: 'delta',
        kind: 'greek',
        severity: 'warning',
        status: 'firing',
        at: '2026-01-01T00:00:00.000Z',
        firingSince: '2026-01-01T00:00:00.000Z',
        value: 2500.5,
        threshold: 2000,
        message: 'net delta 2,500.5 above 2,000',
      });
    } finally {
      await receiver.close();
    }
  });

  it('server errors, throttling and timeouts are worth retrying; other refusals are not; the URL never leaks', async () => {
    const receiver = await scriptedReceiver([503, 429, 400, 401]);
    const post = (timeoutMs = 2000) => postAlertWebhook({ url: receiver.url, timeoutMs }, webhookBody(delivery), 1);
    try {
      const outcomes = [];
      for (let i = 0; i < 4; i++) outcomes.push(await failureOf(post()));
      expect(outcomes.map((e) => [e.message, e.retryable])).toEqual([
        ['alert webhook answered 503', true],
        ['alert webhook answered 429', true],
        ['alert webhook answered 400', false],
        ['alert webhook answered 401', false],
      ]);
    } finally {
      await receiver.close();
    }
    const slow = await scriptedReceiver([200], 1000);
    try {
      const timeout = await failureOf(postAlertWebhook({ url: slow.url, timeoutMs: 100 }, webhookBody(delivery), 1));
      expect([timeout.message, timeout.retryable]).toEqual(['alert webhook request no answer within 100 ms', true]);
    } finally {
      await slow.close();
    }
    const refused = await failureOf(post());
    expect([refused.message, refused.retryable]).toEqual(['alert webhook request ECONNREFUSED', true]);
    expect(refused.message).not.toContain('s3cret');
  });
});
