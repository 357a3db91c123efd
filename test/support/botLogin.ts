import { createHmac, generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { once } from 'node:events';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
// The key source botbuilder reads is swapped for this loopback one; every check on the token itself stays botbuilder's.
import { AuthenticationConstants } from 'botframework-connector';
import { JwtTokenExtractor } from 'botframework-connector/lib/auth/jwtTokenExtractor';
import { OpenIdMetadata } from 'botframework-connector/lib/auth/openIdMetadata';

/** The claims of a Bot Framework channel token; tests change one of them to forge a bad one. */
export interface ChannelClaims {
  iss?: string;
  aud?: string;
  serviceurl?: string;
  nbf?: number;
  exp?: number;
  [claim: string]: unknown;
}

/** A fake Bot Framework login service: the OpenID metadata and signing keys of the channel, on loopback. */
export interface FakeBotLogin {
  /** A token signed with the channel's own key (valid unless the claims say otherwise). */
  channelToken(claims: ChannelClaims): string;
  /** A token with the channel's key id, signed by a key the channel never published. */
  foreignKeyToken(claims: ChannelClaims): string;
  /** A token signed with HS256, using the channel's public key as the shared secret (the classic confusion). */
  hs256Token(claims: ChannelClaims): string;
  /** An unsigned token (alg none). */
  unsignedToken(claims: ChannelClaims): string;
  close(): Promise<void>;
}

const KEY_ID = 'liftoff-test-channel-key';
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Claims Teams' channel would put in a token for this bot and this service URL, valid for an hour. */
export function channelClaims(appId: string, serviceUrl: string): ChannelClaims {
  const now = Math.floor(Date.now() / 1000);
  return { iss: AuthenticationConstants.ToBotFromChannelTokenIssuer, aud: appId, serviceurl: serviceUrl, nbf: now - 60, iat: now - 60, exp: now + 3600 };
}

export async function startFakeBotLogin(): Promise<FakeBotLogin> {
  const channel = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = channel.publicKey.export({ format: 'jwk' });
  let base = '';
  const server: Server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/openid') res.end(JSON.stringify({ issuer: AuthenticationConstants.ToBotFromChannelTokenIssuer, jwks_uri: `${base}/keys` }));
    else if (req.url === '/keys') res.end(JSON.stringify({ keys: [{ kty: 'RSA', use: 'sig', kid: KEY_ID, n: jwk.n, e: jwk.e, endorsements: ['msteams'] }] }));
    else res.writeHead(404).end('{}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const metadataUrl = AuthenticationConstants.ToBotFromChannelOpenIdMetadataUrl;
  // A private static of botbuilder: the one place its key source can be swapped without a network.
  const cache = (JwtTokenExtractor as unknown as { openIdMetadataCache: Map<string, OpenIdMetadata> }).openIdMetadataCache;
  const previous = cache.get(metadataUrl);
  cache.set(metadataUrl, new OpenIdMetadata(`${base}/openid`));

  const rs256 = (key: KeyObject, claims: ChannelClaims): string => {
    const input = `${b64({ alg: 'RS256', typ: 'JWT', kid: KEY_ID })}.${b64(claims)}`;
    return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
  };
  return {
    channelToken: (claims) => rs256(channel.privateKey, claims),
    foreignKeyToken: (claims) => rs256(foreign.privateKey, claims),
    hs256Token(claims) {
      const input = `${b64({ alg: 'HS256', typ: 'JWT', kid: KEY_ID })}.${b64(claims)}`;
      const secret = channel.publicKey.export({ type: 'spki', format: 'pem' });
      return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
    },
    unsignedToken: (claims) => `${b64({ alg: 'none', typ: 'JWT', kid: KEY_ID })}.${b64(claims)}.`,
    async close() {
      if (previous) cache.set(metadataUrl, previous);
      else cache.delete(metadataUrl);
      server.close();
      await once(server, 'close');
    },
  };
}
