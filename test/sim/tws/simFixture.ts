import { startTwsSimulator, TwsSimulator, TwsSimulatorOptions } from '../../../src/sim/tws';
import { RecordingClient } from './recordingClient';

/** A fixed, steppable model clock: 2026-03-02 15:30 UTC (a Monday, market hours). */
export class ManualClock {
  constructor(public now = Date.UTC(2026, 2, 2, 15, 30, 0)) {}
  readonly read = (): number => this.now;
  advance(ms: number): void {
    this.now += ms;
  }
}

/** Starts a simulator and tracks clients so afterEach can close everything. */
export class SimFixture {
  sim!: TwsSimulator;
  readonly clock = new ManualClock();
  private readonly clients: RecordingClient[] = [];
  private nextClientId = 1;

  async start(options: TwsSimulatorOptions = {}): Promise<TwsSimulator> {
    this.sim = await startTwsSimulator({ seed: 42, clock: this.clock.read, ...options });
    return this.sim;
  }

  client(clientId = this.nextClientId++, maxReqPerSec?: number): RecordingClient {
    const client = new RecordingClient(this.sim.port, clientId, maxReqPerSec);
    this.clients.push(client);
    return client;
  }

  async connected(clientId?: number): Promise<RecordingClient> {
    const client = this.client(clientId);
    await client.connect();
    return client;
  }

  async stop(): Promise<void> {
    for (const client of this.clients) client.disconnect();
    this.clients.length = 0;
    await this.sim?.close();
  }
}
