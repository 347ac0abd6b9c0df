import type { BrokerEvent } from '../../../src/broker/types';
import { EventHub } from '../../../src/broker/plumbing/eventHub';
import type { BrokerLogger } from '../../../src/broker/plumbing/logger';

interface Line {
  level: string;
  object: Record<string, unknown>;
  message?: string;
}

function recordingLogger(): BrokerLogger & { lines: Line[] } {
  const lines: Line[] = [];
  const at = (level: string) => (object: Record<string, unknown>, message?: string) =>
    void lines.push({ level, object, message });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

describe('EventHub', () => {
  let now: number;
  const clock = () => now;

  beforeEach(() => {
    now = 1_000_000;
  });

  it('stamps time, mode and the followed account, and logs each event at its level', () => {
    const logger = recordingLogger();
    const hub = new EventHub({ mode: 'PORTAL', clock, logger, account: 'U1' });
    const seen: BrokerEvent[] = [];
    hub.subscribe((event) => seen.push(event));
    hub.emit({ type: 'ready', message: 'ready' });
    hub.emit({ type: 'rate_limited', message: '429', code: 429, account: 'U2' });
    hub.emit({ type: 'error', message: 'broken' });
    expect(seen.map((event) => [event.type, event.at, event.mode, event.account, event.code])).toEqual([
      ['ready', now, 'PORTAL', 'U1', undefined],
      ['rate_limited', now, 'PORTAL', 'U2', 429],
      ['error', now, 'PORTAL', 'U1', undefined],
    ]);
    expect(logger.lines.map((line) => [line.level, line.object.event])).toEqual([
      ['info', 'ready'],
      ['warn', 'rate_limited'],
      ['error', 'error'],
    ]);
  });

  it('names no account when none is followed and the event names none', () => {
    const hub = new EventHub({ mode: 'SOCKET', clock, logger: recordingLogger() });
    const event = hub.emit({ type: 'connected', message: 'up' });
    expect(event).not.toHaveProperty('account');
  });

  it('keeps telling the other listeners when one throws, and stops telling one that unsubscribed', () => {
    const logger = recordingLogger();
    const hub = new EventHub({ mode: 'SOCKET', clock, logger });
    const seen: string[] = [];
    hub.subscribe(() => {
      throw new Error('listener bug');
    });
    const unsubscribe = hub.subscribe((event) => seen.push(`a:${event.type}`));
    hub.subscribe((event) => seen.push(`b:${event.type}`));
    hub.emit({ type: 'connecting', message: 'go' });
    unsubscribe();
    hub.emit({ type: 'connected', message: 'up' });
    expect(seen).toEqual(['a:connecting', 'b:connecting', 'b:connected']);
    expect(logger.lines.filter((line) => line.message === 'broker event listener threw')).toHaveLength(2);
  });

  it('reports one bad input per reason per 10 s window, counting the suppressed repeats', () => {
    const hub = new EventHub({ mode: 'SOCKET', clock, logger: recordingLogger() });
    const seen: BrokerEvent[] = [];
    hub.subscribe((event) => seen.push(event));
    hub.badInput('odd row');
    now += 5_000;
    hub.badInput('odd row');
    hub.badInput('other reason');
    now += 5_000;
    hub.badInput('odd row');
    expect(seen.map((event) => [event.details?.reason, event.details?.suppressed])).toEqual([
      ['odd row', 0],
      ['other reason', 0],
      ['odd row', 1],
    ]);
  });

  it('turns an exception in a guarded handler into bad input instead of throwing', () => {
    const hub = new EventHub({ mode: 'SOCKET', clock, logger: recordingLogger() });
    const seen: BrokerEvent[] = [];
    hub.subscribe((event) => seen.push(event));
    const guarded = hub.guard('tickPrice', (value: number) => {
      if (value < 0) throw new Error('negative');
    });
    expect(() => guarded(-1)).not.toThrow();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      type: 'bad_input',
      details: { reason: 'tickPrice handler failed', error: 'negative' },
    });
  });
});
