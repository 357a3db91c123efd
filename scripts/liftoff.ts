/**
 * The operator's command line, reading the same Cosmos DB as Liftoff, from the same configuration.
 *
 *   npm run liftoff -- deliveries <noticeId>     per-recipient outcome and acknowledgement, as CSV
 *   npm run liftoff -- evidence <workload> [--out <file>]
 *                                                every gate's decision and typed evidence, as CSV, for auditors
 *   npm run liftoff -- assets <workload>         the retired assets of a workload and their decommission steps, as CSV
 *
 * A workload is named by its id, or by its name when only one workload of the store has it.
 *
 * The embedded Cosmos DB lives in the memory of a running Liftoff; to read it, start Liftoff with
 * EMBEDDED_COSMOS_PORT=8081 and run this with COSMOS_ENDPOINT=http://127.0.0.1:8081 and any COSMOS_KEY.
 */
import { ConfigError, readCosmosConfig } from '../bot/config';
import { createLogger } from '../bot/log';
import type { Ack, Delivery } from '../bot/broadcast/model';
import { connectCosmos } from '../bot/store/cosmos';
import { CosmosNoticeRepository } from '../bot/store/noticeRepository';
import type { Container } from '@azure/cosmos';
import { writeFileSync } from 'node:fs';
import type { DecommissionPlan } from '../bot/decommission/model';
import { DEFAULT_CURRENCY, formatMoney } from '../bot/decommission/rules';
import { EVIDENCE_CSV_HEADER, evidenceRows } from '../bot/release/evidence';
import type { Workload } from '../bot/release/model';
import { slugOf } from '../bot/release/rules';
import { CosmosAssetRepository } from '../bot/store/assetRepository';
import type { CosmosStore } from '../bot/store/cosmos';

const USAGE = 'Usage: npm run liftoff -- deliveries <noticeId> | evidence <workload> [--out <file>] | assets <workload>';

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

export const ASSETS_HEADER = [
  'asset',
  'name',
  'kind',
  'location',
  'monthlyCost',
  'currency',
  'owner',
  'ownerAadObjectId',
  'step',
  'stepBy',
  'stepAt',
  'holdDays',
  'holdEndsAt',
  'retention',
  'keptReason',
  'ownerRemindedAt',
];

/** The retired assets of a workload, one line each, with the step each is at and who took it when. */
export function assetsCsv(plan: DecommissionPlan | undefined): string {
  const lines = [ASSETS_HEADER.join(',')];
  for (const a of plan?.assets ?? []) {
    const last = a.steps[a.steps.length - 1];
    lines.push(
      [
        a.id,
        a.name,
        a.kind,
        a.location,
        a.monthlyCost,
        plan?.currency ?? DEFAULT_CURRENCY,
        a.owner.name,
        a.owner.aadObjectId,
        a.step,
        last?.by.name ?? '',
        last?.at ?? '',
        a.holdDays ?? '',
        a.holdEndsAt ?? '',
        a.retention ?? '',
        a.keptReason ?? '',
        a.remindedAt ?? '',
      ]
        .map(field)
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** A workload by its id, or by its name when only one workload of the store has it. */
async function findWorkload(container: Container, typed: string): Promise<Workload | string> {
  const { resource } = await container.item(typed, typed).read<Workload>();
  if (resource?.type === 'workload') return resource;
  const { resources } = await container.items
    .query<Workload>({ query: 'SELECT * FROM c WHERE c.type = "workload" AND ENDSWITH(c.id, @suffix)', parameters: [{ name: '@suffix', value: `:${slugOf(typed)}` }] })
    .fetchAll();
  if (resources.length === 1) return resources[0]!;
  if (resources.length === 0) return `there is no workload "${typed}".`;
  return `${resources.length} workloads are named "${typed}"; give the id of one: ${resources.map((w) => w.workloadId).join(', ')}.`;
}

async function exportAssets(container: Container, typed: string): Promise<number> {
  const workload = await findWorkload(container, typed);
  if (typeof workload === 'string') {
    console.error(`liftoff: ${workload}`);
    return 1;
  }
  const plan = await new CosmosAssetRepository(container).get(workload.workloadId);
  process.stdout.write(assetsCsv(plan));
  const summary = workload.summaries?.decommission;
  process.stderr.write(
    `${workload.name}: ${plan?.assets.length ?? 0} assets, ${summary?.closed ?? 0} disposed or kept, monthly savings realised ${formatMoney(summary?.savingsMonthly ?? 0, plan?.currency)}\n`,
  );
  return 0;
}

async function evidence(container: Container, typed: string, out: string | undefined): Promise<number> {
  const workload = await findWorkload(container, typed);
  if (typeof workload === 'string') {
    console.error(`liftoff: ${workload}`);
    return 1;
  }
  const csv = evidenceCsv(workload);
  if (out) {
    writeFileSync(out, csv);
    process.stderr.write(`${workload.name}: the evidence of ${evidenceRows(workload).length} gates written to ${out}\n`);
  } else process.stdout.write(csv);
  return 0;
}

type Command = 'deliveries' | 'evidence' | 'assets';
const COMMANDS: readonly string[] = ['deliveries', 'evidence', 'assets'];

/** The command and its argument, or undefined when the words are not one of the commands. */
function parseArgs(argv: string[]): { command: Command; id: string; out?: string } | undefined {
  const outAt = argv.indexOf('--out');
  const out = outAt >= 0 ? argv[outAt + 1] : undefined;
  const words = outAt >= 0 ? [...argv.slice(0, outAt), ...argv.slice(outAt + 2)] : argv;
  const [command, ...rest] = words;
  const id = rest.join(' ').trim();
  if (!command || !COMMANDS.includes(command) || !id) return undefined;
  if (outAt >= 0 && (command !== 'evidence' || !out)) return undefined;
  return { command: command as Command, id, out };
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
    if (args.command === 'deliveries') return await deliveries(store, args.id);
    if (args.command === 'assets') return await exportAssets(store.workloads, args.id);
    return await evidence(store.workloads, args.id, args.out);
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
