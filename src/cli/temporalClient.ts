import { Client, Connection } from '@temporalio/client';
import type { BridgeConfig } from '../config/schema';

export async function connectClient(config: BridgeConfig): Promise<Client> {
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS, connectTimeout: '5s' }).catch(
    (err: Error) => {
      throw new Error(`Temporal at ${config.TEMPORAL_ADDRESS} cannot be reached: ${err.message}`);
    },
  );
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
}
