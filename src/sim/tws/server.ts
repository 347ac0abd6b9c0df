import { createServer, Server, Socket } from 'node:net';
import { createMarketModel, createRng, MarketModel, Portfolio } from '../model';
import { count, LogFn, SentGreeks, SimContext } from './context';
import { createControl, SimulatorControl } from './control';
import { pushPositionChange } from './handlers/account';
import { dispatch } from './handlers/dispatch';
import { onHello } from './handlers/handshake';
import { streamingLineCount } from './handlers/marketData';
import { MarketDataStreamer } from './marketDataStreamer';
import { ProtocolViolation } from './protocol/framing';
import { parseRequest } from './protocol/requests';
import { replies } from './protocol/replies';
import { ClientConnection } from './clientConnection';
import { defaultSettings, SimulatorSettings } from './settings';
import { StreamTimers } from './streamTimers';

export interface TwsSimulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Seed of the price walk and of every random choice (jitter, fuzzing). Default 1. */
  seed?: number;
  /** Model clock (prices, Greeks, currentTime). Fault durations always use real time. Default Date.now. */
  clock?: () => number;
  /** Default: the default portfolio at clock(). */
  portfolio?: Portfolio;
  /** Share a model with another simulator (e.g. the fake Client Portal); overrides seed/portfolio/clock. */
  model?: MarketModel;
  /** Initial settings (tick interval, limits, server version, ...); see SimulatorSettings. */
  settings?: Partial<SimulatorSettings>;
  /** Default: silent. The CLI logs 'info' lines to stdout. */
  log?: LogFn;
  /** First order id handed out in nextValidId. Default 1. */
  nextOrderId?: number;
  /** The market-data stream's repeating timer; tests step a manual one. Default: Node's setInterval. */
  streamTimers?: StreamTimers;
}

export interface TwsSimulator {
  readonly host: string;
  readonly port: number;
  readonly model: MarketModel;
  readonly settings: SimulatorSettings;
  readonly control: SimulatorControl;
  /** Requests received by name (reqMktData, startApi ...), plus connections, handshakes, protocolViolations ... */
  counters(): Record<string, number>;
  resetCounters(): void;
  /** What the last model computation tick (13/83) sent for this option carried, or undefined if none was sent. */
  lastSentGreeks(conId: number): SentGreeks | undefined;
  /** Connected clients and their subscriptions, for assertions and the HTTP status page. */
  sessions(): Array<{
    connectionId: number;
    clientId: number | undefined;
    phase: string;
    marketData: number[];
    marketDataType: number;
    serverVersion: number;
  }>;
  /** Number of streaming market-data lines in use across all clients. */
  linesInUse(): number;
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** Starts a fake IB Gateway speaking the TWS API (server versions 151 to 193, negotiated per client) on a real TCP socket. */
export async function startTwsSimulator(options: TwsSimulatorOptions = {}): Promise<TwsSimulator> {
  const host = options.host ?? '127.0.0.1';
  const seed = options.seed ?? 1;
  const model = options.model ?? createMarketModel({ seed, portfolio: options.portfolio, clock: options.clock });
  const settings: SimulatorSettings = { ...defaultSettings(), ...options.settings };
  const log: LogFn = options.log ?? (() => undefined);
  const ctx: SimContext = {
    model,
    settings,
    connections: new Set(),
    counters: new Map(),
    lastSentGreeks: new Map(),
    lingeringClientIds: new Map(),
    log,
    random: createRng(seed ^ 0x5bd1e995),
    outage: false,
    nextOrderId: options.nextOrderId ?? 1,
  };

  let nextConnectionId = 1;
  const sockets = new Set<Socket>();

  function handleChunk(connection: ClientConnection, chunk: Buffer): void {
    for (const event of connection.parse(chunk)) {
      if (connection.phase === 'closed') return;
      if (event.type === 'hello') {
        onHello(ctx, connection, event.minVersion, event.maxVersion);
        continue;
      }
      log('debug', `${connection.label} <= ${event.fields.join('|')}`);
      if (settings.pacingLimit > 0 && connection.countInbound(Date.now()) > settings.pacingLimit) {
        count(ctx, 'pacingViolations');
        connection.send(
          replies.error(-1, 100, `Max rate of messages per second has been exceeded:max=${settings.pacingLimit}`),
        );
        if (settings.pacingDisconnect) connection.close('fin');
        continue;
      }
      dispatch(ctx, connection, parseRequest(event.fields, connection.serverVersion));
    }
  }

  const server = createServer((socket) => {
    sockets.add(socket);
    count(ctx, 'connections');
    const connection = new ClientConnection(nextConnectionId++, socket, { settings, random: ctx.random, log });
    ctx.connections.add(connection);
    log('info', `${connection.label}: connected from ${socket.remoteAddress}:${socket.remotePort}`);
    socket.setNoDelay(true);
    socket.on('data', (chunk) => {
      try {
        handleChunk(connection, chunk);
      } catch (error) {
        // Garbage from a client must never take the simulator down: log one line and drop that client.
        count(ctx, 'protocolViolations');
        const reason =
          error instanceof ProtocolViolation ? error.message : `internal error: ${(error as Error).stack ?? error}`;
        log('info', `${connection.label}: dropping client: ${reason}`);
        connection.close('rst');
      }
    });
    socket.on('error', (error) => log('debug', `${connection.label}: socket error ${error.message}`));
    socket.on('close', () => {
      sockets.delete(socket);
      connection.close('fin');
      ctx.connections.delete(connection);
      log('info', `${connection.label}: disconnected`);
    });
  });
  server.on('error', (error) => log('info', `listener error: ${error.message}`));

  const port = await listen(server, options.port ?? 0, host);
  const streamer = new MarketDataStreamer(ctx, options.streamTimers);
  streamer.start();
  const stopPositionFeed = model.onPositionChange((row) => pushPositionChange(ctx, row));

  const listener = {
    stopListening: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
    startListening: async () => {
      if (!server.listening) await listen(server, port, host);
    },
  };
  const control = createControl(ctx, streamer, listener);

  return {
    host,
    port,
    model,
    settings,
    control,
    counters: () => Object.fromEntries(ctx.counters),
    resetCounters: () => ctx.counters.clear(),
    lastSentGreeks: (conId) => ctx.lastSentGreeks.get(conId),
    sessions: () =>
      [...ctx.connections].map((connection) => ({
        connectionId: connection.connectionId,
        clientId: connection.clientId,
        phase: connection.phase,
        marketData: [...connection.marketData.keys()],
        marketDataType: connection.requestedMarketDataType,
        serverVersion: connection.serverVersion,
      })),
    linesInUse: () => streamingLineCount(ctx),
    async close() {
      streamer.stop();
      stopPositionFeed();
      control.dispose();
      for (const connection of [...ctx.connections]) connection.close('rst');
      for (const socket of sockets) socket.destroy();
      await listener.stopListening();
    },
  };
}
