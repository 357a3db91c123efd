import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { renderNotice, renderNoticeProgress } from '../cards/noticeCards';
import { BroadcastSender } from './broadcast/sender';
import { Outbound, OutboundMessenger, realTimers, TenantBudget } from './conversations/outbound';
import { Reminders } from './conversations/reminders';
import { BroadcastService } from './broadcast/service';
import type { Config } from './config';
import { CardSyncMarker, resumeMarkedCards, SharedCardSync } from './conversations/sharedCards';
import type { Logger } from './log';
import { ReleaseService } from './release/service';
import { RetroService } from './retro/service';
import { BackgroundWork } from './shared/background';
import { LatestWins } from './shared/coalesce';
import { PeriodicSweep } from './shared/periodic';
import { sleep } from './shared/retry';
import { SignoffService } from './signoff/service';
import { ExpirySweeper } from './signoff/sweeper';
import { connectCosmos, CosmosStore } from './store/cosmos';
import { CosmosCardSyncRepository } from './store/cardSyncRepository';
import { CosmosConversationRepository } from './store/conversationRepository';
import { CosmosRetroRepository } from './store/retroRepository';
import { CosmosSignoffRepository } from './store/signoffRepository';
import { CosmosWorkloadRepository } from './store/workloadRepository';
import { CosmosNoticeRepository } from './store/noticeRepository';
import { CosmosSenderCoordination } from './store/coordinationRepository';
import { activityProcessor, botAppId, createAdapter, createBotAuthentication } from './teams/adapter';
import { BroadcastHandlers } from './teams/broadcastHandlers';
import { broadcastRoutes } from './teams/broadcastRoutes';
import { TeamsDeliveryClient } from './teams/deliveryClient';
import { TeamsRecipientDirectory } from './teams/recipientDirectory';
import type { ChecklistContributor } from './teams/handlers';
import { ReleaseHandlers } from './teams/handlers';
import { InstallRecorder } from './teams/installs';
import { LiftoffBot } from './teams/liftoffBot';
import { TeamsTenantFilter } from './teams/middleware';
import { retroChecklistSections, RetroHandlers } from './teams/retroHandlers';
import { retroRoutes } from './teams/retroRoutes';
import { releaseRoutes } from './teams/routes';
import { mergeRoutes, Router } from './teams/router';
import { SignoffCardPublisher, SignoffHandlers } from './teams/signoffHandlers';
import { ChecklistMessages } from './teams/checklistMessages';
import { signoffRoutes } from './teams/signoffRoutes';
import { createServer } from './server';
import { Telemetry } from './telemetry';
import { CutoverService } from './cutover/service';
import { CosmosCutoverRepository } from './store/cutoverRepository';
import { CosmosWaveRepository } from './store/waveRepository';
import { CutoverHandlers } from './teams/cutoverHandlers';
import { cutoverRoutes } from './teams/cutoverRoutes';
import { WaveHandlers } from './teams/wavesHandlers';
import { wavesRoutes } from './teams/wavesRoutes';
import { WaveService } from './waves/service';
import { CosmosReleaseWorkQueries } from './store/releaseWorkRepository';
import { TabActions } from './tab/actions';
import { ReleaseBoard } from './tab/board';
import { TabIdentity } from './tab/identity';
import { sharedLookups } from './tab/sharedLookups';
import { registerTabRoutes } from './tab/routes';
import { TeamsRoster } from './teams/tabRoster';
import { DecommissionService } from './decommission/service';
import { FollowUpSweeper } from './decommission/sweeper';
import { ReviewSweeper } from './waves/sweeper';
import { WaveReviewAnnouncer } from './teams/wavesHandlers';
import { CosmosAssetRepository, CosmosCostReviewRepository } from './store/assetRepository';
import { DecommissionHandlers } from './teams/decommissionHandlers';
import { decommissionRoutes } from './teams/decommissionRoutes';
import { CommPlanService } from './broadcast/planService';
import { CosmosCommPlanRepository } from './store/commPlanRepository';
import { PlanHandlers } from './teams/planHandlers';
import { planRoutes } from './teams/planRoutes';

/** A running Liftoff: its address, its store, and how to stop it cleanly. */
export interface RunningLiftoff {
  url: string;
  port: number;
  cosmos: CosmosStore;
  background: BackgroundWork;
  /** Expires every UAT cycle past its due time now, as the periodic sweep does; answers how many expired. */
  sweepSignoffs(): Promise<number>;
  /** Reminds the owners of holds that ended and asks for cost reviews come due now, as the periodic sweep does; answers how many. */
  sweepFollowUps(): Promise<number>;
  /** Opens the priorities review of every wave whose last day is over now, as the periodic sweep does; answers how many. */
  sweepWaveReviews(): Promise<number>;
  /** The change communication sender of this instance. */
  sender: BroadcastSender;
  /** Sends every planned notice that is due now, as the periodic due-check does; answers how many went out. */
  sweepPlans(): Promise<number>;
  /** Stops taking requests, lets in-flight turns and follow-up work finish, then closes the store. */
  close(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  /** The clock every use case reads (tests move it). */
  clock?: () => Date;
  /** A store already connected, used instead of connecting one and left open on close (tests share it across a restart). */
  store?: CosmosStore;
  /** Where the tab's built pages are (default dist/tab; a browser spec builds its own). */
  tabBuildDir?: string;
}

/** Wires Cosmos, repositories, services, the Teams edge and the HTTP server, and starts listening. */
export async function startLiftoff(config: Config, log: Logger, options: StartOptions = {}): Promise<RunningLiftoff> {
  // Spans and metrics through the OpenTelemetry API: exported when bot/monitor.ts registered Azure Monitor, no-ops otherwise.
  const telemetry = new Telemetry();
  const cosmos = options.store ?? (await connectCosmos(config.cosmos, log, telemetry));
  const clock = options.clock ?? (() => new Date());
  const release = new ReleaseService(new CosmosWorkloadRepository(cosmos.workloads), clock, { evidenceMaxAgeDays: config.evidenceMaxAgeDays });
  const background = new BackgroundWork(log);
  const authentication = createBotAuthentication(config.auth);
  const adapter = createAdapter(config.auth, log, authentication);
  adapter.use(new TeamsTenantFilter(config.allowedTenants, log));
  // One way out to Teams for every proactive message: one budget per tenant, the configured pace its ceiling.
  const b = config.broadcast;
  const teamsClient = new TeamsDeliveryClient(authentication, botAppId(config.auth), Math.max(1000, Math.floor(b.leaseMs / 3)));
  const outbound = new Outbound(
    new TenantBudget(b.ratePerSecond),
    { maxAttempts: b.maxAttempts, backoff: { baseMs: b.retryBaseMs, maxMs: Math.max(b.retryBaseMs, 30_000) } },
    log,
    realTimers,
    Math.random,
    telemetry,
  );
  const messenger = new OutboundMessenger(outbound, teamsClient);
  const conversations = new CosmosConversationRepository(cosmos.conversations);
  const reminders = new Reminders(conversations, messenger, log);
  // Config insists on a secret for a real Cosmos; the embedded one forgets everything on exit, and so may the secret.
  const pseudonymSecret = config.retroPseudonymSecret ?? randomBytes(32).toString('base64url');
  const retro = new RetroService(new CosmosRetroRepository(cosmos.workloads), release, pseudonymSecret, clock);
  const signoff = new SignoffService(new CosmosSignoffRepository(cosmos.workloads), clock);
  // Shared cards (a cycle's sign-off card, a retro's channel card) are marked in Cosmos while they lag the store.
  const cardSync = new CosmosCardSyncRepository(cosmos.workloads);
  const sharedCards = new SharedCardSync(cardSync, new LatestWins(background, log), log, clock);
  const publisher = new SignoffCardPublisher(signoff, messenger, sharedCards);
  // The checklist shows each capability's section; the sign-off section is drawn by the sign-off handlers.
  const contributors: ChecklistContributor[] = [(turn, workload) => signoffHandlers.checklistSections(turn, workload), retroChecklistSections(retro)];
  const cutoverRepository = new CosmosCutoverRepository(cosmos.workloads);
  // Whoever planned a release window recorded the cutover: they promote, so they never waive promotion.
  const promoters = async (workloadId: string) => (await cutoverRepository.record(workloadId)).windows.map((w) => w.plannedBy);
  const handlers: ReleaseHandlers = new ReleaseHandlers(release, contributors, promoters);
  // Checklist messages in chats, redrawn after a gate changed elsewhere (a final sign-off, a notice sent).
  const checklists = new ChecklistMessages(handlers.sharedChecklist, messenger, sharedCards);
  const signoffHandlers: SignoffHandlers = new SignoffHandlers({
    signoff,
    workloads: handlers,
    reminders,
    messenger,
    publisher,
    checklists,
    background,
    log,
  });
  const sweeper = new ExpirySweeper(signoff, (ref) => publisher.refresh(ref.workloadId, ref.cycleId, { trigger: 'sweep' }), config.signoffSweepSeconds * 1000, log);
  // Waves live in each team's partition; retro action items target them by id.
  // The priorities review reads the windows of a wave's workloads, each in its own partition.
  const waves = new WaveService(new CosmosWaveRepository(cosmos.workloads), release, retro, clock, cutoverRepository);
  const retroHandlers = new RetroHandlers(retro, release, messenger, reminders, background, sharedCards, log, clock, waves, checklists);
  const resumeCard = ({ card }: CardSyncMarker): void => {
    if (card.kind === 'signoff') publisher.resume(card);
    else if (card.kind === 'retro') retroHandlers.resumeChannelCard(card);
    else checklists.resume(card);
  };
  const cardSweeper = new PeriodicSweep('cardsync.sweep_failed', () => resumeMarkedCards(cardSync, resumeCard, log), config.signoffSweepSeconds * 1000, log);

  // Change communication: the service answers people; the sender drains deliveries under the tenant's lease.
  const notices = new CosmosNoticeRepository(cosmos.workloads);
  const coordination = new CosmosSenderCoordination(cosmos.broadcast);
  // The service wakes the sender when it queues a notice; the sender is made just below, before any request.
  const broadcast = new BroadcastService(notices, coordination, release, { approvalRequired: b.approvalRequired }, () => sender.wake(), clock);
  const sender = new BroadcastSender(
    {
      instanceId: `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`,
      leaseMs: b.leaseMs,
      progressIntervalMs: b.progressIntervalMs,
      concurrency: b.concurrency,
      pageSize: b.pageSize,
      pollMs: Math.min(1000, Math.max(100, Math.floor(b.leaseMs / 3))),
    },
    {
      notices,
      coordination,
      transport: teamsClient,
      outbound,
      directory: new TeamsRecipientDirectory(conversations, teamsClient, clock),
      cards: {
        notice: (n) => renderNotice(n, { mode: 'recipient' }),
        reminder: (n) => renderNotice(n, { mode: 'reminder' }),
        progress: (n, p) => renderNoticeProgress(n, p),
      },
      onSent: async (n, p) => {
        // The message it was sent from becomes the checklist again when the notice passed its gate.
        if (await broadcast.noticeSent(n, p)) await broadcastHandlers.noticeSent(n, p);
      },
      log,
      telemetry,
    },
  );
  const broadcastHandlers = new BroadcastHandlers(broadcast, handlers, conversations, checklists);
  contributors.push(broadcastHandlers.checklistSection);

  // Release windows live in the workload's partition.
  const waveHandlers = new WaveHandlers(waves);
  // Communication plans: notices planned ahead, sent by the sender when due; the release window's milestones re-time them.
  const commPlan = new CommPlanService(
    new CosmosCommPlanRepository(cosmos.workloads),
    cutoverRepository,
    broadcast,
    release,
    async (aadObjectId) => {
      const chat = await conversations.personalChatOf(aadObjectId);
      return chat?.user ? { ...chat.user, serviceUrl: chat.serviceUrl, conversationId: chat.conversationId } : undefined;
    },
    { approvalRequired: b.approvalRequired, reminderLeadHours: config.plan.reminderLeadHours },
    log,
    clock,
    () => background.run('plan.sweep', {}, async () => void (await planSweep.sweep())),
  );
  const planSweep = new PeriodicSweep('plan.sweep_failed', () => commPlan.sweep(), config.plan.sweepSeconds * 1000, log);
  const planHandlers = new PlanHandlers(commPlan, conversations);
  contributors.push(planHandlers.checklistSection);
  const windowChanged = (workloadId: string): Promise<void> =>
    commPlan.windowChanged(workloadId).catch((error: unknown) => log.error({ event: 'plan.window_failed', workloadId, err: error }, 'the communication plan could not follow the release window'));
  const cutoverHandlers = new CutoverHandlers(new CutoverService(cutoverRepository, release, clock, signoff, windowChanged));
  contributors.push(cutoverHandlers.checklistSection);

  // Decommission and the cost review: documents in the workload's partition; follow-ups through the outbound pipeline.
  const decommission = new DecommissionService(
    new CosmosAssetRepository(cosmos.workloads),
    new CosmosCostReviewRepository(cosmos.workloads),
    { holdDays: config.decommissionHoldDays, costReviewAfterDays: config.costReviewAfterDays, currency: config.currency },
    clock,
  );
  const decommissionHandlers = new DecommissionHandlers(decommission, { reminders, messenger, conversations, log });
  contributors.push(decommissionHandlers.checklistSection);
  const followUps = new FollowUpSweeper(decommission, decommissionHandlers, config.followUpSweepSeconds * 1000, log);
  // The priorities review of a wave whose last day is over, opened by Liftoff on the follow-up interval.
  const reviewSweeper = new ReviewSweeper(waves, new WaveReviewAnnouncer({ reminders, messenger, conversations, log }), config.followUpSweepSeconds * 1000, log);

  const bot = new LiftoffBot({
    router: new Router(
      mergeRoutes(
        releaseRoutes(handlers),
        signoffRoutes(signoffHandlers),
        retroRoutes(retroHandlers),
        broadcastRoutes(broadcastHandlers),
        wavesRoutes(waveHandlers),
        cutoverRoutes(cutoverHandlers),
        planRoutes(planHandlers),
        decommissionRoutes(decommissionHandlers),
      ),
      handlers,
    ),
    installs: new InstallRecorder(conversations, log, clock),
    background,
    messenger,
    log,
    telemetry,
  });
  // The Teams tab reads through the same use cases; Teams answers who is in which team or chat.
  const board = new ReleaseBoard({
    release,
    signoff,
    broadcast,
    retro,
    waves,
    work: new CosmosReleaseWorkQueries(cosmos.workloads),
    membership: new TeamsRoster(sharedLookups(conversations), teamsClient, log),
    clock,
  });
  const identity = new TabIdentity(config.tab, config.allowedTenants, clock, log);
  // The tab's buttons call the cards' use cases; a UAT change redraws the shared card in chat as the card path does.
  // A gate decided there draws the checklist messages Liftoff knows in chat again, as a decision on another card does.
  const tabActions = new TabActions({
    board,
    release,
    signoff,
    broadcast,
    retro,
    cycleChanged: (workloadId, cycleId) => publisher.refresh(workloadId, cycleId, { trigger: 'tab' }),
    promoters,
    checklistChanged: (workloadId, { message, banner }) => checklists.redraw(message, workloadId, banner),
  });
  const { server, inFlight } = createServer({
    processActivity: activityProcessor(adapter, bot),
    healthy: () => cosmos.ping(),
    log,
    routes: (s) => registerTabRoutes(s, { identity, board, actions: tabActions, log, ...(options.tabBuildDir ? { buildDir: options.tabBuildDir } : {}) }),
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address();
  sender.start();
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  sweeper.start();
  followUps.start();
  reviewSweeper.start();
  // What a stopped or crashed process left stale is drawn now, as tracked background work.
  background.run('cardsync.resume', {}, async () => {
    await cardSweeper.sweep();
  });
  cardSweeper.start();
  // Planned notices that fell due while no instance ran go now; then the periodic due-check.
  background.run('plan.resume', {}, async () => void (await planSweep.sweep()));
  planSweep.start();

  return {
    url,
    port,
    cosmos,
    background,
    sweepSignoffs: () => sweeper.sweep(),
    sweepFollowUps: () => followUps.sweep(),
    sweepWaveReviews: () => reviewSweeper.sweep(),
    sender: sender,
    sweepPlans: () => planSweep.sweep(),
    async close(graceMs = 10_000) {
      const closed = new Promise<void>((resolve) => {
        server.close(() => resolve());
      });
      await Promise.all([sweeper.stop(), cardSweeper.stop(), planSweep.stop(), sender.stop(), followUps.stop()]);
      await reviewSweeper.stop();
      const deadline = Date.now() + graceMs;
      while (inFlight() > 0 && Date.now() < deadline) await sleep(20);
      await background.drain();
      server.server.closeAllConnections();
      await closed;
      if (!options.store) await cosmos.close();
    },
  };
}
