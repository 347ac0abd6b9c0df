import type { FakeClientPortalControl } from './fakeClientPortal';
import type { CorruptionKind } from './faults';
import type { AvailabilityCode } from './rowFormat';
import type { BrokerageState } from './sessionState';

export const CONTROL_PREFIX = '/__control';

/**
 * Faults over HTTP for a fake running as its own process (the CLI): POST /__control/<action>?<params>.
 * Returns undefined for an unknown action. Not part of the gateway's API, and off unless asked for.
 */
export function runControlAction(
  control: FakeClientPortalControl,
  action: string,
  params: URLSearchParams,
): { status: number; body: unknown } {
  const number = (name: string, fallback?: number): number => {
    const raw = params.get(name);
    const value = raw === null ? fallback : Number(raw);
    if (value === undefined || !Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number >= 0`);
    return value;
  };
  const fault = () => ({ count: number('count', 1), pathPrefix: params.get('path') ?? undefined });
  try {
    switch (action) {
      case 'login':
        control.login();
        break;
      case 'logout':
        control.logout();
        break;
      case 'brokerage': {
        const state = params.get('state') as BrokerageState;
        if (!['authenticated', 'lost', 'competing', 'noBridge'].includes(state))
          throw new Error('state: authenticated|lost|competing|noBridge');
        control.setBrokerageSession(state);
        break;
      }
      case 'idle-timeout':
        control.setIdleTimeout(number('ms'));
        break;
      case 'outage':
        control.startOutage(number('ms', 60_000));
        break;
      case 'end-outage':
        control.endOutage();
        break;
      case 'rate-limit':
        control.forceRateLimit(fault());
        break;
      case 'latency':
        control.setLatency(number('ms'), number('jitter', 0));
        break;
      case 'corrupt': {
        const kind = params.get('kind') as CorruptionKind;
        if (kind !== 'truncated' && kind !== 'invalid') throw new Error('kind: truncated|invalid');
        control.corruptResponses(kind, fault());
        break;
      }
      case 'reset':
        control.resetConnections(fault());
        break;
      case 'availability': {
        const code = params.get('code') as AvailabilityCode;
        if (!['R', 'D', 'Z', 'Y', 'N', 'O'].includes(code)) throw new Error('code: R|D|Z|Y|N|O');
        control.setAvailability(code);
        break;
      }
      case 'freeze': {
        const conId = number('conid');
        if (!Number.isInteger(conId) || conId <= 0) throw new Error('conid must be a positive integer');
        control.freezeConId(conId, params.get('on') !== 'false');
        break;
      }
      case 'state':
        return { status: 200, body: { ...control.sessionState(), rateLimited: control.rateLimitedCount() } };
      default:
        return { status: 404, body: { error: `unknown control action ${action}` } };
    }
  } catch (error) {
    return { status: 400, body: { error: (error as Error).message } };
  }
  return { status: 200, body: { ok: true, ...control.sessionState() } };
}
