import { Client, Connection } from '@temporalio/client';
import type { BridgeConfig } from '../config/schema';
import { connectionOptions, temporalSettingsOf } from '../temporal/connectionSettings';
import { temporalConnectError } from '../temporal/connectError';

export async function connectClient(config: BridgeConfig): Promise<Client> {
  const settings = temporalSettingsOf(config);
  const connection = await Connection.connect({ ...connectionOptions(settings), connectTimeout: '5s' }).catch(
    async (err: Error) => {
      throw await temporalConnectError(settings, err);
    },
  );
  return new Client({ connection, namespace: settings.namespace });
}
