import { createServer, type Server } from 'node:http';
import type { BridgeMetrics } from './metrics';

export interface ReadinessCheck {
  name: string;
  /** null when fine, otherwise why not */
  check(): Promise<string | null> | string | null;
}

export interface HealthServerOptions {
  host: string;
  port: number;
  metrics: BridgeMetrics;
  readiness: ReadinessCheck[];
  /** The Temporal SDK's own Prometheus endpoint, appended to /metrics. */
  sdkMetricsUrl?: string;
}

/** /healthz (process up), /readyz (every dependency answers, last cycle recent), /metrics (Prometheus). */
export function startHealthServer(options: HealthServerOptions): Promise<Server> {
  const server = createServer(async (req, res) => {
    try {
      if (req.url === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      } else if (req.url === '/readyz') {
        const problems: string[] = [];
        for (const probe of options.readiness) {
          const problem = await probe.check();
          if (problem) problems.push(`${probe.name}: ${problem}`);
        }
        res
          .writeHead(problems.length === 0 ? 200 : 503, { 'content-type': 'text/plain' })
          .end(problems.length === 0 ? 'ready\n' : `${problems.join('\n')}\n`);
      } else if (req.url === '/metrics') {
        let body = await options.metrics.registry.metrics();
        if (options.sdkMetricsUrl) {
          body += await fetch(options.sdkMetricsUrl)
            .then((r) => r.text())
            .catch(() => '');
        }
        res.writeHead(200, { 'content-type': options.metrics.registry.contentType }).end(body);
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      }
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`);
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve(server));
  });
}
