import type * as AzureMonitor from '@azure/monitor-opentelemetry';
import { ConfigError, readMonitorConfig } from './config';

/**
 * The bootstrap of Azure Monitor OpenTelemetry, imported first by bot/index.ts: its instrumentations patch
 * http and the Azure SDKs, so they must load before restify, botbuilder and @azure/cosmos do. Without
 * APPLICATIONINSIGHTS_CONNECTION_STRING the distro is not even loaded, and the OpenTelemetry API stays a no-op.
 */
function startAzureMonitor(env: Record<string, string | undefined>): typeof AzureMonitor | undefined {
  let connectionString: string | undefined;
  try {
    connectionString = readMonitorConfig(env).connectionString;
  } catch (error) {
    // A malformed value is reported by main's readConfig, with the sentence, before anything starts.
    if (error instanceof ConfigError) return undefined;
    throw error;
  }
  if (!connectionString) return undefined;
  // The distro prints the Azure SDKs' warnings to stderr, and Cosmos warns of every 404 the store expects (a lease not
  // yet taken): only errors, unless the operator asks for more.
  process.env.APPLICATIONINSIGHTS_INSTRUMENTATION_LOGGING_LEVEL ??= 'ERROR';
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded synchronously, ahead of the rest, and only when asked for
  const distro = require('@azure/monitor-opentelemetry') as typeof AzureMonitor;
  distro.useAzureMonitor({ azureMonitorExporterOptions: { connectionString } });
  return distro;
}

const azureMonitor = startAzureMonitor(process.env);

/** Whether spans and metrics are exported to Application Insights. */
export const monitoring = azureMonitor !== undefined;

/** Sends what is still buffered and stops exporting; nothing to do without Azure Monitor. */
export async function stopMonitor(): Promise<void> {
  await azureMonitor?.shutdownAzureMonitor();
}
