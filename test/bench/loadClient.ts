/**
 * The load generator of the benchmarks, run as its own process so that firing requests and reading
 * answers does not take CPU from the server being measured (Teams clients are not in the bot's process).
 * It receives `{ url, bodies }` over IPC, posts every body at once, and answers with each request's
 * status, latency in milliseconds and parsed answer, in the order given.
 */
import http from 'node:http';

interface Job {
  url: string;
  bodies: string[];
}

export interface Shot {
  status: number;
  ms: number;
  body: unknown;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

function fire(url: string, body: string): Promise<Shot> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const request = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const ms = performance.now() - started;
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: response.statusCode ?? 0, ms, body: text ? JSON.parse(text) : undefined });
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

process.on('message', (job: Job) => {
  Promise.all(job.bodies.map((body) => fire(job.url, body))).then(
    (shots) => process.send?.({ shots }),
    (error: unknown) => process.send?.({ error: String(error) }),
  );
});
