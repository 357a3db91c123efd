import type { Container } from '@azure/cosmos';
import { ROLES } from '../release/model';
import type { ReleaseWorkQueries } from '../tab/board';

/** Role names are our own constants, so they may stand in the query text; the person is a parameter. */
const HOLDS_ANY_ROLE = ROLES.map((role) => `ARRAY_CONTAINS(c.roles.${role}, { "aadObjectId": @me }, true)`).join(' OR ');

/**
 * The personal tab's look across partitions: which workloads and UAT cycles name a person. Cross-partition
 * by nature (one workload per partition), read once per visit to "My release work", never on a card's path.
 */
export class CosmosReleaseWorkQueries implements ReleaseWorkQueries {
  constructor(private readonly container: Container) {}

  async workloadsWithRoleHolder(tenantId: string, aadObjectId: string): Promise<string[]> {
    const { resources } = await this.container.items
      .query<{ workloadId: string }>({
        query: `SELECT c.workloadId FROM c WHERE c.type = "workload" AND c.scope.tenantId = @tenantId AND (${HOLDS_ANY_ROLE})`,
        parameters: [
          { name: '@tenantId', value: tenantId },
          { name: '@me', value: aadObjectId },
        ],
      })
      .fetchAll();
    return resources.map((r) => r.workloadId);
  }

  async activeCyclesNaming(tenantId: string, aadObjectId: string): Promise<Array<{ workloadId: string; cycleId: string }>> {
    const { resources } = await this.container.items
      .query<{ workloadId: string; cycleId: string }>({
        query:
          'SELECT c.workloadId, c.id AS cycleId FROM c WHERE c.type = "cycle" AND c.tenantId = @tenantId AND (c.state = "open" OR c.state = "awaitingFinal") ' +
          'AND (ARRAY_CONTAINS(c.testers, { "aadObjectId": @me }, true) OR ARRAY_CONTAINS(c.finalApprovers, { "aadObjectId": @me }, true))',
        parameters: [
          { name: '@tenantId', value: tenantId },
          { name: '@me', value: aadObjectId },
        ],
      })
      .fetchAll();
    return resources;
  }
}
