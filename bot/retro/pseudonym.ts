import { createHash, createHmac } from 'node:crypto';

/**
 * A person's pseudonym within one retro: HMAC-SHA256(server secret, retroId + ':' + aadObjectId).
 * Stable within the retro (so a person finds and edits their own entries), different in every retro,
 * and not reversible without the secret.
 */
export function pseudonymOf(secret: string, retroId: string, aadObjectId: string): string {
  return createHmac('sha256', secret).update(`${retroId}:${aadObjectId}`).digest('base64url');
}

/** A short stable digest of some parts, for natural document keys that make retries idempotent. */
export function digestOf(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('base64url').slice(0, 22);
}
