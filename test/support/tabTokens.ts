import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import type { Person } from '../../bot/release/model';
import { TENANT } from './builders';

/** The tab's Application ID URI in tests; its last segment is the client id, as Entra writes it. */
export const TAB_APP_ID_URI = 'api://liftoff.test/6d1c2a4e-0b7f-4e55-9a53-3c1d2e4f5a6b';

/**
 * A token issuer of our own on loopback: OpenID metadata and a JWKS with one RSA key, as Microsoft Entra
 * publishes them (its issuer names the tenant as {tenantid}), and tokens signed with that key.
 */
export interface TokenIssuer {
  metadataUrl: string;
  /** The issuer a token of this tenant carries. */
  issuerOf(tenantId: string): string;
  /** A Teams SSO token for a person: valid for an hour unless claims say otherwise. */
  token(who: Person, claims?: JWTPayload, options?: { now?: Date }): Promise<string>;
  /** The environment that points Liftoff's tab at this issuer. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startTokenIssuer(): Promise<TokenIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', use: 'sig', alg: 'RS256' };
  let base = '';
  const server = http.createServer((req, res) => {
    const body =
      req.url === '/common/v2.0/.well-known/openid-configuration'
        ? { issuer: `${base}/{tenantid}/v2.0`, jwks_uri: `${base}/common/discovery/v2.0/keys`, id_token_signing_alg_values_supported: ['RS256'] }
        : req.url === '/common/discovery/v2.0/keys'
          ? { keys: [jwk] }
          : undefined;
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { error: 'not found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const metadataUrl = `${base}/common/v2.0/.well-known/openid-configuration`;
  const issuerOf = (tenantId: string) => `${base}/${tenantId}/v2.0`;
  return {
    metadataUrl,
    issuerOf,
    env: { TAB_APP_ID_URI, ENTRA_OPENID_METADATA_URL: metadataUrl },
    async token(who, claims = {}, options = {}) {
      const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
      const tenantId = typeof claims.tid === 'string' ? claims.tid : TENANT;
      // Claims given win over the defaults: that is how a spec makes a token expired or for someone else.
      const payload = {
        iss: issuerOf(tenantId),
        aud: TAB_APP_ID_URI,
        iat: now,
        nbf: now,
        exp: now + 3600,
        tid: tenantId,
        oid: who.aadObjectId,
        name: who.name,
        scp: 'access_as_user',
        ver: '2.0',
        ...claims,
      };
      return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: 'test-key', typ: 'JWT' }).sign(privateKey);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
