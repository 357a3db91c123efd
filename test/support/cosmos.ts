import { randomUUID } from 'node:crypto';
import { connectCosmos, CosmosStore } from '../../bot/store/cosmos';
import { createLogger } from '../../bot/log';

/** A fresh embedded Cosmos server with Liftoff's database and containers, through the real SDK. */
export async function embeddedStore(): Promise<CosmosStore> {
  return connectCosmos({ mode: 'embedded', database: `test-${randomUUID().slice(0, 8)}`, port: 0 }, createLogger('silent'));
}
