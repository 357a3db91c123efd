// First: Azure Monitor must patch http and the Azure SDKs before anything else loads them.
import { monitoring, stopMonitor } from './monitor';
import { ConfigError, readConfig } from './config';
import { createLogger } from './log';
import { startLiftoff } from './app';
import { CosmosSetupError } from './store/cosmos';

/** The composition root: read config once, start, and stop cleanly on SIGTERM or SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = readConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Liftoff cannot start: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const log = createLogger(config.logLevel);
  if (config.auth.mode === 'anonymous' && config.cosmos.mode !== 'embedded') {
    // Only LIFTOFF_ALLOW_ANONYMOUS=true lets config get here: a real store that anyone reaching the endpoint can change.
    log.warn(
      { event: 'auth.anonymous', cosmos: 'external' },
      'LIFTOFF_ALLOW_ANONYMOUS=true: Bot Framework authentication is OFF against a real Cosmos DB; ANYONE WHO REACHES THIS ENDPOINT CAN ACT AS ANYONE. Use this for a private test deployment only',
    );
  } else if (config.auth.mode === 'anonymous') {
    log.warn({ event: 'auth.anonymous' }, 'MICROSOFT_APP_ID is not set: running in local anonymous mode, Bot Framework authentication is OFF');
  }
  if (monitoring) log.info({ event: 'monitor.on' }, 'APPLICATIONINSIGHTS_CONNECTION_STRING is set: spans and metrics go to Azure Monitor');
  if (config.cosmos.mode === 'embedded') {
    log.warn({ event: 'cosmos.embedded' }, 'COSMOS_ENDPOINT is not set: using the embedded Cosmos server; ALL DATA IS IN MEMORY and is lost when Liftoff stops');
    if (!config.retroPseudonymSecret) {
      log.warn({ event: 'retro.secret_random' }, 'RETRO_PSEUDONYM_SECRET is not set: retro pseudonyms use a random secret for this process only, like the in-memory data');
    }
  }
  let app;
  try {
    app = await startLiftoff(config, log);
  } catch (error) {
    if (error instanceof CosmosSetupError) {
      console.error(`Liftoff cannot start: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  log.info({ event: 'started', url: app.url, endpoint: `${app.url}/api/messages`, cosmos: app.cosmos.endpoint }, `Liftoff is listening on ${app.url}/api/messages`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ event: 'stopping', signal }, 'finishing in-flight turns, then stopping');
    app
      .close()
      .then(() => stopMonitor())
      .then(
        () => {
          log.info({ event: 'stopped' }, 'stopped cleanly');
          process.exit(0);
        },
        (error: unknown) => {
          log.error({ event: 'stop.failed', err: error }, 'could not stop cleanly');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error('Liftoff failed to start.', error);
  process.exit(1);
});
