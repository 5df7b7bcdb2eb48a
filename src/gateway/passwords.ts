/**
 * Passwords: the policy a new one must meet, and how they are stored.
 *
 * Policy: at least 12 characters (at most 1,024, so a hash request stays bounded), not the account's
 * email, its local part or display name (nor containing them), and not one of the 49,000 common
 * passwords of zxcvbn-ts's list (`@zxcvbn-ts/language-common`, compared case-insensitively).
 *
 * Storage: scrypt (node:crypto) with N = 2^15, r = 8, p = 3 and a 16-byte random salt, 32-byte key:
 * one of OWASP's equivalent scrypt settings (Password Storage Cheat Sheet), chosen over N = 2^17,
 * p = 1 because it needs 32 MiB per hash instead of 128 MiB, which keeps a burst of logins on the
 * four libuv threads within memory. The parameters are stored with the hash
 * (`scrypt$<log2 N>$<r>$<p>$<salt>$<key>`, base64url), so raising them later only needs
 * `needsRehash` at the next login.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { dictionary } from '@zxcvbn-ts/language-common';

export const PASSWORD_POLICY = Object.freeze({ minLength: 12, maxLength: 1024 });
export const SCRYPT_PARAMS = Object.freeze({ log2N: 15, r: 8, p: 3, saltBytes: 16, keyBytes: 32 });

export type PasswordProblemCode = 'PASSWORD_TOO_SHORT' | 'PASSWORD_TOO_LONG' | 'PASSWORD_IS_PERSONAL' | 'PASSWORD_TOO_COMMON';
export interface PasswordProblem {
  readonly code: PasswordProblemCode;
  readonly message: string;
}

const COMMON = new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
/** Personal words shorter than this are too likely to occur by chance inside a good password. */
const MIN_PERSONAL_LENGTH = 4;

/** Why `password` may not be used by this account, or null when it may. */
export function passwordProblem(password: string, account: { readonly email: string; readonly displayName: string }): PasswordProblem | null {
  const length = [...password].length; // code points, as a user counts characters
  if (length < PASSWORD_POLICY.minLength) return { code: 'PASSWORD_TOO_SHORT', message: `at least ${PASSWORD_POLICY.minLength} characters, got ${length}` };
  if (length > PASSWORD_POLICY.maxLength) return { code: 'PASSWORD_TOO_LONG', message: `at most ${PASSWORD_POLICY.maxLength} characters` };
  const lower = password.toLowerCase();
  const compact = lower.replace(/\s+/g, '');
  const email = account.email.trim().toLowerCase();
  const personal = [email, email.split('@')[0] ?? '', account.displayName.toLowerCase().replace(/\s+/g, '')];
  if (personal.some((w) => w.length >= MIN_PERSONAL_LENGTH && compact.includes(w))) {
    return { code: 'PASSWORD_IS_PERSONAL', message: 'must not be or contain the email or the name' };
  }
  if (COMMON.has(lower)) return { code: 'PASSWORD_TOO_COMMON', message: 'is in a list of common passwords' };
  return null;
}

function derive(password: string, salt: Buffer, log2N: number, r: number, p: number, keyBytes: number): Promise<Buffer> {
  const N = 2 ** log2N;
  // scrypt needs 128·N·r bytes; node's default ceiling is 32 MiB, exactly this cost, so leave headroom.
  const maxmem = 256 * N * r;
  return new Promise((resolve, reject) => scrypt(password.normalize('NFC'), salt, keyBytes, { N, r, p, maxmem }, (err, key) => (err ? reject(err) : resolve(key))));
}

/** The stored form of a new password. */
export async function hashPassword(password: string): Promise<string> {
  const { log2N, r, p, saltBytes, keyBytes } = SCRYPT_PARAMS;
  const salt = randomBytes(saltBytes);
  const key = await derive(password, salt, log2N, r, p, keyBytes);
  return ['scrypt', log2N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

interface Parsed { readonly log2N: number; readonly r: number; readonly p: number; readonly salt: Buffer; readonly key: Buffer }

function parse(stored: string): Parsed | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [log2N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4] as string, 'base64url');
  const key = Buffer.from(parts[5] as string, 'base64url');
  // Bounds keep a corrupted or hostile row from asking for an hour of CPU or gigabytes of memory.
  const sane = Number.isInteger(log2N) && log2N >= 10 && log2N <= 20 && Number.isInteger(r) && r >= 1 && r <= 32
    && Number.isInteger(p) && p >= 1 && p <= 16 && salt.length >= 8 && key.length >= 16 && key.length <= 64;
  return sane ? { log2N, r, p, salt, key } : undefined;
}

/** Whether `password` is the one `stored` was made from. A malformed `stored` is simply no match. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const h = parse(stored);
  if (!h) return false;
  const key = await derive(password, h.salt, h.log2N, h.r, h.p, h.key.length);
  return timingSafeEqual(key, h.key);
}

/** Whether `stored` was made with weaker parameters than today's (re-hash at the next login). */
export function needsRehash(stored: string): boolean {
  const h = parse(stored);
  return !h || h.log2N < SCRYPT_PARAMS.log2N || h.r < SCRYPT_PARAMS.r || h.p < SCRYPT_PARAMS.p;
}
