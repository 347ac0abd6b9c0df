import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AlertWebhookBody } from '../../src/alerts/delivery';

export interface ReceivedRequest {
  key: string | undefined;
  attempt: string | undefined;
  contentType: string | undefined;
  raw: string;
  body: AlertWebhookBody;
  /** What the receiver answered. */
  status: number;
}

export interface WebhookReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Messages answered 2xx, i.e. taken. */
  accepted(): ReceivedRequest[];
  close(): Promise<void>;
}

/**
 * A real HTTP receiver that answers 500 to the first `failFirst` requests of every idempotency key, then 200, the way a
 * receiver that is briefly down would. It records everything it was sent.
 */
export async function startWebhookReceiver(options: { failFirst: number }): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const seen = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const key = req.headers['idempotency-key'] as string | undefined;
      const count = (seen.get(key ?? '') ?? 0) + 1;
      seen.set(key ?? '', count);
      const status = count <= options.failFirst ? 500 : 200;
      requests.push({
        key,
        attempt: req.headers['x-bridge-delivery-attempt'] as string | undefined,
        contentType: req.headers['content-type'],
        raw,
        body: JSON.parse(raw) as AlertWebhookBody,
        status,
      });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'try again');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/bridge`,
    requests,
    accepted: () => requests.filter((request) => request.status === 200),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
