/**
 * The embedded Cosmos DB and its counting proxy in a process of their own (`BENCH_COSMOS=process` in
 * actions.ts): the server under measurement then pays only its client's side of each request, as it
 * would against Azure Cosmos DB. It answers `{ endpoint }` once listening, and `{ counts }` to each
 * `'counts'` message.
 */
import { startEmbeddedCosmos } from '../../bot/store/cosmos';
import { startCountingProxy } from '../support/cosmosRequests';

async function main(): Promise<void> {
  const embedded = await startEmbeddedCosmos();
  const proxy = await startCountingProxy(embedded.endpoint);
  process.on('message', (message: unknown) => {
    if (message === 'counts') process.send?.({ counts: proxy.counts() });
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ endpoint: proxy.endpoint });
}

main().catch((error: unknown) => {
  console.error('The Cosmos process failed:', error);
  process.exit(1);
});
