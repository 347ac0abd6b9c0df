import { z } from 'zod';
import { createRng, entitlementSchema, greeksBehaviourSchema } from '../model';
import { count, readyConnections, SimContext } from './context';
import { fuzzedFrames } from './faults/frameMutator';
import { MALFORMED_KINDS, malformedFrame } from './faults/malformedFrames';
import { MarketDataStreamer } from './marketDataStreamer';
import { encodeFrame } from './protocol/framing';
import { replies } from './protocol/replies';
import { ClientConnection } from './clientConnection';
import { STREAM_MODES } from './settings';

/** Hooks into the TCP listener, provided by the server. */
export interface ListenerHooks {
  stopListening(): Promise<void>;
  startListening(): Promise<void>;
}

const target = { clientId: z.number().int().optional() };

/**
 * Argument schemas of every control action. The same schemas validate in-process calls and the HTTP endpoint's
 * JSON bodies, so both reject bad input with the same one-line message.
 */
export const controlSchemas = {
  dropConnections: z.object({ mode: z.enum(['rst', 'fin']).default('rst'), ...target }),
  connectivityLost: z.object({
    restoreAfterMs: z.number().nonnegative().default(15_000),
    outcome: z.enum(['maintained', 'lost']).default('maintained'),
    /** Also send 2103/2105/2157 (farms broken) after 1100 and 2104/2106/2158 before the 1101/1102. */
    farmWarnings: z.boolean().default(false),
  }),
  restoreConnectivity: z.object({ outcome: z.enum(['maintained', 'lost']).default('maintained') }),
  sendStatus: z.object({ code: z.number().int(), text: z.string().optional(), ...target }),
  farmSequence: z.object({ codes: z.array(z.number().int()).min(1), intervalMs: z.number().nonnegative().default(0) }),
  nightlyReset: z.object({
    refuseForMs: z.number().nonnegative().default(5_000),
    lingerClientIdsForMs: z.number().nonnegative().default(0),
  }),
  setStalled: z.object({ stalled: z.boolean() }),
  setSilentAccept: z.object({ silentAccept: z.boolean() }),
  setNextValidId: z.object({
    mode: z.union([z.literal('immediate'), z.literal('withheld'), z.number().nonnegative()]),
  }),
  setReplyDelay: z.object({
    delayMs: z.number().nonnegative().default(0),
    jitterMs: z.number().nonnegative().default(0),
    burstIntervalMs: z.number().nonnegative().default(0),
  }),
  sendMalformed: z.object({ kind: z.enum(MALFORMED_KINDS), ...target }),
  sendUnsolicited: z.object({
    kind: z.enum(['tickForUnknownReqId', 'repeatedPositionEnd', 'duplicateNextValidId']),
    ...target,
  }),
  sendFuzzedFrames: z.object({
    count: z.number().int().positive().max(1_000_000),
    seed: z.number().int().default(1),
    ...target,
  }),
  setGreeksBehaviour: z.object({ conId: z.number().int(), behaviour: greeksBehaviourSchema }),
  setEntitlement: z.object({ conId: z.number().int(), entitlement: entitlementSchema }),
  setPosition: z.object({
    account: z.string(),
    conId: z.number().int(),
    quantity: z.number(),
    avgCost: z.number().nonnegative().optional(),
  }),
  publishNow: z.object({}),
  setMarketData: z.object({
    liveEntitled: z.boolean().optional(),
    marketOpen: z.boolean().optional(),
    lineLimit: z.number().int().nonnegative().optional(),
    tickIntervalMs: z.number().int().positive().optional(),
    pnlIntervalMs: z.number().int().positive().optional(),
    computationTickTypes: z.array(z.number().int().min(10).max(13)).optional(),
    fopWithoutUnderlyingPrice: z.boolean().optional(),
  }),
  setCalculations: z.object({ refusalCode: z.number().int().nullable() }),
  setStream: z.object({
    mode: z.enum(STREAM_MODES).optional(),
    burstUpdates: z.number().int().positive().max(1000).optional(),
  }),
  burst: z.object({ updates: z.number().int().positive().max(1000).optional() }),
  setPacing: z.object({ limit: z.number().int().nonnegative(), disconnect: z.boolean().default(false) }),
  setPositionsBehaviour: z.object({
    positionEndDelayMs: z.number().int().nonnegative().optional(),
    managedAccounts: z.array(z.string().min(1)).nullable().optional(),
    emptyMultiplierConIds: z.array(z.number().int()).optional(),
    contractDetailsRefusedConIds: z.array(z.number().int()).optional(),
  }),
  setHandshake: z.object({
    serverVersion: z.number().int().positive().optional(),
    answerVersion: z.number().int().positive().nullable().optional(),
    greetingCodes: z.array(z.number().int()).optional(),
  }),
} as const;

export type ControlAction = keyof typeof controlSchemas;
export type ControlArgs<A extends ControlAction> = z.input<(typeof controlSchemas)[A]>;

function parseArgs<A extends ControlAction>(action: A, args: unknown): z.output<(typeof controlSchemas)[A]> {
  const parsed = controlSchemas[action].safeParse(args ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`control ${action}: ${issue.path.join('.') || '(body)'}: ${issue.message}`);
  }
  return parsed.data as z.output<(typeof controlSchemas)[A]>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref?.());
}

export type SimulatorControl = ReturnType<typeof createControl>;

/** The control API: every fault and knob, callable in-process (tests) or over HTTP (standalone runs). */
export function createControl(ctx: SimContext, streamer: MarketDataStreamer, listener: ListenerHooks) {
  const pendingTimers = new Set<NodeJS.Timeout>();
  let outageResolve: (() => void) | undefined;

  function targets(clientId: number | undefined): ClientConnection[] {
    return readyConnections(ctx).filter((connection) => clientId === undefined || connection.clientId === clientId);
  }

  function statusToAll(code: number, text?: string, clientId?: number): void {
    for (const connection of targets(clientId)) connection.send(replies.error(-1, code, text));
  }

  function restore(outcome: 'maintained' | 'lost', farmWarnings: boolean): void {
    if (!ctx.outage) return;
    if (farmWarnings) for (const code of [2104, 2106, 2158]) statusToAll(code);
    if (outcome === 'lost') for (const connection of ctx.connections) connection.forgetSubscriptions();
    ctx.outage = false;
    statusToAll(outcome === 'lost' ? 1101 : 1102);
    ctx.log('info', `connectivity restored (${outcome === 'lost' ? '1101, subscriptions forgotten' : '1102'})`);
    outageResolve?.();
    outageResolve = undefined;
  }

  const control = {
    /** Closes client sockets: 'rst' (abrupt reset) or 'fin' (graceful). Returns how many were closed. */
    dropConnections(args: ControlArgs<'dropConnections'> = {}): number {
      const { mode, clientId } = parseArgs('dropConnections', args);
      const victims = [...ctx.connections].filter(
        (connection) => clientId === undefined || connection.clientId === clientId,
      );
      for (const connection of victims) connection.close(mode);
      ctx.log('info', `dropped ${victims.length} connection(s) with ${mode.toUpperCase()}`);
      return victims.length;
    },

    /** 1100 now; after restoreAfterMs, 1102 (streams resume) or 1101 (all subscriptions forgotten). */
    connectivityLost(args: ControlArgs<'connectivityLost'> = {}): Promise<void> {
      const { restoreAfterMs, outcome, farmWarnings } = parseArgs('connectivityLost', args);
      ctx.outage = true;
      statusToAll(1100);
      if (farmWarnings) for (const code of [2103, 2105, 2157]) statusToAll(code);
      ctx.log('info', `connectivity lost (1100); ${outcome === 'lost' ? '1101' : '1102'} in ${restoreAfterMs} ms`);
      const done = new Promise<void>((resolve) => (outageResolve = resolve));
      const timer = setTimeout(() => {
        pendingTimers.delete(timer);
        restore(outcome, farmWarnings);
      }, restoreAfterMs);
      pendingTimers.add(timer);
      return done;
    },

    /** Ends an outage now, whatever its timer said. */
    restoreConnectivity(args: ControlArgs<'restoreConnectivity'> = {}): void {
      restore(parseArgs('restoreConnectivity', args).outcome, false);
    },

    /** Sends one id -1 status message (2104, 2110, 1300 ...) with TWS's wording unless text is given. */
    sendStatus(args: ControlArgs<'sendStatus'>): void {
      const { code, text, clientId } = parseArgs('sendStatus', args);
      statusToAll(code, text, clientId);
    },

    /** Sends status codes one after another, intervalMs apart (e.g. [2103, 2104] or [2157, 2158]). */
    async farmSequence(args: ControlArgs<'farmSequence'>): Promise<void> {
      const { codes, intervalMs } = parseArgs('farmSequence', args);
      for (const [index, code] of codes.entries()) {
        if (index > 0 && intervalMs > 0) await sleep(intervalMs);
        statusToAll(code);
      }
    },

    /**
     * Gateway restart / nightly reset: every socket closed, connections refused for refuseForMs, then accepted again
     * with fresh state; client ids connected before answer 326 for lingerClientIdsForMs after reopening.
     */
    async nightlyReset(args: ControlArgs<'nightlyReset'> = {}): Promise<void> {
      const { refuseForMs, lingerClientIdsForMs } = parseArgs('nightlyReset', args);
      const lingering = readyConnections(ctx)
        .map((connection) => connection.clientId)
        .filter((id): id is number => id !== undefined);
      count(ctx, 'nightlyResets');
      ctx.log('info', `nightly reset: closing ${ctx.connections.size} connection(s), refusing for ${refuseForMs} ms`);
      for (const connection of [...ctx.connections]) connection.close('rst');
      ctx.outage = false;
      await listener.stopListening();
      await sleep(refuseForMs);
      const until = Date.now() + lingerClientIdsForMs;
      if (lingerClientIdsForMs > 0) for (const id of lingering) ctx.lingeringClientIds.set(id, until);
      await listener.startListening();
      ctx.log('info', 'nightly reset over: accepting connections again');
    },

    /** Stall: sockets stay open but nothing is sent (ticks, replies, currentTime). */
    setStalled(args: ControlArgs<'setStalled'>): void {
      ctx.settings.stalled = parseArgs('setStalled', args).stalled;
    },

    /** Silent accept: new connections never receive the version frame. */
    setSilentAccept(args: ControlArgs<'setSilentAccept'>): void {
      ctx.settings.silentAccept = parseArgs('setSilentAccept', args).silentAccept;
    },

    /** nextValidId for new connections: 'immediate', after N ms, or 'withheld'. */
    setNextValidId(args: ControlArgs<'setNextValidId'>): void {
      ctx.settings.nextValidId = parseArgs('setNextValidId', args).mode;
    },

    /** Slow, jittered or bursty replies (0 everywhere restores direct delivery). */
    setReplyDelay(args: ControlArgs<'setReplyDelay'> = {}): void {
      const { delayMs, jitterMs, burstIntervalMs } = parseArgs('setReplyDelay', args);
      Object.assign(ctx.settings, { replyDelayMs: delayMs, replyJitterMs: jitterMs, burstIntervalMs });
    },

    sendMalformed(args: ControlArgs<'sendMalformed'>): void {
      const { kind, clientId } = parseArgs('sendMalformed', args);
      const bytes = malformedFrame(kind, Math.floor(ctx.model.now() / 1000));
      for (const connection of targets(clientId)) connection.sendBuffer(bytes);
    },

    sendUnsolicited(args: ControlArgs<'sendUnsolicited'>): void {
      const { kind, clientId } = parseArgs('sendUnsolicited', args);
      for (const connection of targets(clientId)) {
        if (kind === 'repeatedPositionEnd') connection.send(replies.positionEnd());
        else if (kind === 'duplicateNextValidId') connection.send(replies.nextValidId(ctx.nextOrderId));
        else {
          const unknownReqId = 900_000 + Math.floor(ctx.random() * 99_999);
          connection.sendAll([
            replies.tickPrice(unknownReqId, 1, 1.23, 10),
            replies.tickOptionComputation(unknownReqId, 13, 0, [0.3, 0.5, 1.2, 0, 0.02, 0.1, -0.03, 100]),
          ]);
        }
      }
    },

    /** Thousands of randomly mutated (but well-delimited) frames; returns how many were sent per client. */
    sendFuzzedFrames(args: ControlArgs<'sendFuzzedFrames'>): number {
      const { count: frames, seed, clientId } = parseArgs('sendFuzzedFrames', args);
      const random = createRng(seed);
      const batch = fuzzedFrames(frames, random, 1, Math.floor(ctx.model.now() / 1000));
      for (const connection of targets(clientId)) connection.sendBuffer(Buffer.concat(batch));
      return frames;
    },

    /** Sends arbitrary bytes, or fields framed normally, to ready clients (not validated: this is the escape hatch). */
    sendRaw(bytesOrFields: Buffer | Array<string | number>, clientId?: number): void {
      const bytes = Buffer.isBuffer(bytesOrFields) ? bytesOrFields : encodeFrame(bytesOrFields);
      for (const connection of targets(clientId)) connection.sendBuffer(bytes);
    },

    setGreeksBehaviour(args: ControlArgs<'setGreeksBehaviour'>): void {
      const { conId, behaviour } = parseArgs('setGreeksBehaviour', args);
      ctx.model.setGreeksBehaviour(conId, behaviour);
    },

    /** 'noUnderlyingPermission' (10090, prices without Greeks) or 'notSubscribed' (354) for new subscriptions. */
    setEntitlement(args: ControlArgs<'setEntitlement'>): void {
      const { conId, entitlement } = parseArgs('setEntitlement', args);
      ctx.model.setEntitlement(conId, entitlement);
    },

    /** Changes a position; position and account-update subscribers get it pushed at once. */
    setPosition(args: ControlArgs<'setPosition'>): void {
      const { account, conId, quantity, avgCost } = parseArgs('setPosition', args);
      ctx.model.setPosition(account, conId, quantity, avgCost);
    },

    /** Emits a whole tick round (every line at once, whatever the stream mode) and PnL now, not waiting for the timer. */
    publishNow(): void {
      streamer.publishTicks();
      streamer.publishPnl();
    },

    setMarketData(args: ControlArgs<'setMarketData'>): void {
      const parsed = parseArgs('setMarketData', args);
      for (const [key, value] of Object.entries(parsed)) {
        if (value !== undefined) (ctx.settings as unknown as Record<string, unknown>)[key] = value;
      }
      if (parsed.tickIntervalMs !== undefined || parsed.pnlIntervalMs !== undefined) streamer.restart();
    },

    /** calculateOptionPrice / calculateImpliedVolatility: answered with this error code (null computes them again). */
    setCalculations(args: ControlArgs<'setCalculations'>): void {
      ctx.settings.calculationRefusalCode = parseArgs('setCalculations', args).refusalCode;
    },

    /** How each tick interval's updates are written: 'spread' (as a gateway), 'round' or 'burst' (see settings). */
    setStream(args: ControlArgs<'setStream'>): void {
      const { mode, burstUpdates } = parseArgs('setStream', args);
      if (burstUpdates !== undefined) ctx.settings.burstUpdates = burstUpdates;
      if (mode !== undefined && mode !== ctx.settings.streamMode) {
        ctx.settings.streamMode = mode;
        streamer.restart();
      }
    },

    /** A market-open burst now: `updates` rounds of every line in one write per client (default burstUpdates). */
    burst(args: ControlArgs<'burst'> = {}): void {
      const { updates } = parseArgs('burst', args);
      streamer.publishBurst(updates ?? ctx.settings.burstUpdates);
    },

    setPacing(args: ControlArgs<'setPacing'>): void {
      const { limit, disconnect } = parseArgs('setPacing', args);
      ctx.settings.pacingLimit = limit;
      ctx.settings.pacingDisconnect = disconnect;
    },

    /** A slow positionEnd, the managed accounts, empty multipliers and refused contract details (new requests). */
    setPositionsBehaviour(args: ControlArgs<'setPositionsBehaviour'>): void {
      const parsed = parseArgs('setPositionsBehaviour', args);
      for (const [key, value] of Object.entries(parsed)) {
        if (value !== undefined) (ctx.settings as unknown as Record<string, unknown>)[key] = value;
      }
    },

    setHandshake(args: ControlArgs<'setHandshake'>): void {
      const { serverVersion, answerVersion, greetingCodes } = parseArgs('setHandshake', args);
      if (serverVersion !== undefined) ctx.settings.serverVersion = serverVersion;
      if (answerVersion !== undefined) ctx.settings.answerVersion = answerVersion;
      if (greetingCodes !== undefined) ctx.settings.greetingCodes = greetingCodes;
    },

    /** Cancels fault timers (used by close()). */
    dispose(): void {
      for (const timer of pendingTimers) clearTimeout(timer);
      pendingTimers.clear();
      outageResolve?.();
    },
  };
  return control;
}

/** Actions the HTTP endpoint exposes (everything with a JSON-able argument). */
export const HTTP_ACTIONS = Object.keys(controlSchemas) as ControlAction[];
