import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Config } from './config';
import type { Logger } from './log';
import { ReleaseService } from './release/service';
import { RetroService } from './retro/service';
import { BackgroundWork } from './shared/background';
import { sleep } from './shared/retry';
import { connectCosmos, CosmosStore } from './store/cosmos';
import { CosmosConversationRepository } from './store/conversationRepository';
import { CosmosRetroRepository } from './store/retroRepository';
import { CosmosWorkloadRepository } from './store/workloadRepository';
import { botAppId, createAdapter } from './teams/adapter';
import { AdapterMessenger } from './teams/messenger';
import { ReleaseHandlers } from './teams/handlers';
import { InstallRecorder } from './teams/installs';
import { LiftoffBot } from './teams/liftoffBot';
import { TeamsTenantFilter } from './teams/middleware';
import { retroChecklistSections, RetroHandlers } from './teams/retroHandlers';
import { retroRoutes } from './teams/retroRoutes';
import { mergeRoutes, releaseRoutes } from './teams/routes';
import { createServer } from './server';

/** A running Liftoff: its address, its store, and how to stop it cleanly. */
export interface RunningLiftoff {
  url: string;
  port: number;
  cosmos: CosmosStore;
  background: BackgroundWork;
  /** Stops taking requests, lets in-flight turns and follow-up work finish, then closes the store. */
  close(graceMs?: number): Promise<void>;
}

/** Wires Cosmos, repositories, services, the Teams edge and the HTTP server, and starts listening. */
export async function startLiftoff(config: Config, log: Logger, options: { clock?: () => Date } = {}): Promise<RunningLiftoff> {
  const cosmos = await connectCosmos(config.cosmos, log);
  const clock = options.clock ?? (() => new Date());
  const release = new ReleaseService(new CosmosWorkloadRepository(cosmos.workloads), clock);
  // Config insists on a secret for a real Cosmos; the embedded one forgets everything on exit, and so may the secret.
  const pseudonymSecret = config.retroPseudonymSecret ?? randomBytes(32).toString('base64url');
  const retro = new RetroService(new CosmosRetroRepository(cosmos.workloads), release, pseudonymSecret, clock);
  const handlers = new ReleaseHandlers(release, [retroChecklistSections(retro)]);
  const background = new BackgroundWork(log);
  const adapter = createAdapter(config.auth, log);
  adapter.use(new TeamsTenantFilter(config.allowedTenants, log));
  const messenger = new AdapterMessenger(adapter, botAppId(config.auth));
  const conversations = new CosmosConversationRepository(cosmos.conversations);
  const retroHandlers = new RetroHandlers(retro, release, handlers, messenger, conversations, background, log, clock);
  const bot = new LiftoffBot({
    routes: mergeRoutes(releaseRoutes(handlers), retroRoutes(retroHandlers, handlers)),
    installs: new InstallRecorder(conversations, log, clock),
    background,
    messenger,
    log,
  });
  const { server, inFlight } = createServer({ adapter, bot, healthy: () => cosmos.ping(), log });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;

  return {
    url,
    port,
    cosmos,
    background,
    async close(graceMs = 10_000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const deadline = Date.now() + graceMs;
      while (inFlight() > 0 && Date.now() < deadline) await sleep(20);
      await background.drain();
      server.server.closeAllConnections();
      await closed;
      await cosmos.close();
    },
  };
}
