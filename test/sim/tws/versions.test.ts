import { Socket } from 'node:net';
import { Contract as IbContract, ContractDetails, EventName } from '@stoqey/ib';
import { SimFixture } from './simFixture';

const CONTRACTS = [265598, 700001, 495512563, 800001]; // STK, OPT, FUT, FOP of the default portfolio

/** Sends a handshake offering `range` on a raw socket; resolves with the version frame's fields, or null on close. */
function offer(port: number, range: string): Promise<string[] | null> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let received = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 4 || received.length < 4 + received.readUInt32BE(0)) return;
      const payload = received.subarray(4, 4 + received.readUInt32BE(0)).toString('utf8');
      socket.destroy();
      resolve(payload.split('\0').slice(0, -1));
    });
    socket.on('close', () => resolve(null));
    socket.connect(port, '127.0.0.1', () => {
      const version = Buffer.from(range, 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32BE(version.length);
      socket.write(Buffer.concat([Buffer.from('API\0', 'latin1'), length, version]));
    });
  });
}

describe('TWS simulator: version negotiation', () => {
  const fixture = new SimFixture();
  afterEach(() => fixture.stop());

  it('answers min(its maximum, the client maximum) and refuses a client whose whole range is older than 151', async () => {
    const sim = await fixture.start();
    expect((await offer(sim.port, 'v157..178'))?.[0]).toBe('178');
    expect((await offer(sim.port, 'v100..193'))?.[0]).toBe('193');
    expect((await offer(sim.port, 'v100..201 +PACEAPI'))?.[0]).toBe('193');
    // The range of clients ported from IBKR's Python API 9.76 (e.g. ib-tws-api): a gateway answers 151.
    expect((await offer(sim.port, 'v100..151'))?.[0]).toBe('151');
    expect(await offer(sim.port, 'v100..150')).toBeNull();
    expect(sim.counters().refusedVersion).toBe(1);
    sim.control.setHandshake({ serverVersion: 170 });
    expect((await offer(sim.port, 'v157..178'))?.[0]).toBe('170');
    // A client that needs something newer than the simulator's maximum is refused too.
    expect(await offer(sim.port, 'v176..178')).toBeNull();
  });

  it('encodes and decodes every message a client uses for each version from 151 to 193', async () => {
    const sim = await fixture.start({ settings: { tickIntervalMs: 60_000 } });
    const modelGreeks = sim.model.optionGreeks(700001, fixture.clock.now);
    for (let version = 151; version <= 193; version += 1) {
      sim.control.setHandshake({ serverVersion: version });
      const client = await fixture.connected();
      const [serverVersion] = await client.waitFor(EventName.server);
      expect(serverVersion).toBe(version);
      CONTRACTS.forEach((conId, index) => client.api.reqContractDetails(100 + index, { conId }));
      client.api.reqContractDetails(199, { conId: 1 });
      client.api.reqPositions();
      client.api.reqMktData(200, { conId: 700001, exchange: 'SMART' } as IbContract, '', false, false);
      await client.waitFor(EventName.contractDetailsEnd, (args) => args[0] === 100 + CONTRACTS.length - 1);
      await client.waitFor(EventName.error, (args) => args[1] === 200 && args[2] === 199);
      await client.waitFor(EventName.positionEnd);
      const computation = await client.waitFor(
        EventName.tickOptionComputation,
        (args) => args[0] === 200 && args[1] === 13,
      );

      // The client's decoder found every field where it expects it at this version: no 505 (underrun, leftovers).
      expect({ version, errors: client.errorCodes().filter(([code]) => code !== 200) }).toEqual({
        version,
        errors: [],
      });
      const details = client.all(EventName.contractDetails) as Array<[number, ContractDetails]>;
      expect(details).toHaveLength(CONTRACTS.length);
      for (const [reqId, detail] of details) {
        const expected = sim.model.contract(CONTRACTS[reqId - 100])!;
        expect({ version, conId: detail.contract.conId, exchange: detail.contract.exchange }).toEqual({
          version,
          conId: expected.conId,
          exchange: expected.exchange,
        });
        expect(detail.contract.multiplier).toBe(expected.secType === 'STK' ? 0 : expected.multiplier);
        expect(detail.underConId).toBe('underConId' in expected ? expected.underConId : 0);
        expect(detail.stockType).toBe(version >= 152 ? (expected.secType === 'STK' ? 'COMMON' : '') : undefined);
        expect(detail.contract.lastTradeDate).toBe(version >= 182 ? (expected.expiry ?? '') : undefined);
        expect(detail.minSize).toBe(version >= 164 ? 1 : undefined);
      }
      expect(client.count(EventName.position)).toBe(sim.model.positions().length);
      // Below 156 the message starts with a version field and has no tickAttrib; a misplaced field shifts every Greek.
      const [, , tickAttrib, impliedVol, delta, optPrice, , gamma, vega, theta, undPrice] = computation;
      expect({ version, tickAttrib, impliedVol, delta, optPrice, gamma, vega, theta, undPrice }).toEqual({
        version,
        tickAttrib: version >= 156 ? 0 : undefined,
        impliedVol: modelGreeks.impliedVol,
        delta: modelGreeks.delta,
        optPrice: modelGreeks.optionPrice,
        gamma: modelGreeks.gamma,
        vega: modelGreeks.vega,
        theta: modelGreeks.theta,
        undPrice: modelGreeks.underlyingPrice,
      });
      client.disconnect();
      await client.waitFor(EventName.disconnected);
    }
  });
});
