/**
 * The operator's command line, reading the same Cosmos DB as Liftoff, from the same configuration.
 *
 *   npm run liftoff -- deliveries <noticeId>     per-recipient outcome and acknowledgement, as CSV
 *   npm run liftoff -- evidence <workloadId> [--out <file>]
 *                                                every gate's decision and typed evidence, as CSV, for auditors
 *
 * The embedded Cosmos DB lives in the memory of a running Liftoff; to read it, start Liftoff with
 * EMBEDDED_COSMOS_PORT=8081 and run this with COSMOS_ENDPOINT=http://127.0.0.1:8081 and any COSMOS_KEY.
 */
import { ConfigError, readCosmosConfig } from '../bot/config';
import { createLogger } from '../bot/log';
import type { Ack, Delivery } from '../bot/broadcast/model';
import { connectCosmos } from '../bot/store/cosmos';
import { CosmosNoticeRepository } from '../bot/store/noticeRepository';
import { CosmosWorkloadRepository } from '../bot/store/workloadRepository';
import { EVIDENCE_CSV_HEADER, evidenceRows } from '../bot/release/evidence';
import type { Workload } from '../bot/release/model';
import type { CosmosStore } from '../bot/store/cosmos';
import { writeFileSync } from 'node:fs';

const USAGE = 'Usage: npm run liftoff -- deliveries <noticeId> | evidence <workloadId> [--out <file>]';

/** One CSV field, quoted when it must be. */
function field(value: unknown): string {
  const text = value === undefined || value === null ? '' : typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? `${value}` : JSON.stringify(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const CSV_HEADER = ['recipient', 'kind', 'name', 'conversationId', 'status', 'attempts', 'activityId', 'sentAt', 'finishedAt', 'lastError', 'acknowledged', 'acknowledgedBy', 'acknowledgedAt'];

/** The per-recipient outcome and acknowledgement of a notice, as CSV lines. */
export function deliveriesCsv(deliveries: Delivery[], acks: Ack[]): string {
  const byPerson = new Map(acks.map((a) => [a.by.aadObjectId, a]));
  const byConversation = new Map<string, Ack[]>();
  for (const ack of acks) byConversation.set(ack.conversationId, [...(byConversation.get(ack.conversationId) ?? []), ack]);
  const lines = [CSV_HEADER.join(',')];
  for (const d of deliveries) {
    const r = d.recipient;
    // A person acknowledges for themselves; in a channel, everyone who pressed Acknowledge there is listed.
    const found = r.kind === 'person' ? (byPerson.get(r.aadObjectId) ? [byPerson.get(r.aadObjectId)!] : []) : (byConversation.get(r.conversationId) ?? []);
    lines.push(
      [
        d.recipientKey,
        r.kind,
        r.name ?? '',
        r.conversationId ?? '',
        d.status,
        d.attempts,
        d.activityId ?? '',
        d.sentAt ?? '',
        d.finishedAt ?? '',
        d.lastError ?? '',
        found.length > 0 ? 'yes' : 'no',
        found.map((a) => a.by.name).join('; '),
        found.map((a) => a.at).join('; '),
      ]
        .map(field)
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Every gate of a workload with its decision and typed evidence, as CSV lines. */
export function evidenceCsv(workload: Workload): string {
  return `${[EVIDENCE_CSV_HEADER.join(','), ...evidenceRows(workload).map((row) => row.map(field).join(','))].join('\n')}\n`;
}

async function deliveries(store: CosmosStore, noticeId: string): Promise<number> {
  const notices = new CosmosNoticeRepository(store.workloads);
  const notice = await notices.find(noticeId.trim().toLowerCase());
  if (!notice) {
    console.error(`liftoff: there is no notice "${noticeId}".`);
    return 1;
  }
  const [sent, acks] = await Promise.all([notices.deliveries(notice.workloadId, notice.id), notices.acks(notice.workloadId, notice.id)]);
  process.stdout.write(deliveriesCsv(sent, acks));
  // The counts beside the CSV, on stderr so the CSV stays clean: uncertain ones need the author's decision.
  const counts = new Map<string, number>();
  for (const d of sent) counts.set(d.status, (counts.get(d.status) ?? 0) + 1);
  process.stderr.write(`${[...counts].map(([status, n]) => `${n} ${status}`).join(', ') || 'no deliveries'}\n`);
  return 0;
}

/** The workload is read by its id, a point read in its own partition, as the bot reads it. */
async function evidence(store: CosmosStore, workloadId: string, out: string | undefined): Promise<number> {
  const workload = await new CosmosWorkloadRepository(store.workloads).get(workloadId.trim());
  if (!workload) {
    console.error(`liftoff: there is no workload "${workloadId}".`);
    return 1;
  }
  const csv = evidenceCsv(workload);
  if (out) {
    writeFileSync(out, csv);
    process.stderr.write(`${workload.name}: the evidence of ${evidenceRows(workload).length} gates written to ${out}\n`);
  } else process.stdout.write(csv);
  return 0;
}

/** The command and its argument, or undefined when the words are not one of the commands. */
function parseArgs(argv: string[]): { command: 'deliveries' | 'evidence'; id: string; out?: string } | undefined {
  const [command, id, flag, out, ...rest] = argv;
  if ((command !== 'deliveries' && command !== 'evidence') || !id || rest.length) return undefined;
  if (flag === undefined) return { command, id };
  return command === 'evidence' && flag === '--out' && out ? { command, id, out } : undefined;
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (!args) {
    console.error(USAGE);
    return 2;
  }
  let cosmos;
  try {
    cosmos = readCosmosConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`liftoff: ${error.message}`);
      return 2;
    }
    throw error;
  }
  if (cosmos.mode === 'embedded') {
    console.error(
      'liftoff: COSMOS_ENDPOINT is not set, and the embedded Cosmos DB lives only in the memory of a running Liftoff; start Liftoff with EMBEDDED_COSMOS_PORT=8081 and run this with COSMOS_ENDPOINT=http://127.0.0.1:8081 COSMOS_KEY=any.',
    );
    return 2;
  }
  const store = await connectCosmos(cosmos, createLogger('silent'));
  try {
    return args.command === 'deliveries' ? await deliveries(store, args.id) : await evidence(store, args.id, args.out);
  } finally {
    await store.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error('liftoff: could not read Cosmos DB.', error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
