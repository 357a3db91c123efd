import { createDefaultHttpClient } from '@azure/core-rest-pipeline';
import type { HttpClient, PipelineRequest } from '@azure/core-rest-pipeline';
import type { Telemetry } from '../telemetry';

/** What a request to Cosmos DB does, read from its method, path and the SDK's headers. */
export function cosmosOperation(request: Pick<PipelineRequest, 'method' | 'url' | 'headers'>): { operation: string; container?: string } {
  const segments = new URL(request.url).pathname.split('/').filter(Boolean);
  const at = segments.indexOf('colls');
  const container = at >= 0 ? segments[at + 1] : undefined;
  const header = (name: string): boolean => request.headers.get(name)?.toLowerCase() === 'true';
  // A path with an even number of segments names a resource (/dbs/liftoff/colls/workloads); an odd one, a feed of them.
  const feed = segments.length % 2 === 1;
  let operation: string;
  if (header('x-ms-cosmos-is-query-plan-request')) operation = 'query_plan';
  else if (header('x-ms-documentdb-isquery')) operation = 'query';
  else if (header('x-ms-cosmos-is-batch-request')) operation = 'batch';
  else if (request.headers.get('a-im')) operation = 'change_feed';
  else if (header('x-ms-documentdb-is-upsert')) operation = 'upsert';
  else if (request.method === 'GET') operation = feed ? 'read_all' : 'read';
  else if (request.method === 'POST') operation = 'create';
  else if (request.method === 'PUT') operation = 'replace';
  else operation = request.method.toLowerCase();
  return container ? { operation, container } : { operation };
}

/**
 * The HTTP client of Liftoff's CosmosClient: the SDK's default client, with a dependency span per request
 * (@azure/cosmos creates no spans of its own: its pipeline has no tracing policy).
 */
export function tracedHttpClient(telemetry: Telemetry, inner: HttpClient = createDefaultHttpClient()): HttpClient {
  return {
    sendRequest: (request) => {
      const { operation, container } = cosmosOperation(request);
      return telemetry.cosmosCall(operation, container, () => inner.sendRequest(request));
    },
  };
}
