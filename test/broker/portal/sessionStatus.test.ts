import { EventHub } from '../../../src/broker/plumbing/eventHub';
import { silentLogger } from '../../../src/broker/plumbing/logger';
import { SessionStatus } from '../../../src/broker/portal/sessionStatus';
import type { BrokerEvent } from '../../../src/broker/types';

function statusWithEvents(): { status: SessionStatus; events: BrokerEvent[] } {
  const hub = new EventHub({ mode: 'PORTAL', clock: () => 1_000, logger: silentLogger, account: 'U1' });
  const events: BrokerEvent[] = [];
  hub.subscribe((event) => events.push(event));
  const status = new SessionStatus({
    events: hub,
    logger: silentLogger,
    baseUrl: 'https://localhost:5000',
    tlsVerification: 'pinned',
  });
  return { status, events };
}

describe('PORTAL session status', () => {
  it('derives the connection state from the session state and the problem', () => {
    const { status } = statusWithEvents();
    expect([status.current().kind, status.connection(), status.running()]).toEqual(['stopped', 'down', false]);
    status.start();
    expect([status.current().kind, status.connection(), status.running()]).toEqual(['starting', 'connecting', true]);
    status.failed({ kind: 'no_session', reason: '401' });
    expect(status.connection()).toBe('connecting');
    status.failed({ kind: 'unreachable', reason: 'ECONNREFUSED' });
    expect(status.connection()).toBe('down');
    status.failed({ kind: 'outage', reason: '503', status: 503 });
    expect(status.connection()).toBe('degraded');
    status.penalty('429 from /x', '/x', 1000);
    expect([status.current().kind, status.connection()]).toEqual(['penalty', 'degraded']);
    status.ready(false, ['U1']);
    expect(status.connection()).toBe('ready');
  });

  it('emits one event per change of problem, and connected once per return of the gateway', () => {
    const { status, events } = statusWithEvents();
    status.start();
    status.failed({ kind: 'outage', reason: '503', status: 503 });
    status.failed({ kind: 'outage', reason: '503 again', status: 503 });
    status.failed({ kind: 'unreachable', reason: 'ECONNRESET' });
    status.failed({ kind: 'outage', reason: '500', status: 500 });
    expect(events.map((event) => event.type)).toEqual([
      'connecting',
      'connected',
      'outage',
      'disconnected',
      'connected',
      'outage',
    ]);
    expect(events.filter((event) => event.type === 'outage').map((event) => event.code)).toEqual([503, 500]);
    expect(status.reason()).toBe('500');
  });

  it('reports the recovery from a login problem, also across a reconnect, and releases the waiters', async () => {
    const { status, events } = statusWithEvents();
    status.start();
    const waiting = status.waitUntilReady(60_000);
    status.failed({ kind: 'brokerage_lost', reason: 'brokerage session lost' });
    status.restart();
    expect(status.connection()).toBe('connecting');
    status.ready(true, ['U1']);
    await expect(waiting).resolves.toBeUndefined();
    const reauthenticated = events.find((event) => event.type === 'reauthenticated');
    expect(reauthenticated?.details).toEqual({ recoveredFrom: 'brokerage_lost', by: 'adapter' });
    expect(events.at(-1)).toMatchObject({
      type: 'ready',
      account: 'U1',
      message: 'ready again after brokerage_lost',
      details: { accounts: ['U1'], recoveredFrom: 'brokerage_lost' },
    });
  });

  it('rejects the waiters when stopped before ready, naming why', async () => {
    const { status, events } = statusWithEvents();
    status.start();
    const waiting = status.waitUntilReady(60_000);
    status.stop();
    await expect(waiting).rejects.toThrow('PORTAL adapter stopped before it was ready');
    expect(status.reason()).toBe('stopped');
    expect(events.at(-1)).toMatchObject({ type: 'disconnected', details: { reason: 'stopped' } });
  });
});
