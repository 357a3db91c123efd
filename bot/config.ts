import { z } from 'zod';

/** Everything Liftoff reads from its environment, validated once at start-up. */
export interface Config {
  port: number;
  host: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Bot Framework identity; absent means anonymous mode (no JWT check): the embedded Cosmos, or an explicit opt-in. */
  auth:
    | { mode: 'anonymous' }
    | { mode: 'password'; appId: string; password: string; tenantId?: string; appType: 'MultiTenant' | 'SingleTenant' }
    | { mode: 'managedIdentity'; appId: string; tenantId: string };
  cosmos: { mode: 'embedded'; database: string; port: number } | { mode: 'key'; endpoint: string; key: string; database: string } | { mode: 'identity'; endpoint: string; database: string };
  allowedTenants: string[];
  /** The key of retro pseudonyms; absent only with the embedded Cosmos, where a random one per process is used. */
  retroPseudonymSecret?: string;
  /** How often expired UAT cycles are looked for, in seconds; 0 turns the sweep off. */
  signoffSweepSeconds: number;
  /** Days a retired asset is held (powered off, data retained) before disposal, unless the card says otherwise. */
  decommissionHoldDays: number;
  /** Days after promotion Liftoff asks for the cost review in the team's channel. */
  costReviewAfterDays: number;
  /** How often held assets and cost reviews coming due are looked for, in seconds; 0 turns the sweep off. */
  followUpSweepSeconds: number;
  /** The ISO 4217 code of the currency monthly costs and savings are typed and shown in (LIFTOFF_CURRENCY, default USD). */
  currency: string;
  broadcast: BroadcastConfig;
  /** Communication plans: how often due planned notices are looked for (0: only on demand), and the window reminder's lead. */
  plan: { sweepSeconds: number; reminderLeadHours: number };
  monitor: MonitorConfig;
  tab: TabConfig;
  /** How many days readiness evidence stays good for promotion (READINESS_EVIDENCE_MAX_AGE_DAYS, default 30). */
  evidenceMaxAgeDays: number;
}

/** Azure Monitor: spans, metrics and dependencies go to Application Insights only when a connection string is set. */
export interface MonitorConfig {
  connectionString?: string;
}

/** The Teams tab's single sign-on: which tokens the tab API accepts. */
export interface TabConfig {
  /** The tab's Application ID URI (api://<host>/<client id>): the audience of its tokens; absent means the tab API refuses every request. */
  appIdUri?: string;
  /** Where the token issuer publishes its OpenID metadata (issuer and signing keys). */
  openIdMetadataUrl: string;
}

/** Microsoft Entra's multi-tenant v2.0 OpenID metadata; its issuer names the tenant as {tenantid}. */
export const ENTRA_OPENID_METADATA_URL = 'https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration';

/** Change communication: the sender's pace, the approval rule, and the sender lease. */
export interface BroadcastConfig {
  /** Tenant-wide requests per second to Teams (Teams allows 50; pace below it). */
  ratePerSecond: number;
  /** A second change manager approves before a notice is sent. */
  approvalRequired: boolean;
  leaseMs: number;
  progressIntervalMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  concurrency: number;
  /** Deliveries of a notice the sender holds in memory at once, and the page it reads from Cosmos DB. */
  pageSize: number;
}

/** A configuration problem, phrased as one sentence that names the variable. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function required(env: Env, name: string, why: string): string {
  const value = text(env, name);
  if (!value) throw new ConfigError(`${name} is required ${why}.`);
  return value;
}

function port(env: Env, name: string, fallback: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const parsed = z.coerce.number().int().min(0).max(65535).safeParse(raw);
  if (!/^\d{1,5}$/.test(raw) || !parsed.success) throw new ConfigError(`${name} must be a port number from 0 to 65535, not "${raw}".`);
  return parsed.data;
}

function seconds(env: Env, name: string, fallback: number, max: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d{1,6}$/.test(raw) || value > max) throw new ConfigError(`${name} must be a whole number of seconds from 0 to ${max}, not "${raw}".`);
  return value;
}

/** An ISO 4217 currency code that Intl knows (USD, EUR, CHF…), upper-cased. */
function currency(env: Env, name: string, fallback: string): string {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const code = raw.toUpperCase();
  if (!/^[A-Z]{3}$/.test(code) || !Intl.supportedValuesOf('currency').includes(code))
    throw new ConfigError(`${name} must be an ISO 4217 currency code such as USD, EUR or CHF, not "${raw.slice(0, 20)}".`);
  return code;
}

function oneOf<T extends string>(env: Env, name: string, values: readonly T[], fallback: T): T {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const match = values.find((v) => v.toLowerCase() === raw.toLowerCase());
  if (!match) throw new ConfigError(`${name} must be one of ${values.join(', ')}, not "${raw}".`);
  return match;
}

function readAuth(env: Env, cosmos: Config['cosmos']): Config['auth'] {
  const appId = text(env, 'MICROSOFT_APP_ID');
  if (!appId) {
    for (const dependent of ['MICROSOFT_APP_PASSWORD', 'MICROSOFT_APP_TYPE', 'MICROSOFT_APP_TENANT_ID']) {
      if (text(env, dependent)) throw new ConfigError(`MICROSOFT_APP_ID is required when ${dependent} is set.`);
    }
    // Without a JWT check anyone who can reach the endpoint acts as anyone: only for data that dies with the process,
    // or for a private test deployment that says so explicitly.
    const optedIn = oneOf(env, 'LIFTOFF_ALLOW_ANONYMOUS', ['true', 'false'] as const, 'false') === 'true';
    if (cosmos.mode !== 'embedded' && !optedIn) {
      throw new ConfigError(
        'MICROSOFT_APP_ID is required when COSMOS_ENDPOINT is set, unless LIFTOFF_ALLOW_ANONYMOUS=true marks a private test deployment that runs without Bot Framework authentication.',
      );
    }
    return { mode: 'anonymous' };
  }
  if (!guid.test(appId)) throw new ConfigError(`MICROSOFT_APP_ID must be the bot's app id, a GUID, not "${appId}".`);
  const appType = oneOf(env, 'MICROSOFT_APP_TYPE', ['MultiTenant', 'SingleTenant', 'UserAssignedMSI'] as const, 'MultiTenant');
  const tenantId = text(env, 'MICROSOFT_APP_TENANT_ID');
  if (tenantId && !guid.test(tenantId)) {
    throw new ConfigError(`MICROSOFT_APP_TENANT_ID must be a tenant id, a GUID, not "${tenantId}".`);
  }
  if (appType === 'UserAssignedMSI') {
    if (!tenantId) throw new ConfigError('MICROSOFT_APP_TENANT_ID is required when MICROSOFT_APP_TYPE is UserAssignedMSI.');
    return { mode: 'managedIdentity', appId, tenantId };
  }
  if (appType === 'SingleTenant' && !tenantId) {
    throw new ConfigError('MICROSOFT_APP_TENANT_ID is required when MICROSOFT_APP_TYPE is SingleTenant.');
  }
  const password = required(env, 'MICROSOFT_APP_PASSWORD', `when MICROSOFT_APP_TYPE is ${appType}`);
  return { mode: 'password', appId, password, appType, ...(tenantId ? { tenantId } : {}) };
}

/** Just the Cosmos DB settings, for tools that read the store and nothing else (the operator CLI). */
export function readCosmosConfig(env: Env = process.env): Config['cosmos'] {
  const database = text(env, 'COSMOS_DATABASE') ?? 'liftoff';
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(database)) {
    throw new ConfigError(`COSMOS_DATABASE may hold only letters, digits, "-" and "_", not "${database}".`);
  }
  const endpoint = text(env, 'COSMOS_ENDPOINT');
  if (!endpoint) {
    if (text(env, 'COSMOS_KEY')) throw new ConfigError('COSMOS_ENDPOINT is required when COSMOS_KEY is set.');
    return { mode: 'embedded', database, port: port(env, 'EMBEDDED_COSMOS_PORT', 0) };
  }
  if (!z.url({ protocol: /^https?$/ }).safeParse(endpoint).success) {
    // The value is not echoed: a pasted connection string would carry the account key into the log.
    throw new ConfigError('COSMOS_ENDPOINT must be the account http(s) URL only, such as https://myaccount.documents.azure.com:443/.');
  }
  const key = text(env, 'COSMOS_KEY');
  return key ? { mode: 'key', endpoint, key, database } : { mode: 'identity', endpoint, database };
}

/** Just the Azure Monitor settings, read by the bootstrap (bot/monitor.ts) before anything else is loaded. */
export function readMonitorConfig(env: Env = process.env): MonitorConfig {
  const connectionString = text(env, 'APPLICATIONINSIGHTS_CONNECTION_STRING');
  if (connectionString === undefined) return {};
  // The value is not echoed: it names the resource and its ingestion key.
  if (!/(^|;)\s*InstrumentationKey=[^;]+/i.test(connectionString)) {
    throw new ConfigError('APPLICATIONINSIGHTS_CONNECTION_STRING must be the connection string of an Application Insights resource (InstrumentationKey=...;IngestionEndpoint=...).');
  }
  return { connectionString };
}

const MIN_SECRET_LENGTH = 32;

function readRetroSecret(env: Env, cosmos: Config['cosmos']): string | undefined {
  const secret = text(env, 'RETRO_PSEUDONYM_SECRET');
  // The value is never echoed: it is what keeps anonymous entries anonymous.
  if (secret !== undefined && secret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(`RETRO_PSEUDONYM_SECRET must be at least ${MIN_SECRET_LENGTH} characters long.`);
  }
  if (secret === undefined && cosmos.mode !== 'embedded') {
    throw new ConfigError(`RETRO_PSEUDONYM_SECRET is required when COSMOS_ENDPOINT is set: a random value of at least ${MIN_SECRET_LENGTH} characters, kept for as long as the data.`);
  }
  return secret;
}

function number(env: Env, name: string, fallback: number, min: number, max: number, what: string): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || !Number.isFinite(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be ${what} from ${min} to ${max}, not "${raw}".`);
  }
  return value;
}

function days(env: Env, name: string, fallback: number, min: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d{1,3}$/.test(raw) || value < min || value > 365) throw new ConfigError(`${name} must be a whole number of days from ${min} to 365, not "${raw}".`);
  return value;
}

function readBroadcast(env: Env): BroadcastConfig {
  return {
    ratePerSecond: number(env, 'BROADCAST_RATE_PER_SECOND', 50, 1, 10_000, 'a number of requests per second'),
    approvalRequired: oneOf(env, 'NOTICE_APPROVAL', ['none', 'required'] as const, 'none') === 'required',
    leaseMs: Math.round(number(env, 'BROADCAST_LEASE_SECONDS', 30, 0.5, 600, 'a number of seconds') * 1000),
    progressIntervalMs: Math.round(number(env, 'BROADCAST_PROGRESS_SECONDS', 5, 0.1, 600, 'a number of seconds') * 1000),
    maxAttempts: Math.round(number(env, 'BROADCAST_MAX_ATTEMPTS', 6, 1, 50, 'a whole number')),
    retryBaseMs: Math.round(number(env, 'BROADCAST_RETRY_BASE_MS', 500, 1, 60_000, 'a number of milliseconds')),
    concurrency: Math.round(number(env, 'BROADCAST_CONCURRENCY', 64, 1, 1000, 'a whole number')),
    pageSize: Math.round(number(env, 'BROADCAST_PAGE_SIZE', 1000, 2, 50_000, 'a whole number')),
  };
}

function readTab(env: Env): TabConfig {
  const appIdUri = text(env, 'TAB_APP_ID_URI');
  if (appIdUri !== undefined && !/^api:\/\/[^\s/]+(\/[^\s]*)?$/.test(appIdUri)) {
    throw new ConfigError(`TAB_APP_ID_URI must be the tab's Application ID URI, such as api://liftoff.example.com/<client id>, not "${appIdUri}".`);
  }
  const openIdMetadataUrl = text(env, 'ENTRA_OPENID_METADATA_URL') ?? ENTRA_OPENID_METADATA_URL;
  if (!z.url({ protocol: /^https?$/ }).safeParse(openIdMetadataUrl).success) {
    throw new ConfigError(`ENTRA_OPENID_METADATA_URL must be an http(s) URL of OpenID metadata, not "${openIdMetadataUrl}".`);
  }
  return { ...(appIdUri ? { appIdUri } : {}), openIdMetadataUrl };
}

/** Reads and validates the configuration; throws ConfigError with one sentence on the first problem. */
export function readConfig(env: Env = process.env): Config {
  const allowed = text(env, 'ALLOWED_TENANTS');
  const allowedTenants = allowed
    ? allowed
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean)
    : [];
  const badTenant = allowedTenants.find((t) => !guid.test(t));
  if (badTenant) throw new ConfigError(`ALLOWED_TENANTS must be a comma-separated list of tenant ids (GUIDs); "${badTenant}" is not one.`);
  const cosmos = readCosmosConfig(env);
  const retroPseudonymSecret = readRetroSecret(env, cosmos);
  const auth = readAuth(env, cosmos);
  return {
    port: port(env, 'PORT', 3978),
    host: text(env, 'HOST') ?? '0.0.0.0',
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    auth,
    cosmos,
    allowedTenants,
    ...(retroPseudonymSecret ? { retroPseudonymSecret } : {}),
    signoffSweepSeconds: seconds(env, 'SIGNOFF_SWEEP_SECONDS', 30, 3600),
    decommissionHoldDays: days(env, 'DECOMMISSION_HOLD_DAYS', 30, 1),
    costReviewAfterDays: days(env, 'COST_REVIEW_AFTER_DAYS', 30, 0),
    currency: currency(env, 'LIFTOFF_CURRENCY', 'USD'),
    followUpSweepSeconds: seconds(env, 'FOLLOW_UP_SWEEP_SECONDS', 300, 86_400),
    broadcast: readBroadcast(env),
    plan: { sweepSeconds: seconds(env, 'PLAN_SWEEP_SECONDS', 30, 3600), reminderLeadHours: number(env, 'WINDOW_REMINDER_LEAD_HOURS', 24, 1, 720, 'a number of hours') },
    monitor: readMonitorConfig(env),
    tab: readTab(env),
    evidenceMaxAgeDays: Math.round(number(env, 'READINESS_EVIDENCE_MAX_AGE_DAYS', 30, 1, 3650, 'a whole number of days')),
  };
}
