import type { Container, JSONValue } from '@azure/cosmos';

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
