import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Container, CosmosClient, Database } from '@azure/cosmos';
import { DefaultAzureCredential } from '@azure/identity';
import type { Config } from '../config';
import type { Logger } from '../log';
import type { Telemetry } from '../telemetry';
import { tracedHttpClient } from './tracedHttpClient';

export const CONTAINERS = {
  workloads: { id: 'workloads', partitionKey: '/workloadId' },
  conversations: { id: 'conversations', partitionKey: '/id' },
  /** Sender leases (one per tenant) and the outbox of notices with work. */
  broadcast: { id: 'broadcast', partitionKey: '/id' },
} as const;

/** A Cosmos connection with Liftoff's containers, and how to close it. */
export interface CosmosStore {
  client: CosmosClient;
  database: Database;
  workloads: Container;
  conversations: Container;
  broadcast: Container;
  endpoint: string;
  embedded: boolean;
  /** Answers true when Cosmos answers a read of the database within the timeout. */
  ping(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Raised when Cosmos is reachable but not provisioned the way Liftoff needs; one sentence. */
export class CosmosSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CosmosSetupError';
  }
}

/** The key the embedded server accepts; it does not check signatures, the SDK just needs one. */
const EMBEDDED_KEY = Buffer.from('liftoff-embedded-cosmos-key').toString('base64');

/** Starts the embedded Cosmos server on loopback; resolves with its endpoint and server. */
export async function startEmbeddedCosmos(port = 0): Promise<{ endpoint: string; server: Server }> {
  // Loaded only here: a process on Azure Cosmos DB never pays the embedded server's memory (about 20 MB).
  const { createHttpServer } = await import('@vercel/cosmosdb-server');
  const server = createHttpServer({ keepAlive: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: actual } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${actual}`, server };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * Connects to Cosmos as configured: embedded (and provisioned here), by key (provisioned if missing), or by identity (must exist).
 * With `telemetry`, every request to Cosmos is a dependency span.
 */
export async function connectCosmos(config: Config['cosmos'], log: Logger, telemetry?: Telemetry): Promise<CosmosStore> {
  const traced = telemetry ? { httpClient: tracedHttpClient(telemetry) } : {};
  let embeddedServer: Server | undefined;
  let client: CosmosClient;
  let endpoint: string;
  if (config.mode === 'embedded') {
    const embedded = await startEmbeddedCosmos(config.port);
    embeddedServer = embedded.server;
    endpoint = embedded.endpoint;
    client = new CosmosClient({ endpoint, key: EMBEDDED_KEY, connectionPolicy: { enableEndpointDiscovery: false }, ...traced });
  } else if (config.mode === 'key') {
    endpoint = config.endpoint;
    // A plain-http loopback endpoint is an embedded server of another process (tests, the operator CLI): no endpoint discovery.
    client = new CosmosClient({ endpoint, key: config.key, ...(isLoopbackHttp(endpoint) ? { connectionPolicy: { enableEndpointDiscovery: false } } : {}), ...traced });
  } else {
    endpoint = config.endpoint;
    client = new CosmosClient({ endpoint, aadCredentials: new DefaultAzureCredential(), ...traced });
  }

  try {
    const database = client.database(config.database);
    let workloads: Container;
    let conversations: Container;
    let broadcast: Container;
    if (config.mode === 'identity') {
      // A managed identity has data-plane rights only: infra/ provisions, Liftoff checks.
      await mustExist(() => database.read(), `The Cosmos database "${config.database}" does not exist at ${endpoint}; provision it with infra/ first.`);
      for (const spec of Object.values(CONTAINERS)) {
        await mustExist(() => database.container(spec.id).read(), `The Cosmos container "${spec.id}" is missing in database "${config.database}"; provision it with infra/ first.`);
      }
      workloads = database.container(CONTAINERS.workloads.id);
      conversations = database.container(CONTAINERS.conversations.id);
      broadcast = database.container(CONTAINERS.broadcast.id);
    } else {
      await client.databases.createIfNotExists({ id: config.database });
      workloads = (await database.containers.createIfNotExists({ id: CONTAINERS.workloads.id, partitionKey: { paths: [CONTAINERS.workloads.partitionKey] } })).container;
      conversations = (await database.containers.createIfNotExists({ id: CONTAINERS.conversations.id, partitionKey: { paths: [CONTAINERS.conversations.partitionKey] } })).container;
      broadcast = (await database.containers.createIfNotExists({ id: CONTAINERS.broadcast.id, partitionKey: { paths: [CONTAINERS.broadcast.partitionKey] } })).container;
    }
    log.info({ event: 'cosmos.ready', endpoint, database: config.database, mode: config.mode }, 'Cosmos DB ready');
    return {
      client,
      database,
      workloads,
      conversations,
      broadcast,
      endpoint,
      embedded: config.mode === 'embedded',
      async ping(timeoutMs = 2000) {
        const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
        const read = database.read().then(
          () => true,
          () => false,
        );
        return Promise.race([read, timeout]);
      },
      async close() {
        client.dispose();
        if (embeddedServer) await closeServer(embeddedServer);
      },
    };
  } catch (error) {
    client.dispose();
    if (embeddedServer) await closeServer(embeddedServer);
    throw error;
  }
}

function isLoopbackHttp(endpoint: string): boolean {
  const url = new URL(endpoint);
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

async function mustExist(read: () => Promise<unknown>, message: string): Promise<void> {
  try {
    await read();
  } catch (error) {
    if ((error as { code?: number }).code === 404) throw new CosmosSetupError(message);
    throw error;
  }
}
