import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import type { TabConfig } from '../config';
import type { Logger } from '../log';

/** The person a Teams SSO token names: their Entra object id and tenant, and a display name. */
export interface TabPerson {
  aadObjectId: string;
  tenantId: string;
  name: string;
}

/** What the issuer publishes at its OpenID metadata URL that the check needs. */
const metadataSchema = z.object({ issuer: z.string().min(1), jwks_uri: z.url() });

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Seconds of clock skew tolerated between Entra and this server. */
const CLOCK_TOLERANCE_SECONDS = 60;

/** Tokens already checked, kept until they expire: a tab polls with the same token for up to an hour. */
const MAX_CHECKED_TOKENS = 10_000;

interface Issuer {
  /** The issuer as published; Entra's multi-tenant metadata names the tenant as {tenantid}. */
  issuer: string;
  keys: ReturnType<typeof createRemoteJWKSet>;
}

/**
 * Checks the Teams SSO token a tab sends (Authorization: Bearer): RS256 signature against the issuer's
 * published keys, the issuer (with the token's own tenant), the audience (the tab's Application ID URI,
 * or the client id that ends it, which v2 tokens carry), expiry, and the tenant against ALLOWED_TENANTS.
 */
export class TabIdentity {
  private issuer: Promise<Issuer> | undefined;
  private readonly audiences: string[];
  /** The very token string that passed every check, and until when it stays valid (its exp, plus the skew). */
  private readonly checked = new Map<string, { person: TabPerson; until: number }>();

  constructor(
    private readonly config: TabConfig,
    private readonly allowedTenants: readonly string[],
    private readonly clock: () => Date,
    private readonly log: Logger,
  ) {
    const uri = config.appIdUri;
    const clientId = uri?.split('/').pop();
    this.audiences = uri ? [uri, ...(clientId && GUID.test(clientId) ? [clientId] : [])] : [];
  }

  /** The metadata is read once and kept; a failed read is tried again on the next request. */
  private loadIssuer(): Promise<Issuer> {
    if (!this.issuer) {
      this.issuer = (async () => {
        const response = await fetch(this.config.openIdMetadataUrl, { signal: AbortSignal.timeout(10_000) });
        if (!response.ok) throw new Error(`OpenID metadata answered HTTP ${response.status}`);
        const metadata = metadataSchema.parse(await response.json());
        return { issuer: metadata.issuer, keys: createRemoteJWKSet(new URL(metadata.jwks_uri)) };
      })();
      this.issuer.catch(() => (this.issuer = undefined));
    }
    return this.issuer;
  }

  /** The person of a valid token; undefined for a missing, malformed, expired or foreign one (the reason is logged). */
  async verify(authorization: string | undefined): Promise<TabPerson | undefined> {
    const token = /^Bearer ([\w-]+\.[\w-]+\.[\w-]*)$/i.exec(authorization?.trim() ?? '')?.[1];
    if (!token) return this.refuse('no-bearer-token');
    if (this.audiences.length === 0) return this.refuse('tab-sso-not-configured');
    const known = this.checked.get(token);
    if (known && known.until > this.clock().getTime()) return known.person;
    if (known) this.checked.delete(token);
    let payload: JWTPayload;
    try {
      const issuer = await this.loadIssuer();
      ({ payload } = await jwtVerify(token, issuer.keys, {
        algorithms: ['RS256'],
        audience: this.audiences,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: this.clock(),
        requiredClaims: ['exp', 'iss', 'aud'],
      }));
      const tenantId = typeof payload.tid === 'string' ? payload.tid : '';
      if (!GUID.test(tenantId)) return this.refuse('no-tenant');
      if (payload.iss !== issuer.issuer.replace('{tenantid}', tenantId)) return this.refuse('wrong-issuer');
      if (this.allowedTenants.length > 0 && !this.allowedTenants.includes(tenantId)) return this.refuse('tenant-not-allowed');
      const aadObjectId = typeof payload.oid === 'string' ? payload.oid : '';
      if (!GUID.test(aadObjectId)) return this.refuse('no-object-id');
      const name = typeof payload.name === 'string' && payload.name.trim() ? payload.name.trim() : 'Someone';
      const person = { aadObjectId, tenantId, name };
      this.remember(token, person, payload.exp);
      return person;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      return this.refuse(typeof code === 'string' ? code : 'token-check-failed', error);
    }
  }

  private remember(token: string, person: TabPerson, exp: number | undefined): void {
    if (exp === undefined) return;
    // The oldest entry goes first (a Map keeps insertion order): the cache never grows past its bound.
    if (this.checked.size >= MAX_CHECKED_TOKENS) this.checked.delete(this.checked.keys().next().value!);
    this.checked.set(token, { person, until: (exp + CLOCK_TOLERANCE_SECONDS) * 1000 });
  }

  private refuse(reason: string, error?: unknown): undefined {
    const failed = error !== undefined && (error as { code?: unknown }).code === undefined;
    this.log[failed ? 'error' : 'info']({ event: 'tab.token_refused', reason, ...(failed ? { err: error } : {}) }, 'tab token refused');
    return undefined;
  }
}
