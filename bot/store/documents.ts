import type { Container, JSONValue, SqlQuerySpec } from '@azure/cosmos';

/** Cosmos system properties a document carries besides its ETag. */
export type CosmosSystem = { _rid?: string; _self?: string; _ts?: number; _attachments?: string };

/** Strips Cosmos system properties before a document reaches the domain; the ETag stays for the next conditional write. */
export function toDomain<T extends object>(resource: T & CosmosSystem): T {
  const { _rid, _self, _ts, _attachments, ...rest } = resource;
  return rest as T;
}

/**
 * A parameterized query inside one workload's partition. The query names the partition as
 * `@workloadId` (the embedded server scans every partition otherwise, so the filter is always written);
 * other parameters are given by name, without the `@`.
 */
export async function queryPartition<T>(container: Container, workloadId: string, query: string, parameters: Record<string, JSONValue> = {}): Promise<T[]> {
  const { resources } = await container.items
    .query<T>(
      {
        query,
        parameters: [{ name: '@workloadId', value: workloadId }, ...Object.entries(parameters).map(([name, value]) => ({ name: `@${name}`, value }))],
      },
      { partitionKey: workloadId },
    )
    .fetchAll();
  return resources;
}

/**
 * A query read a page at a time through the SDK's continuation tokens: at most `pageSize` documents are in
 * memory per page, however many match. With `partitionKey` the query stays inside that partition.
 */
export async function* queryPages<T>(container: Container, spec: SqlQuerySpec, pageSize: number, partitionKey?: string): AsyncGenerator<T[]> {
  const pages = container.items.query<T>(spec, { maxItemCount: pageSize, ...(partitionKey !== undefined ? { partitionKey } : {}) });
  while (pages.hasMoreResults()) {
    const { resources } = await pages.fetchNext();
    if (resources.length > 0) yield resources;
  }
}
