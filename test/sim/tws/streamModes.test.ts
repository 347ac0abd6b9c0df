import { Contract as IbContract, EventName } from '@stoqey/ib';
import { phaseSlot, spreadSlots } from '../../../src/sim/tws/spreadPhase';
import { ManualStreamTimers } from './manualStreamTimers';
import { RecordingClient, waitUntil } from './recordingClient';
import { SimFixture } from './simFixture';

const OPTION = 700001;
const LINES = 40;
const TICK_MS = 250;
const REQ_IDS = Array.from({ length: LINES }, (_, index) => index + 1);

/** Model computations (tick 13) the client has received per request id. */
function modelTicksByReqId(client: RecordingClient): Map<number, number> {
  const counts = new Map<number, number>();
  for (const args of client.all(EventName.tickOptionComputation)) {
    if (args[1] === 13) counts.set(args[0] as number, (counts.get(args[0] as number) ?? 0) + 1);
  }
  return counts;
}

function totalModelTicks(client: RecordingClient): number {
  return [...modelTicksByReqId(client).values()].reduce((sum, n) => sum + n, 0);
}

describe('TWS simulator: stream modes', () => {
  const fixture = new SimFixture();
  const timers = new ManualStreamTimers();
  afterEach(() => fixture.stop());

  /** A client with LINES streaming lines of one option, past their first round (sent at once on subscription). */
  async function subscribed(settings: Record<string, unknown>) {
    const sim = await fixture.start({ settings: { tickIntervalMs: TICK_MS, ...settings }, streamTimers: timers });
    const client = await fixture.connected();
    for (const reqId of REQ_IDS) client.api.reqMktData(reqId, { conId: OPTION } as IbContract, '', false, false);
    await waitUntil(() => modelTicksByReqId(client).size === LINES, 'the first round of every line');
    sim.resetCounters();
    return { sim, client };
  }

  it('spread (the default): each line in writes of its own, at its own instant of the interval, once per interval', async () => {
    const { sim, client } = await subscribed({});
    expect(sim.settings.streamMode).toBe('spread');
    const slots = spreadSlots(TICK_MS);
    expect(slots).toBe(25);
    expect(timers.intervals()).toContain(TICK_MS / slots);

    const slotOfLine = new Map<number, number>();
    let expectedWrites = 0;
    for (let slot = 0; slot < slots; slot++) {
      const before = modelTicksByReqId(client);
      const total = totalModelTicks(client);
      timers.advance(TICK_MS / slots);
      const lines = REQ_IDS.filter((reqId) => phaseSlot(reqId, slots) === slot);
      await waitUntil(() => totalModelTicks(client) === total + lines.length, `slot ${slot}'s lines`);
      const after = modelTicksByReqId(client);
      const updated = REQ_IDS.filter((reqId) => (after.get(reqId) ?? 0) > (before.get(reqId) ?? 0));
      expect(updated).toEqual(lines);
      for (const reqId of updated) slotOfLine.set(reqId, slot);
      // Two writes per line (quotes, then the model computation), never one write for several lines.
      expectedWrites += 2 * lines.length;
      expect(sim.counters().tickWrites ?? 0).toBe(expectedWrites);
    }
    // One interval: every line exactly once, spread over most of the interval's instants.
    expect([...slotOfLine.keys()].sort((a, b) => a - b)).toEqual(REQ_IDS);
    expect([...modelTicksByReqId(client).values()].every((n) => n === 2)).toBe(true);
    expect(new Set(slotOfLine.values()).size).toBeGreaterThanOrEqual(20);
    const perSlot = Array.from({ length: slots }, (_, slot) => REQ_IDS.filter((id) => slotOfLine.get(id) === slot));
    expect(Math.max(...perSlot.map((ids) => ids.length))).toBeLessThanOrEqual(3);
  });

  it('round: every line at the interval start, in one write of quotes and one of model computations', async () => {
    const { sim, client } = await subscribed({ streamMode: 'round' });
    timers.advance(TICK_MS - 1);
    expect(sim.counters().tickWrites ?? 0).toBe(0);
    const total = totalModelTicks(client);
    timers.advance(1);
    await waitUntil(() => totalModelTicks(client) === total + LINES, 'one round of every line');
    expect(sim.counters().tickWrites).toBe(2);
  });

  it('switches modes through setStream and sends a market-open burst of N updates per line in one write', async () => {
    const { sim, client } = await subscribed({ streamMode: 'round' });
    sim.control.setStream({ mode: 'spread' });
    expect(timers.intervals()).toContain(TICK_MS / spreadSlots(TICK_MS));
    expect(() => sim.control.setStream({ mode: 'bursty' as never })).toThrow(/^control setStream: mode: /);

    const total = totalModelTicks(client);
    sim.control.burst({ updates: 7 });
    await waitUntil(() => totalModelTicks(client) === total + 7 * LINES, 'seven updates of every line');
    expect(sim.counters().tickWrites).toBe(1);
    expect([...modelTicksByReqId(client).values()].every((n) => n === 8)).toBe(true);

    // Burst mode repeats it every interval with burstUpdates rounds.
    sim.control.setStream({ mode: 'burst', burstUpdates: 3 });
    timers.advance(TICK_MS);
    await waitUntil(() => totalModelTicks(client) === total + 10 * LINES, 'three more updates of every line');
    expect(sim.counters().tickWrites).toBe(2);
  });
});
