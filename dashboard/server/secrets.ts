/**
 * The dashboard's secrets: one-time login codes and session tokens are 256 random bits,
 * base64url. Only their SHA-256 digests are stored (in etcd), so a copy of the store logs nobody in.
 */
import { createHash, randomBytes } from 'node:crypto';

/** Every session token starts with this, so the authenticator skips other bearer tokens without a storage read. */
export const SESSION_TOKEN_PREFIX = 'flotilla-dashboard.';

/** 32 random bytes, base64url (43 characters). */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** A new session bearer token. */
export function newSessionToken(): string {
  return SESSION_TOKEN_PREFIX + newSecret();
}

/** True for a string shaped like a secret from {@link newSecret} (no storage read for junk). */
export function isSecretShaped(s: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(s);
}

/** True for a bearer token shaped like one from {@link newSessionToken}. */
export function isSessionToken(token: string): boolean {
  return (
    token.startsWith(SESSION_TOKEN_PREFIX) &&
    isSecretShaped(token.slice(SESSION_TOKEN_PREFIX.length))
  );
}

/** Lower-case hex SHA-256 of a secret: the storage key of a code or session. */
export function sha256Hex(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
