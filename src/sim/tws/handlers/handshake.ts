import { managedAccountIds, count, readySessions, SimContext } from '../context';
import { replies } from '../protocol/replies';
import { negotiateServerVersion } from '../protocol/serverVersions';
import { ClientSession } from '../session';

function connectionTime(epochMs: number): string {
  const iso = new Date(epochMs).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)} ${iso.slice(11, 19)} UTC`;
}

/**
 * The client's `API\0 vMIN..MAX` preamble: negotiate the version as a gateway does and answer with the version frame
 * (unless the silent-accept fault is on). Every later message in both directions is laid out for that version.
 */
export function onHello(ctx: SimContext, session: ClientSession, minVersion: number, maxVersion: number): void {
  count(ctx, 'handshakes');
  ctx.log('info', `${session.label}: client offers v${minVersion}..${maxVersion}`);
  const forced = ctx.settings.answerVersion;
  const negotiated =
    forced === null ? negotiateServerVersion(ctx.settings.serverVersion, minVersion, maxVersion) : undefined;
  if (negotiated && !negotiated.ok) {
    // A gateway drops a client it cannot serve without a version frame; the client sees the socket close.
    ctx.log('info', `${session.label}: refusing the client: ${negotiated.reason}`);
    count(ctx, 'refusedVersion');
    session.close('fin');
    return;
  }
  session.serverVersion = negotiated ? negotiated.version : forced!;
  session.phase = 'startApi';
  if (ctx.settings.silentAccept) {
    ctx.log('info', `${session.label}: silent accept, withholding the version frame`);
    return;
  }
  session.send(replies.serverVersion(session.serverVersion, connectionTime(ctx.model.now())));
}

function refuseClientId(ctx: SimContext, session: ClientSession, clientId: number, why: string): void {
  ctx.log('info', `${session.label}: client id ${clientId} refused (${why}): 326`);
  count(ctx, 'refused326');
  session.send(replies.error(-1, 326));
  session.close('fin');
}

export function onStartApi(ctx: SimContext, session: ClientSession, clientId: number): void {
  if (session.phase !== 'startApi') {
    ctx.log('info', `${session.label}: ignoring a repeated startApi`);
    return;
  }
  session.clientId = clientId;
  const lingeringUntil = ctx.lingeringClientIds.get(clientId);
  if (lingeringUntil !== undefined) {
    if (Date.now() < lingeringUntil)
      return refuseClientId(ctx, session, clientId, 'a session from before the restart lingers');
    ctx.lingeringClientIds.delete(clientId);
  }
  if (readySessions(ctx).some((other) => other !== session && other.clientId === clientId)) {
    return refuseClientId(ctx, session, clientId, 'already connected');
  }
  session.phase = 'ready';
  session.send(replies.managedAccounts(managedAccountIds(ctx)));
  const sendRest = () => {
    if (session.phase !== 'ready') return;
    session.send(replies.nextValidId(ctx.nextOrderId));
    for (const code of ctx.settings.greetingCodes) session.send(replies.error(-1, code));
  };
  const mode = ctx.settings.nextValidId;
  if (mode === 'immediate') sendRest();
  else if (mode === 'withheld') ctx.log('info', `${session.label}: withholding nextValidId`);
  else setTimeout(sendRest, mode).unref();
}
