/**
 * The TWS simulator in its own process for the benchmark, driven over Node IPC: the market-data stream
 * then costs the simulator's CPU and memory, not the measured worker's, as with a real IB Gateway.
 * Messages: { id, type: 'start', portfolio, settings, seed } | { id, type: 'control', action, args } |
 * { id, type: 'status' } | { id, type: 'close' }. Every reply carries `at`, the child's clock when the call finished.
 */
import { parsePortfolio } from '../../src/sim/model';
import { startTwsSimulator, type ControlAction, type TwsSimulator } from '../../src/sim/tws';
import type { SimulatorRequest } from './simulatorProcess';

let sim: TwsSimulator | null = null;

async function handle(request: SimulatorRequest): Promise<unknown> {
  switch (request.type) {
    case 'start':
      sim = await startTwsSimulator({
        port: 0,
        seed: request.seed,
        portfolio: parsePortfolio(request.portfolio, Date.now()),
        settings: request.settings,
      });
      return { host: sim.host, port: sim.port };
    case 'control': {
      if (!sim) throw new Error('simulator not started');
      const run = sim.control[request.action as ControlAction] as (args: unknown) => unknown;
      return await run.call(sim.control, request.args);
    }
    case 'status':
      if (!sim) throw new Error('simulator not started');
      return {
        linesInUse: sim.linesInUse(),
        counters: sim.counters(),
        cpuUsageMicros: process.cpuUsage(),
        rss: process.memoryUsage().rss,
      };
    case 'close':
      await sim?.close();
      sim = null;
      return null;
  }
}

process.on('message', (request: SimulatorRequest) => {
  handle(request).then(
    (result) => {
      process.send?.({ id: request.id, ok: true, result: result ?? null, at: Date.now() });
      if (request.type === 'close') process.disconnect();
    },
    (error: Error) => process.send?.({ id: request.id, ok: false, error: error.message, at: Date.now() }),
  );
});
// The parent going away ends this process too.
process.on('disconnect', () => {
  void (sim?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});
