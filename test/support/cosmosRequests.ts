import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { connectCosmos, CosmosStore, startEmbeddedCosmos } from '../../bot/store/cosmos';
import { createLogger } from '../../bot/log';

/** What one request to Cosmos was, as the Cosmos REST protocol says it (headers and path). */
export type RequestKind = 'read' | 'queryPlan' | 'query' | 'crossPartitionQuery' | 'batch' | 'write' | 'metadata';

export type RequestCounts = Record<RequestKind, number> & { total: number };

const KINDS: RequestKind[] = ['read', 'queryPlan', 'query', 'crossPartitionQuery', 'batch', 'write', 'metadata'];

const none = (): RequestCounts => ({ ...(Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<RequestKind, number>), total: 0 });

const isTrue = (value: string | string[] | undefined): boolean => String(value).toLowerCase() === 'true';

/** Sorts one request by kind: what a bill of request units and round trips is made of. */
export function kindOf(method: string, path: string, headers: http.IncomingHttpHeaders): RequestKind {
  if (isTrue(headers['x-ms-cosmos-is-query-plan-request'])) return 'queryPlan';
  if (isTrue(headers['x-ms-documentdb-isquery']) || String(headers['content-type']).startsWith('application/query+json')) {
    return headers['x-ms-documentdb-partitionkey'] ? 'query' : 'crossPartitionQuery';
  }
  if (isTrue(headers['x-ms-cosmos-is-batch-request'])) return 'batch';
  const document = /\/docs\/[^/]+$/.test(path);
  if (method === 'GET') return document ? 'read' : 'metadata';
  if (/\/docs(\/[^/]+)?$/.test(path)) return 'write';
  return 'metadata';
}

/**
 * A counting proxy on loopback in front of a Cosmos endpoint: every request passes through unchanged and is
 * counted by kind. The bot under test talks to the proxy as it would to Azure, so what is counted is what it sends.
 */
export interface CountingProxy {
  endpoint: string;
  counts(): RequestCounts;
  reset(): void;
  close(): Promise<void>;
}

/**
 * `ignore` names containers whose requests pass uncounted: the broadcast sender reads its outbox there once a second
 * whatever people do, which is no turn's cost.
 */
export async function startCountingProxy(target: string, ignore: readonly string[] = ['broadcast']): Promise<CountingProxy> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  let counted = none();
  const server = http.createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0]!;
    if (!ignore.some((container) => path.includes(`/colls/${container}/`) || path.endsWith(`/colls/${container}`))) {
      const kind = kindOf(request.method ?? 'GET', path, request.headers);
      counted[kind] += 1;
      counted.total += 1;
    }
    const forward = http.request({ host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: { ...request.headers, host: upstream.host }, agent }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    forward.on('error', () => {
      response.statusCode = 502;
      response.end();
    });
    request.pipe(forward);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts: () => ({ ...counted }),
    reset: () => {
      counted = none();
    },
    close: () =>
      new Promise((resolve) => {
        agent.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The requests made between two readings of a proxy's counts. */
export function difference(after: RequestCounts, before: RequestCounts): RequestCounts {
  const out = none();
  for (const k of [...KINDS, 'total'] as const) out[k] = after[k] - before[k];
  return out;
}

/** A fresh embedded Cosmos behind a counting proxy, and Liftoff's store connected through the proxy. */
export async function countedStore(): Promise<{ store: CosmosStore; proxy: CountingProxy; close: () => Promise<void> }> {
  const embedded = await startEmbeddedCosmos();
  const proxy = await startCountingProxy(embedded.endpoint);
  const key = Buffer.from('liftoff-embedded-cosmos-key').toString('base64');
  const store = await connectCosmos({ mode: 'key', endpoint: proxy.endpoint, key, database: `test-${randomUUID().slice(0, 8)}` }, createLogger('silent'));
  return {
    store,
    proxy,
    close: async () => {
      await store.close();
      await proxy.close();
      await new Promise<void>((resolve) => {
        embedded.server.close(() => resolve());
        embedded.server.closeAllConnections();
      });
    },
  };
}
