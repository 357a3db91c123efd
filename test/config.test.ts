import { strict as assert } from 'node:assert';
import { ConfigError, readConfig } from '../bot/config';

const APP_ID = '3f2a8c1e-6b4d-4f7a-9e21-5c8d0b7a1f34';
const TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const OTHER_TENANT = '0d2b1f5e-8c7a-4e55-9d1c-3a9f7b2e6c10';
const PASSWORD = 'Zq8~kP2.secret-value_that.must-not-leak';
const ENDPOINT = 'https://liftoff-prod.documents.azure.com:443/';
/** Required with a real Cosmos DB: the key of retro pseudonyms. */
const SECRET = 'a-retro-pseudonym-secret-of-40-characters';
const KEY = 'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==';
/** A bot identity, which a real Cosmos DB needs in front of it. */
const IDENTITY = { MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: PASSWORD };

type Env = Record<string, string | undefined>;

/** readConfig must throw a ConfigError whose message is one sentence naming the variable. */
function assertRefused(env: Env, variable: string, also?: RegExp): string {
  let message = '';
  assert.throws(
    () => readConfig(env),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
      assert.equal(err.name, 'ConfigError');
      message = err.message;
      assert.ok(message.includes(variable), `"${message}" names ${variable}`);
      assert.match(message, /\.$/, `"${message}" ends with a full stop`);
      assert.doesNotMatch(message.slice(0, -1), /[.!?]\s+[A-Z]/, `"${message}" is one sentence`);
      if (also) assert.match(message, also);
      return true;
    },
  );
  return message;
}

describe('readConfig', () => {
  describe('defaults', () => {
    it('runs locally with no variables set: port 3978, anonymous auth, embedded Cosmos on database liftoff, every tenant allowed', () => {
      const config = readConfig({});
      assert.deepEqual(config, {
        port: 3978,
        host: '0.0.0.0',
        logLevel: 'info',
        auth: { mode: 'anonymous' },
        cosmos: { mode: 'embedded', database: 'liftoff', port: 0 },
        allowedTenants: [],
        signoffSweepSeconds: 30,
        decommissionHoldDays: 30,
        costReviewAfterDays: 30,
        followUpSweepSeconds: 300,
        currency: 'USD',
        broadcast: { ratePerSecond: 50, approvalRequired: false, leaseMs: 30_000, progressIntervalMs: 5000, maxAttempts: 6, retryBaseMs: 500, concurrency: 64, pageSize: 1000 },
        plan: { sweepSeconds: 30, reminderLeadHours: 24 },
        monitor: {},
        tab: { openIdMetadataUrl: 'https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration' },
        evidenceMaxAgeDays: 30,
      });
    });

    it('reads how many days readiness evidence stays good for promotion, and refuses what is not a number of days', () => {
      assert.equal(readConfig({ READINESS_EVIDENCE_MAX_AGE_DAYS: '14' }).evidenceMaxAgeDays, 14);
      assert.throws(() => readConfig({ READINESS_EVIDENCE_MAX_AGE_DAYS: 'soon' }), /READINESS_EVIDENCE_MAX_AGE_DAYS must be a whole number of days from 1 to 3650, not "soon"/);
      assert.throws(() => readConfig({ READINESS_EVIDENCE_MAX_AGE_DAYS: '0' }), /READINESS_EVIDENCE_MAX_AGE_DAYS/);
    });

    it('treats blank variables as unset', () => {
      const config = readConfig({
        PORT: '  ',
        HOST: '',
        LOG_LEVEL: ' ',
        MICROSOFT_APP_ID: '',
        MICROSOFT_APP_PASSWORD: ' ',
        COSMOS_ENDPOINT: '',
        COSMOS_KEY: '',
        ALLOWED_TENANTS: '',
      });
      assert.deepEqual(config, readConfig({}));
    });

    it('reads the port, host, log level and Cosmos database it is given, trimmed', () => {
      const config = readConfig({ PORT: ' 8080 ', HOST: '127.0.0.1', LOG_LEVEL: 'debug', COSMOS_DATABASE: 'liftoff-test_2', EMBEDDED_COSMOS_PORT: '8081' });
      assert.equal(config.port, 8080);
      assert.equal(config.host, '127.0.0.1');
      assert.equal(config.logLevel, 'debug');
      assert.deepEqual(config.cosmos, { mode: 'embedded', database: 'liftoff-test_2', port: 8081 });
    });

    it('reads the log level whatever its case', () => {
      assert.equal(readConfig({ LOG_LEVEL: 'WARN' }).logLevel, 'warn');
      assert.equal(readConfig({ LOG_LEVEL: 'Silent' }).logLevel, 'silent');
    });
  });

  describe('PORT', () => {
    it('accepts the ends of the port range', () => {
      assert.equal(readConfig({ PORT: '0' }).port, 0);
      assert.equal(readConfig({ PORT: '65535' }).port, 65535);
    });

    it('refuses anything that is not a whole port number, naming PORT and the value', () => {
      for (const value of ['abc', '-1', '65536', '80.5', '3978abc']) {
        assertRefused({ PORT: value }, 'PORT', new RegExp(`"${value}"`));
      }
    });

    it('refuses a bad EMBEDDED_COSMOS_PORT the same way', () => {
      assertRefused({ EMBEDDED_COSMOS_PORT: 'cosmos' }, 'EMBEDDED_COSMOS_PORT');
    });
  });

  describe('LOG_LEVEL', () => {
    it('refuses an unknown level and lists the known ones', () => {
      assertRefused({ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL', /fatal, error, warn, info, debug, trace, silent/);
    });
  });

  describe('Bot Framework identity', () => {
    it('uses a client secret for a multi-tenant app by default', () => {
      const config = readConfig({ MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: PASSWORD });
      assert.deepEqual(config.auth, { mode: 'password', appId: APP_ID, password: PASSWORD, appType: 'MultiTenant' });
    });

    it('uses a client secret and the tenant for a single-tenant app', () => {
      const config = readConfig({ MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: PASSWORD, MICROSOFT_APP_TYPE: 'SingleTenant', MICROSOFT_APP_TENANT_ID: TENANT_ID });
      assert.deepEqual(config.auth, { mode: 'password', appId: APP_ID, password: PASSWORD, appType: 'SingleTenant', tenantId: TENANT_ID });
    });

    it('uses the managed identity, with no secret, for a UserAssignedMSI app with a tenant', () => {
      const config = readConfig({ MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_TYPE: 'UserAssignedMSI', MICROSOFT_APP_TENANT_ID: TENANT_ID });
      assert.deepEqual(config.auth, { mode: 'managedIdentity', appId: APP_ID, tenantId: TENANT_ID });
    });

    it('reads MICROSOFT_APP_TYPE whatever its case', () => {
      const config = readConfig({ MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_TYPE: 'userassignedmsi', MICROSOFT_APP_TENANT_ID: TENANT_ID });
      assert.equal(config.auth.mode, 'managedIdentity');
    });

    it('refuses a MICROSOFT_APP_ID that is not a GUID', () => {
      assertRefused({ MICROSOFT_APP_ID: 'liftoff-bot', MICROSOFT_APP_PASSWORD: PASSWORD }, 'MICROSOFT_APP_ID', /GUID/);
    });

    it('refuses an app id without MICROSOFT_APP_PASSWORD', () => {
      assertRefused({ MICROSOFT_APP_ID: APP_ID }, 'MICROSOFT_APP_PASSWORD');
      assertRefused({ MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_TYPE: 'SingleTenant', MICROSOFT_APP_TENANT_ID: TENANT_ID }, 'MICROSOFT_APP_PASSWORD');
    });

    it('refuses a SingleTenant app without MICROSOFT_APP_TENANT_ID', () => {
      assertRefused({ MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: PASSWORD, MICROSOFT_APP_TYPE: 'SingleTenant' }, 'MICROSOFT_APP_TENANT_ID', /SingleTenant/);
    });

    it('refuses a UserAssignedMSI app without MICROSOFT_APP_TENANT_ID', () => {
      assertRefused({ MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_TYPE: 'UserAssignedMSI' }, 'MICROSOFT_APP_TENANT_ID', /UserAssignedMSI/);
    });

    it('refuses a MICROSOFT_APP_TENANT_ID that is not a GUID', () => {
      assertRefused({ MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: PASSWORD, MICROSOFT_APP_TENANT_ID: 'contoso.onmicrosoft.com' }, 'MICROSOFT_APP_TENANT_ID');
    });

    it('refuses an unknown MICROSOFT_APP_TYPE', () => {
      assertRefused({ MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: PASSWORD, MICROSOFT_APP_TYPE: 'SystemAssignedMSI' }, 'MICROSOFT_APP_TYPE');
    });

    it('refuses app settings given without MICROSOFT_APP_ID instead of silently running anonymous', () => {
      assertRefused({ MICROSOFT_APP_PASSWORD: PASSWORD }, 'MICROSOFT_APP_ID', /MICROSOFT_APP_PASSWORD/);
      assertRefused({ MICROSOFT_APP_TYPE: 'SingleTenant' }, 'MICROSOFT_APP_ID', /MICROSOFT_APP_TYPE/);
      assertRefused({ MICROSOFT_APP_TENANT_ID: TENANT_ID }, 'MICROSOFT_APP_ID', /MICROSOFT_APP_TENANT_ID/);
    });

    it('never repeats the app password in a refusal', () => {
      const messages = [
        assertRefused({ MICROSOFT_APP_PASSWORD: PASSWORD }, 'MICROSOFT_APP_ID'),
        assertRefused({ MICROSOFT_APP_ID: 'not-a-guid', MICROSOFT_APP_PASSWORD: PASSWORD }, 'MICROSOFT_APP_ID'),
        assertRefused({ MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: PASSWORD, MICROSOFT_APP_TYPE: 'SingleTenant' }, 'MICROSOFT_APP_TENANT_ID'),
      ];
      for (const message of messages) assert.ok(!message.includes(PASSWORD), message);
    });
  });

  describe('anonymous mode', () => {
    const realStore = { COSMOS_ENDPOINT: ENDPOINT, COSMOS_KEY: KEY, RETRO_PSEUDONYM_SECRET: SECRET };

    it('stops start-up when a real Cosmos DB would be served without Bot Framework authentication', () => {
      assertRefused(realStore, 'MICROSOFT_APP_ID', /COSMOS_ENDPOINT.*LIFTOFF_ALLOW_ANONYMOUS=true/);
    });

    it('still stops start-up when LIFTOFF_ALLOW_ANONYMOUS is anything but true', () => {
      assertRefused({ ...realStore, LIFTOFF_ALLOW_ANONYMOUS: 'false' }, 'MICROSOFT_APP_ID');
      assertRefused({ ...realStore, LIFTOFF_ALLOW_ANONYMOUS: 'yes' }, 'LIFTOFF_ALLOW_ANONYMOUS', /true, false/);
    });

    it('runs anonymously against a real Cosmos DB only with the explicit opt-in of a private test deployment', () => {
      const config = readConfig({ ...realStore, LIFTOFF_ALLOW_ANONYMOUS: 'true' });
      assert.deepEqual(config.auth, { mode: 'anonymous' });
      assert.equal(config.cosmos.mode, 'key');
    });

    it('needs no opt-in with the embedded Cosmos DB, whose data dies with the process', () => {
      assert.deepEqual(readConfig({}).auth, { mode: 'anonymous' });
    });

    it('needs no opt-in when the bot has its identity', () => {
      assert.equal(readConfig({ ...realStore, ...IDENTITY }).auth.mode, 'password');
    });
  });

  describe('Cosmos DB', () => {
    it('uses the account key when COSMOS_ENDPOINT and COSMOS_KEY are set', () => {
      const config = readConfig({ ...IDENTITY, COSMOS_ENDPOINT: ENDPOINT, COSMOS_KEY: KEY, RETRO_PSEUDONYM_SECRET: SECRET });
      assert.deepEqual(config.cosmos, { mode: 'key', endpoint: ENDPOINT, key: KEY, database: 'liftoff' });
    });

    it('uses the Azure identity when COSMOS_ENDPOINT is set without a key', () => {
      const config = readConfig({ ...IDENTITY, COSMOS_ENDPOINT: ENDPOINT, COSMOS_DATABASE: 'liftoff-prod', RETRO_PSEUDONYM_SECRET: SECRET });
      assert.deepEqual(config.cosmos, { mode: 'identity', endpoint: ENDPOINT, database: 'liftoff-prod' });
    });

    it('accepts a plain http endpoint such as the local emulator', () => {
      const config = readConfig({ ...IDENTITY, COSMOS_ENDPOINT: 'http://localhost:8081', COSMOS_KEY: KEY, RETRO_PSEUDONYM_SECRET: SECRET });
      assert.equal(config.cosmos.mode, 'key');
    });

    it('refuses COSMOS_KEY without COSMOS_ENDPOINT', () => {
      const message = assertRefused({ COSMOS_KEY: KEY }, 'COSMOS_ENDPOINT', /COSMOS_KEY/);
      assert.ok(!message.includes(KEY));
    });

    it('refuses a COSMOS_ENDPOINT that is not an http(s) URL', () => {
      for (const value of ['not a url', 'liftoff-prod.documents.azure.com', 'localhost:8081', 'ftp://liftoff-prod.documents.azure.com', 'https://']) {
        assertRefused({ COSMOS_ENDPOINT: value, COSMOS_KEY: KEY }, 'COSMOS_ENDPOINT', /http\(s\) URL/);
      }
    });

    it('does not repeat an account key pasted into COSMOS_ENDPOINT as a connection string', () => {
      const connectionString = `AccountEndpoint=${ENDPOINT};AccountKey=${KEY};`;
      const message = assertRefused({ COSMOS_ENDPOINT: connectionString }, 'COSMOS_ENDPOINT');
      assert.ok(!message.includes(KEY), `the refusal leaks the account key: ${message}`);
    });

    it('refuses a COSMOS_DATABASE with characters Cosmos ids cannot hold', () => {
      assertRefused({ COSMOS_DATABASE: 'liftoff/prod' }, 'COSMOS_DATABASE');
    });
  });

  describe('RETRO_PSEUDONYM_SECRET', () => {
    it('is required with a real Cosmos DB, whose data outlives the process', () => {
      assertRefused({ COSMOS_ENDPOINT: ENDPOINT, COSMOS_KEY: KEY }, 'RETRO_PSEUDONYM_SECRET', /COSMOS_ENDPOINT/);
    });

    it('may be left unset with the embedded Cosmos DB', () => {
      assert.equal(readConfig({}).retroPseudonymSecret, undefined);
    });

    it('refuses a secret shorter than 32 characters without repeating it', () => {
      const message = assertRefused({ RETRO_PSEUDONYM_SECRET: 'short-secret' }, 'RETRO_PSEUDONYM_SECRET', /32 characters/);
      assert.ok(!message.includes('short-secret'));
    });

    it('reads the secret it is given, trimmed', () => {
      assert.equal(readConfig({ RETRO_PSEUDONYM_SECRET: ` ${SECRET} ` }).retroPseudonymSecret, SECRET);
    });
  });

  describe('APPLICATIONINSIGHTS_CONNECTION_STRING', () => {
    const connectionString = `InstrumentationKey=${TENANT_ID};IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/`;

    it('reads an Application Insights connection string, trimmed', () => {
      assert.deepEqual(readConfig({ APPLICATIONINSIGHTS_CONNECTION_STRING: ` ${connectionString} ` }).monitor, { connectionString });
    });

    it('refuses a value that is not a connection string, without repeating it', () => {
      const message = assertRefused({ APPLICATIONINSIGHTS_CONNECTION_STRING: 'https://westeurope-5.in.applicationinsights.azure.com/' }, 'APPLICATIONINSIGHTS_CONNECTION_STRING');
      assert.doesNotMatch(message, /westeurope/);
    });
  });

  describe('ALLOWED_TENANTS', () => {
    it('reads a comma-separated list of tenant ids, ignoring spaces and empty entries', () => {
      assert.deepEqual(readConfig({ ALLOWED_TENANTS: ` ${TENANT_ID} ,, ${OTHER_TENANT},` }).allowedTenants, [TENANT_ID, OTHER_TENANT]);
    });

    it('refuses a list holding something that is not a GUID, naming it', () => {
      assertRefused({ ALLOWED_TENANTS: `${TENANT_ID},contoso.onmicrosoft.com` }, 'ALLOWED_TENANTS', /"contoso\.onmicrosoft\.com"/);
    });
  });

  describe('DECOMMISSION_HOLD_DAYS, COST_REVIEW_AFTER_DAYS and FOLLOW_UP_SWEEP_SECONDS', () => {
    it('read whole days and seconds', () => {
      const config = readConfig({ DECOMMISSION_HOLD_DAYS: '14', COST_REVIEW_AFTER_DAYS: '0', FOLLOW_UP_SWEEP_SECONDS: '0' });
      assert.deepEqual([config.decommissionHoldDays, config.costReviewAfterDays, config.followUpSweepSeconds], [14, 0, 0]);
    });

    it('refuse anything else with one sentence naming the variable', () => {
      for (const value of ['0', '366', '1.5', 'soon']) assertRefused({ DECOMMISSION_HOLD_DAYS: value }, 'DECOMMISSION_HOLD_DAYS', /whole number of days from 1 to 365/);
      for (const value of ['-1', '400', 'later']) assertRefused({ COST_REVIEW_AFTER_DAYS: value }, 'COST_REVIEW_AFTER_DAYS', /whole number of days from 0 to 365/);
      assertRefused({ FOLLOW_UP_SWEEP_SECONDS: 'often' }, 'FOLLOW_UP_SWEEP_SECONDS', /whole number of seconds/);
    });
  });

  describe('LIFTOFF_CURRENCY', () => {
    it('reads an ISO 4217 code in any case, USD when unset', () => {
      assert.equal(readConfig({}).currency, 'USD');
      assert.equal(readConfig({ LIFTOFF_CURRENCY: ' eur ' }).currency, 'EUR');
      assert.equal(readConfig({ LIFTOFF_CURRENCY: 'CHF' }).currency, 'CHF');
    });

    it('refuses a symbol, a name or a code that is no currency, with one sentence naming the variable', () => {
      for (const value of ['€', 'euro', 'XYZ', 'US']) assertRefused({ LIFTOFF_CURRENCY: value }, 'LIFTOFF_CURRENCY', /must be an ISO 4217 currency code such as USD, EUR or CHF/);
    });
  });

  describe('SIGNOFF_SWEEP_SECONDS', () => {
    it('reads how often expired UAT cycles are swept, 0 turning the sweep off', () => {
      assert.equal(readConfig({ SIGNOFF_SWEEP_SECONDS: ' 5 ' }).signoffSweepSeconds, 5);
      assert.equal(readConfig({ SIGNOFF_SWEEP_SECONDS: '0' }).signoffSweepSeconds, 0);
    });

    it('refuses a value that is not a whole number of seconds up to an hour', () => {
      for (const value of ['soon', '-1', '1.5', '3601']) assertRefused({ SIGNOFF_SWEEP_SECONDS: value }, 'SIGNOFF_SWEEP_SECONDS', /whole number of seconds/);
    });
  });

  describe('communication plans', () => {
    it('reads how often planned notices are looked for and the release window reminder lead', () => {
      assert.deepEqual(readConfig({ PLAN_SWEEP_SECONDS: '5', WINDOW_REMINDER_LEAD_HOURS: '48' }).plan, { sweepSeconds: 5, reminderLeadHours: 48 });
      assert.equal(readConfig({ WINDOW_REMINDER_LEAD_HOURS: '2.5' }).plan.reminderLeadHours, 2.5);
    });

    it('refuses a sweep that is not whole seconds and a lead outside 1 to 720 hours, naming the variable', () => {
      for (const value of ['soon', '-1', '3601']) assertRefused({ PLAN_SWEEP_SECONDS: value }, 'PLAN_SWEEP_SECONDS', /whole number of seconds/);
      for (const value of ['0', 'a day', '721']) assertRefused({ WINDOW_REMINDER_LEAD_HOURS: value }, 'WINDOW_REMINDER_LEAD_HOURS', /number of hours from 1 to 720/);
    });
  });

  describe('change communication', () => {
    it('reads the sender pace, the approval rule and the lease timings', () => {
      const config = readConfig({ BROADCAST_RATE_PER_SECOND: '2000', NOTICE_APPROVAL: 'Required', BROADCAST_LEASE_SECONDS: '1.5', BROADCAST_PROGRESS_SECONDS: '0.2' });
      assert.equal(config.broadcast.ratePerSecond, 2000);
      assert.equal(config.broadcast.approvalRequired, true);
      assert.equal(config.broadcast.leaseMs, 1500);
      assert.equal(config.broadcast.progressIntervalMs, 200);
    });

    it('refuses a rate that is not a positive number, and an unknown approval rule, naming the variable', () => {
      assertRefused({ BROADCAST_RATE_PER_SECOND: 'fast' }, 'BROADCAST_RATE_PER_SECOND', /"fast"/);
      assertRefused({ BROADCAST_RATE_PER_SECOND: '0' }, 'BROADCAST_RATE_PER_SECOND');
      assertRefused({ NOTICE_APPROVAL: 'sometimes' }, 'NOTICE_APPROVAL', /none, required/);
      assertRefused({ BROADCAST_LEASE_SECONDS: '-3' }, 'BROADCAST_LEASE_SECONDS');
    });
  });

  it('throws a ConfigError, an Error with its own name', () => {
    const error = new ConfigError('PORT must be a port number.');
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'ConfigError');
    assert.equal(error.message, 'PORT must be a port number.');
  });
});
