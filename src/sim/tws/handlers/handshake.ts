import { managedAccountIds, count, readyConnections, SimContext } from '../context';
import { replies } from '../protocol/replies';
import { negotiateServerVersion } from '../protocol/serverVersions';
import { ClientConnection } from '../clientConnection';

function connectionTime(epochMs: number): string {
  const iso = new Date(epochMs).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)} ${iso.slice(11, 19)} UTC`;
}

/**
 * The client's `API\0 vMIN..MAX` preamble: negotiate the version as a gateway does and answer with the version frame
 * (unless the silent-accept fault is on). Every later message in both directions is laid out for that version.
 */
export function onHello(ctx: SimContext, connection: ClientConnection, minVersion: number, maxVersion: number): void {
  count(ctx, 'handshakes');
  ctx.log('info', `${connection.label}: client offers v${minVersion}..${maxVersion}`);
  const forced = ctx.settings.answerVersion;
  const negotiated =
    forced === null ? negotiateServerVersion(ctx.settings.serverVersion, minVersion, maxVersion) : undefined;
  if (negotiated && !negotiated.ok) {
    // A gateway drops a client it cannot serve without a version frame; the client sees the socket close.
    ctx.log('info', `${connection.label}: refusing the client: ${negotiated.reason}`);
    count(ctx, 'refusedVersion');
    connection.close('fin');
    return;
  }
  connection.serverVersion = negotiated ? negotiated.version : forced!;
  connection.phase = 'startApi';
  if (ctx.settings.silentAccept) {
    ctx.log('info', `${connection.label}: silent accept, withholding the version frame`);
    return;
  }
  connection.send(replies.serverVersion(connection.serverVersion, connectionTime(ctx.model.now())));
}

function refuseClientId(ctx: SimContext, connection: ClientConnection, clientId: number, why: string): void {
  ctx.log('info', `${connection.label}: client id ${clientId} refused (${why}): 326`);
  count(ctx, 'refused326');
  connection.send(replies.error(-1, 326));
  connection.close('fin');
}

export function onStartApi(ctx: SimContext, connection: ClientConnection, clientId: number): void {
  if (connection.phase !== 'startApi') {
    ctx.log('info', `${connection.label}: ignoring a repeated startApi`);
    return;
  }
  connection.clientId = clientId;
  const lingeringUntil = ctx.lingeringClientIds.get(clientId);
  if (lingeringUntil !== undefined) {
    if (Date.now() < lingeringUntil)
      return refuseClientId(ctx, connection, clientId, 'a connection from before the restart lingers');
    ctx.lingeringClientIds.delete(clientId);
  }
  if (readyConnections(ctx).some((other) => other !== connection && other.clientId === clientId)) {
    return refuseClientId(ctx, connection, clientId, 'already connected');
  }
  connection.phase = 'ready';
  connection.send(replies.managedAccounts(managedAccountIds(ctx)));
  const sendRest = () => {
    if (connection.phase !== 'ready') return;
    connection.send(replies.nextValidId(ctx.nextOrderId));
    for (const code of ctx.settings.greetingCodes) connection.send(replies.error(-1, code));
  };
  const mode = ctx.settings.nextValidId;
  if (mode === 'immediate') sendRest();
  else if (mode === 'withheld') ctx.log('info', `${connection.label}: withholding nextValidId`);
  else setTimeout(sendRest, mode).unref();
}
