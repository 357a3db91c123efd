import type { Middleware, TurnContext } from 'botbuilder';
import type { Logger } from '../log';
import { tenantOf } from './turn';

/** Lets through only Microsoft Teams activities, and only from allowed tenants when a list is configured. */
export class TeamsTenantFilter implements Middleware {
  constructor(
    private readonly allowedTenants: readonly string[],
    private readonly log: Logger,
  ) {}

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const { channelId, id, type } = context.activity;
    if (channelId !== 'msteams') {
      this.log.warn({ event: 'activity.ignored', reason: 'channel', channelId, activityId: id, type }, 'ignored an activity from another channel');
      return;
    }
    const tenantId = tenantOf(context);
    if (this.allowedTenants.length > 0 && (!tenantId || !this.allowedTenants.includes(tenantId))) {
      this.log.warn({ event: 'activity.ignored', reason: 'tenant', tenantId, activityId: id, type }, 'ignored an activity from a tenant not allowed');
      return;
    }
    await next();
  }
}
