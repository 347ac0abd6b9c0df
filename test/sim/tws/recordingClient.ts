import { EventName, IBApi } from '@stoqey/ib';

export interface RecordedEvent {
  name: string;
  args: unknown[];
}

/** Polls until `check` returns a value (not undefined/false), or fails after timeoutMs with `what`. */
export async function waitUntil<T>(check: () => T | undefined | false, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The real, unmodified `@stoqey/ib` IBApi, with every event it emits recorded in order. */
export class RecordingClient {
  readonly api: IBApi;
  readonly events: RecordedEvent[] = [];

  constructor(
    port: number,
    readonly clientId: number,
    maxReqPerSec?: number,
  ) {
    this.api = new IBApi({ host: '127.0.0.1', port, clientId, maxReqPerSec });
    this.api.on(EventName.all, (name: string, args: unknown[]) => this.events.push({ name, args }));
    // 'all' also carries error, connected and disconnected; an 'error' listener keeps eventemitter3 quiet.
    this.api.on(EventName.error, () => undefined);
  }

  /** Connects and waits for nextValidId (the moment the client starts sending requests). */
  async connect(timeoutMs = 15_000): Promise<void> {
    const start = this.count(EventName.nextValidId);
    this.api.connect();
    await waitUntil(
      () => this.count(EventName.nextValidId) > start,
      `nextValidId for client ${this.clientId}`,
      timeoutMs,
    );
  }

  all(name: string): unknown[][] {
    return this.events.filter((event) => event.name === name).map((event) => event.args);
  }

  count(name: string): number {
    return this.events.reduce((sum, event) => sum + (event.name === name ? 1 : 0), 0);
  }

  /** Codes of `info` events (id -1 messages such as 2104, 1100, 326). */
  infoCodes(): number[] {
    return this.all(EventName.info).map((args) => args[1] as number);
  }

  /** [code, reqId] of `error` events. */
  errorCodes(): Array<[number, number]> {
    return this.all(EventName.error).map((args) => [args[1] as number, args[2] as number]);
  }

  async waitFor(
    name: string,
    predicate: (args: unknown[]) => boolean = () => true,
    timeoutMs = 15_000,
    from = 0,
  ): Promise<unknown[]> {
    return waitUntil(
      () => this.events.slice(from).find((event) => event.name === name && predicate(event.args))?.args,
      `${name} on client ${this.clientId}`,
      timeoutMs,
    );
  }

  mark(): number {
    return this.events.length;
  }

  disconnect(): void {
    this.api.disconnect();
  }
}
