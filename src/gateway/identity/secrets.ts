/**
 * The random secrets the account service hands out and keeps only as hashes: refresh tokens, API
 * keys and MFA backup codes. Each carries at least 80 random bits (refresh tokens and API keys
 * 256), so a plain SHA-256 stores it safely: no guessing campaign gets through 2^80 candidates,
 * which is what a slow password hash would otherwise have to make up for, and a fast hash keeps
 * the check on every API-key request in microseconds.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const sha256Hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

/** Hex hashes compared in constant time (both are our own 64-character digests). */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** A session id: 128 random bits, base64url. */
export const newSessionId = (): string => randomBytes(16).toString('base64url');

const SECRET_BYTES = 32;
const SECRET_CHARS = 43; // base64url of 32 bytes, no padding

/** `<session id>.<secret>`: the session is found by id, the secret checked by hash. */
export function newRefreshToken(sessionId: string): string {
  return `${sessionId}.${randomBytes(SECRET_BYTES).toString('base64url')}`;
}

const REFRESH = new RegExp(`^([A-Za-z0-9_-]{22})\\.[A-Za-z0-9_-]{${SECRET_CHARS}}$`);

/** The session id a refresh token names, or undefined when it is not one of ours. */
export function refreshTokenSession(token: string): string | undefined {
  return REFRESH.exec(token)?.[1];
}

/**
 * `ak_<24 hex>.<secret>`: the prefix lets secret scanners and people recognise an engine key; the
 * id finds the row, the secret (256 bits) is checked against its hash.
 */
export function newApiKey(): { readonly id: string; readonly key: string; readonly secretHash: string } {
  const id = `ak_${randomBytes(12).toString('hex')}`;
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  return { id, key: `${id}.${secret}`, secretHash: sha256Hex(secret) };
}

const API_KEY = new RegExp(`^(ak_[0-9a-f]{24})\\.([A-Za-z0-9_-]{${SECRET_CHARS}})$`);

export function parseApiKey(key: string): { readonly id: string; readonly secretHash: string } | undefined {
  const m = API_KEY.exec(key);
  return m ? { id: m[1] as string, secretHash: sha256Hex(m[2] as string) } : undefined;
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** A backup code: 16 base32 characters (80 bits) in groups of four, e.g. `k3dq-7mzx-a2pe-wn5r`. */
export function newBackupCode(): string {
  const bytes = randomBytes(16);
  let s = '';
  for (const b of bytes) s += BASE32[b & 31];
  return s.match(/.{4}/g)!.join('-');
}

/** What the user typed, in the one form it was hashed in (case, dashes and spaces do not matter). */
export function normaliseBackupCode(code: string): string | undefined {
  const c = code.toLowerCase().replace(/[\s-]/g, '');
  return /^[a-z2-7]{16}$/.test(c) ? c : undefined;
}

/** Bound to the user, so one user's code hash means nothing in another's rows. */
export const backupCodeHash = (userId: string, normalised: string): string => sha256Hex(`backup\0${userId}\0${normalised}`);
