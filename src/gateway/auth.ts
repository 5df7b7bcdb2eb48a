/**
 * The credentials a request carries: `Authorization: Bearer <access token>` (tokens.ts verifies it) or
 * `Authorization: ApiKey <key>` (an ApiKeyVerifier checks it). A websocket verifies once per
 * connection (`auth`), never per message.
 */
import type { Result } from '../engine/result.js';
import type { Principal, SessionRevocations } from './identity/ports.js';

export { ROLES, type Role, type Principal, type Grant } from './identity/ports.js';
export { JWT_DEFAULTS } from './tokens.js';

/** What an Authorization header holds. */
export type Credential = { readonly kind: 'bearer'; readonly token: string } | { readonly kind: 'apiKey'; readonly key: string };

/** `Authorization: Bearer <token>` → the token, or undefined. */
export function bearerToken(header: string): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

/** A Bearer token or an ApiKey, or undefined when the header holds neither. */
export function credentialOf(header: string): Credential | undefined {
  const token = bearerToken(header);
  if (token !== undefined) return { kind: 'bearer', token };
  const m = /^ApiKey\s+(\S+)\s*$/i.exec(header);
  return m?.[1] !== undefined ? { kind: 'apiKey', key: m[1] } : undefined;
}

/** A verified principal whose login session was revoked since its token was issued is refused. */
export function notRevoked(revocations: SessionRevocations | undefined, r: Result<Principal, string>): Result<Principal, string> {
  if (!r.ok || revocations === undefined || r.value.sessionId === undefined || !revocations.isRevoked(r.value.sessionId)) return r;
  return { ok: false, code: 'SESSION_REVOKED', message: 'the session of this token was signed out or revoked; sign in again' };
}
