import { parseAvailability, parseImpliedVol, parsePortalNumber } from '../../../src/broker/portal/fieldParsing';
import { parsePositionRow } from '../../../src/broker/portal/positions';

describe('Client Portal value parsing', () => {
  it.each([
    ['0.5123', 0.5123],
    ['-0.0312', -0.0312],
    ['1,234.50', 1234.5],
    ['12,345,678', 12345678],
    ['1e-5', 0.00001],
    [0.25, 0.25],
  ])('reads %p as %p', (raw, expected) => {
    expect(parsePortalNumber(raw)).toEqual({ status: 'ok', value: expected });
  });

  it.each([
    ['1,23.4', 'not a number'],
    ['12,3456', 'not a number'],
    ['N/A', 'not a number'],
    ['1.2.3', 'not a number'],
    ['0x10', 'not a number'],
    ['C412.1', 'unexpected prefix'],
    ['31%', 'unexpected %'],
  ])('rejects %p (%s) instead of guessing', (raw, reason) => {
    const parsed = parsePortalNumber(raw);
    expect(parsed.status).toBe('invalid');
    expect(parsed.status === 'invalid' && parsed.reason).toContain(reason);
  });

  it('treats absent and empty values as missing, never 0', () => {
    expect(parsePortalNumber(undefined)).toEqual({ status: 'missing' });
    expect(parsePortalNumber(null)).toEqual({ status: 'missing' });
    expect(parsePortalNumber('  ')).toEqual({ status: 'missing' });
  });

  it('keeps C (previous close) and H (halted) prefixes on prices', () => {
    expect(parsePortalNumber('C5,912.25', { allowPricePrefix: true })).toEqual({
      status: 'ok',
      value: 5912.25,
      prefix: 'C',
    });
    expect(parsePortalNumber('H12.5', { allowPricePrefix: true })).toEqual({ status: 'ok', value: 12.5, prefix: 'H' });
  });

  it('reads implied vol as a percent with or without the sign', () => {
    expect(parseImpliedVol('31.2%')).toEqual({ status: 'ok', value: 0.312 });
    expect(parseImpliedVol('27')).toEqual({ status: 'ok', value: 0.27 });
    expect(parseImpliedVol('-3%').status).toBe('invalid');
  });

  it('maps 6509 availability codes', () => {
    expect(parseAvailability('RpB')).toEqual({ status: 'ok', type: 'live' });
    expect(parseAvailability('DpB')).toEqual({ status: 'ok', type: 'delayed' });
    expect(parseAvailability('Zp')).toEqual({ status: 'ok', type: 'frozen' });
    expect(parseAvailability('Y')).toEqual({ status: 'ok', type: 'delayed-frozen' });
    expect(parseAvailability('N')).toEqual({ status: 'not_subscribed' });
    expect(parseAvailability('Q').status).toBe('invalid');
  });

  it('parses position rows with mixed field types and rejects unusable ones with a reason', () => {
    const base = {
      conid: 700001,
      position: 5,
      currency: 'USD',
      assetClass: 'OPT',
      putOrCall: 'C',
      expiry: '20261218',
      undConid: 265598,
      undSym: 'AAPL',
      contractDesc: 'AAPL    DEC2026 200 C [AAPL  261218C00200000 100]',
    };
    const stringy = parsePositionRow({ ...base, strike: '200', multiplier: '100' }, 'DU1');
    const numeric = parsePositionRow({ ...base, strike: 200, multiplier: 100 }, 'DU1');
    expect(stringy).toEqual(numeric);
    expect(stringy).toMatchObject({
      kind: 'position',
      position: { strike: 200, multiplier: 100, localSymbol: 'AAPL  261218C00200000', underlyingConId: 265598 },
    });
    const stock = parsePositionRow(
      {
        conid: 265598,
        position: 100,
        currency: 'USD',
        assetClass: 'STK',
        multiplier: 0.0,
        strike: '0',
        ticker: 'AAPL',
      },
      'DU1',
    );
    expect(stock).toMatchObject({
      kind: 'position',
      position: { multiplier: 1, underlyingConId: 265598, secType: 'STK' },
    });
    expect(parsePositionRow({ ...base, position: 0 }, 'DU1')).toEqual({ kind: 'zero_quantity', conId: 700001 });
    // A null option multiplier is unknown (0), for the contract info lookup to fill in; never guessed as 1.
    expect(parsePositionRow({ ...base, strike: 200, multiplier: null }, 'DU1')).toMatchObject({
      kind: 'position',
      position: { conId: 700001, multiplier: 0 },
    });
    expect(parsePositionRow({ ...base, strike: 200, multiplier: 'abc' }, 'DU1')).toMatchObject({ kind: 'invalid' });
    expect(parsePositionRow({ ...base, strike: 'abc', multiplier: 100 }, 'DU1')).toMatchObject({ kind: 'invalid' });
  });
});
