import type { Container, JSONValue } from '@azure/cosmos';

/**
 * A query of one workload's partition, sent with its partition key (no fan-out across partitions):
 * `select` is the SELECT clause, `where` what must hold besides the partition (`c.workloadId = @partition`),
 * `parameters` the named values it uses, without their `@`.
 */
export async function inPartition<T>(container: Container, partition: string, select: string, where: string, parameters: Record<string, JSONValue> = {}): Promise<T[]> {
  const { resources } = await container.items
    .query<T>(
      {
        query: `${select} FROM c WHERE c.workloadId = @partition AND ${where}`,
        parameters: [{ name: '@partition', value: partition }, ...Object.entries(parameters).map(([name, value]) => ({ name: `@${name}`, value }))],
      },
      { partitionKey: partition },
    )
    .fetchAll();
  return resources;
}
