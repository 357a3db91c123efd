import type { Container } from '@azure/cosmos';
import { ackRecipientKeys } from '../broadcast/rules';
import { ROLES, type Workload } from '../release/model';
import type { ReleaseWorkQueries } from '../tab/board';
import { queryPartition, toDomain } from './documents';

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

  async workloadsIn(tenantId: string, scopeId: string): Promise<Workload[]> {
    // One query for the whole board, however many workloads and documents the team has (a listing, as listByScope is).
    const { resources } = await this.container.items
      .query<Workload>({
        query: 'SELECT * FROM c WHERE c.type = "workload" AND c.scope.tenantId = @tenantId AND c.scope.scopeId = @scopeId',
        parameters: [
          { name: '@tenantId', value: tenantId },
          { name: '@scopeId', value: scopeId },
        ],
      })
      .fetchAll();
    return resources.map((r) => toDomain(r)).sort((a, b) => a.name.localeCompare(b.name));
  }

  async noticesDeliveredTo(tenantId: string, aadObjectId: string): Promise<Array<{ workloadId: string; noticeId: string; conversationId?: string }>> {
    const { resources } = await this.container.items
      .query<{ workloadId: string; noticeId: string; conversationId?: string }>({
        query: 'SELECT c.workloadId, c.noticeId, c.recipient.conversationId FROM c WHERE c.type = "delivery" AND c.tenantId = @tenantId AND c.recipientKey = @key AND c.status = "sent"',
        parameters: [
          { name: '@tenantId', value: tenantId },
          { name: '@key', value: ackRecipientKeys(aadObjectId, [])[0]! },
        ],
      })
      .fetchAll();
    return resources;
  }

  async openActionsOwnedBy(tenantId: string, aadObjectId: string): Promise<Array<{ workloadId: string; actionId: string; workloadName: string; text: string; due: string }>> {
    const { resources } = await this.container.items
      .query<{ workloadId: string; actionId: string; workloadName: string; text: string; due: string }>({
        query: 'SELECT c.workloadId, c.id AS actionId, c.workloadName, c.text, c.due FROM c WHERE c.type = "action" AND c.tenantId = @tenantId AND c.status = "open" AND c.owner.aadObjectId = @me',
        parameters: [
          { name: '@tenantId', value: tenantId },
          { name: '@me', value: aadObjectId },
        ],
      })
      .fetchAll();
    return resources;
  }

  async acknowledgements(workloadId: string): Promise<Array<{ noticeId: string; at: string }>> {
    return queryPartition(this.container, workloadId, 'SELECT c.noticeId, c.at FROM c WHERE c.workloadId = @workloadId AND c.type = "ack"');
  }
}
