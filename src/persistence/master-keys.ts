/**
 * The master keys that wrap the per-user data keys (field-crypto.ts), as configuration gives them:
 * ENCRYPTION_KEY (the current one, which wraps) and ENCRYPTION_KEY_PREVIOUS (older ones, which
 * still unwrap during a rotation). A key is 32 bytes written as base64 (44 characters) or hex (64).
 *
 * A master key's id is derived from the key itself (`mk-` + 12 base64url characters of its
 * SHA-256): envelopes name the key that sealed them without revealing it, two engines configured
 * with the same key agree on its id, and no separate id setting can drift from the key.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { KEY_BYTES, type KeyWithId } from './field-crypto.js';

/** The master keys in force: `current` wraps new and rotated data keys; `previous` only unwrap. */
export interface MasterKeys {
  readonly current: KeyWithId;
  readonly previous: readonly KeyWithId[];
}

/** The id an envelope names a master key by (not secret: 72 bits of its hash). */
export function masterKeyId(key: Buffer): string {
  return `mk-${createHash('sha256').update(key).digest('base64url').slice(0, 12)}`;
}

export const MASTER_KEY_FORMAT = `${KEY_BYTES} bytes as base64 (44 characters) or hex (64 characters), e.g. from \`openssl rand -base64 32\``;

/** The key one setting holds, or why it is not one (the message names the format, never the key). */
export function parseMasterKey(text: string): { readonly ok: true; readonly key: KeyWithId } | { readonly ok: false; readonly problem: string } {
  const t = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(t)) key = Buffer.from(t, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) key = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (key === undefined || key.length !== KEY_BYTES) {
    const why = t.length < 44 ? `too short (${t.length} characters)` : 'malformed';
    return { ok: false, problem: `${why}: expected ${MASTER_KEY_FORMAT}` };
  }
  if (isWeak(key)) return { ok: false, problem: 'a known default or placeholder key (every byte the same, or the bytes 0, 1, 2, ...): make a random one' };
  return { ok: true, key: { id: masterKeyId(key), key } };
}

/** Keys nobody chose at random: a placeholder copied from an example must not protect real data. */
function isWeak(key: Buffer): boolean {
  const same = key.every((b) => b === key[0]);
  const counting = key.every((b, i) => b === i || b === i + 1);
  return same || counting;
}

/**
 * The development master key: created once (random, 0600) under DATA_DIR, like the development
 * JWT key, so that the engine and the CLI started from the same folder read each other's data.
 * Production refuses it (config.ts).
 */
export function devMasterKey(dataDir: string): KeyWithId | { readonly problem: string } {
  const file = resolve(dataDir, 'dev-encryption-key');
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(KEY_BYTES).toString('base64'), { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
  }
  const parsed = parseMasterKey(readFileSync(file, 'utf8'));
  if (!parsed.ok) return { problem: `${file}: the development encryption key is ${parsed.problem}; move it away only if nothing was encrypted with it` };
  return parsed.key;
}
