import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { ControlAction, controlSchemas, HTTP_ACTIONS } from './control';
import { TwsSimulator } from './server';

export interface ControlServer {
  readonly port: number;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > MAX_BODY) {
        reject(new Error('request body too large'));
        request.destroy();
      }
    });
    request.on('end', () => resolve(body));
    request.on('error', reject);
  });
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/**
 * HTTP control endpoint for standalone runs, on 127.0.0.1 only:
 * - GET  /status                 → port, counters, sessions, lines in use, settings, process CPU
 * - GET  /greeks/<conId>         → what the last model computation tick carried for that option
 * - POST /control/<action>       → runs sim.control[action](JSON body); long actions (outages, resets) reply at once
 */
export async function startControlServer(sim: TwsSimulator, port = 0): Promise<ControlServer> {
  const server = createServer((request, response) => {
    void handle(request, response).catch((error: Error) => reply(response, 400, { error: error.message }));
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (request.method === 'GET' && url.pathname === '/status') {
      return reply(response, 200, {
        port: sim.port,
        counters: sim.counters(),
        sessions: sim.sessions(),
        linesInUse: sim.linesInUse(),
        settings: sim.settings,
        cpuUsageMicros: process.cpuUsage(),
        uptimeSeconds: process.uptime(),
      });
    }
    const greeks = /^\/greeks\/(\d+)$/.exec(url.pathname);
    if (request.method === 'GET' && greeks) {
      const sent = sim.lastSentGreeks(Number(greeks[1]));
      return sent
        ? reply(response, 200, sent)
        : reply(response, 404, { error: `no Greeks sent for conId ${greeks[1]}` });
    }
    const action = /^\/control\/([A-Za-z]+)$/.exec(url.pathname)?.[1] as ControlAction | undefined;
    if (request.method === 'POST' && action) {
      if (!HTTP_ACTIONS.includes(action) || !(action in controlSchemas)) {
        return reply(response, 404, { error: `unknown control action ${action}; known: ${HTTP_ACTIONS.join(', ')}` });
      }
      const text = await readBody(request);
      let body: unknown = {};
      if (text.trim()) {
        try {
          body = JSON.parse(text);
        } catch {
          return reply(response, 400, { error: 'request body is not valid JSON' });
        }
      }
      const run = (sim.control[action] as (args: unknown) => unknown).bind(sim.control);
      const result = run(body);
      // Faults that last (outage, reset, farm sequences) keep running after the reply.
      if (result instanceof Promise) result.catch(() => undefined);
      return reply(response, 200, {
        ok: true,
        action,
        result: result instanceof Promise ? 'started' : (result ?? null),
      });
    }
    reply(response, 404, { error: 'not found: use GET /status, GET /greeks/<conId> or POST /control/<action>' });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
