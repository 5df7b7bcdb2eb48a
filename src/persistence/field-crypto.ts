/**
 * Field-level encryption of personal data: AES-256-GCM under a per-user data key, the data keys
 * wrapped (AES-256-GCM too) by a master key from configuration.
 *
 * Envelope, as stored in a text column (base64url parts joined by '.'):
 *
 *   v1 . <keyId> . <iv: 12 bytes> . <tag: 16 bytes> . <ciphertext>
 *
 * - A fresh random 96-bit IV per encryption (NIST SP 800-38D's recommended IV length; random IVs
 *   keep well under its 2^32 invocations bound per key for one user's fields).
 * - The table, column and row id are the additional authenticated data: a ciphertext copied into
 *   another row or column fails to decrypt instead of showing one person's data as another's.
 * - Wrapped data keys use the same envelope, keyed by the master key's id, with the user id as AAD.
 *   Rotating the master key re-wraps the data keys and leaves every field as it is; deleting a
 *   user's wrapped data key makes their fields unreadable (crypto-shredding).
 *
 * Written over node:crypto rather than a library: GCM, random IVs and the envelope are a few lines,
 * and the format is ours to keep stable.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { failure, ok, type Result } from '../engine/result.js';

export type FieldCryptoCode = 'FIELD_MALFORMED' | 'FIELD_KEY_MISSING' | 'FIELD_TAMPERED';

/** A 256-bit key and the id an envelope names it by. */
export interface KeyWithId {
  readonly id: string;
  readonly key: Buffer;
}

/** Where a field lives: bound into its ciphertext. */
export interface FieldContext {
  readonly table: string;
  readonly column: string;
  readonly rowId: string;
}

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;
/** Key ids travel inside the envelope: short and without the separator. */
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;

function checkKey(k: KeyWithId): void {
  if (k.key.length !== KEY_BYTES) throw new RangeError(`key ${k.id}: ${KEY_BYTES} bytes expected, got ${k.key.length}`);
  if (!KEY_ID.test(k.id)) throw new RangeError(`key id "${k.id}": 1 to 64 characters of A-Z a-z 0-9 _ - expected`);
}

function seal(k: KeyWithId, plaintext: Buffer, aad: Buffer): string {
  checkKey(k);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', k.key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [VERSION, k.id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
}

/** The key id an envelope names, or undefined when it is not one. */
export function envelopeKeyId(envelope: string): string | undefined {
  const parts = envelope.split('.');
  return parts.length === 5 && parts[0] === VERSION && KEY_ID.test(parts[1] as string) ? parts[1] : undefined;
}

function open(keyOf: (keyId: string) => Buffer | undefined, envelope: string, aad: Buffer): Result<Buffer, FieldCryptoCode> {
  const parts = envelope.split('.');
  if (parts.length !== 5 || parts[0] !== VERSION) return failure('FIELD_MALFORMED', `not a ${VERSION} envelope`);
  const [, keyId, ivText, tagText, ctText] = parts as [string, string, string, string, string];
  const iv = Buffer.from(ivText, 'base64url');
  const tag = Buffer.from(tagText, 'base64url');
  if (!KEY_ID.test(keyId) || iv.length !== IV_BYTES || tag.length !== TAG_BYTES) return failure('FIELD_MALFORMED', 'envelope parts of the wrong size');
  const key = keyOf(keyId);
  if (key === undefined) return failure('FIELD_KEY_MISSING', `no key ${keyId}`);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return ok(Buffer.concat([decipher.update(Buffer.from(ctText, 'base64url')), decipher.final()]));
  } catch {
    // GCM's tag check failed: the bytes, the key or the context differ from those sealed.
    return failure('FIELD_TAMPERED', 'the field does not authenticate under its key and context');
  }
}

const fieldAad = (c: FieldContext): Buffer => Buffer.from(`field\0${c.table}\0${c.column}\0${c.rowId}`, 'utf8');
const dataKeyAad = (userId: string): Buffer => Buffer.from(`data-key\0${userId}`, 'utf8');

/** Encrypts one field's text under a data key, bound to where it is stored. */
export function encryptField(dataKey: KeyWithId, plaintext: string, where: FieldContext): string {
  return seal(dataKey, Buffer.from(plaintext, 'utf8'), fieldAad(where));
}

/** Decrypts a field stored at `where`; `keyOf` finds the data key the envelope names. */
export function decryptField(keyOf: (keyId: string) => Buffer | undefined, envelope: string, where: FieldContext): Result<string, FieldCryptoCode> {
  const r = open(keyOf, envelope, fieldAad(where));
  return r.ok ? ok(r.value.toString('utf8')) : r;
}

/** A fresh random data key for one user. */
export function newDataKey(id: string): KeyWithId {
  const k = { id, key: randomBytes(KEY_BYTES) };
  checkKey(k);
  return k;
}

/** A user's data key sealed under the master key (store this, never the key itself). */
export function wrapDataKey(master: KeyWithId, userId: string, dataKey: KeyWithId): string {
  checkKey(dataKey);
  return seal(master, dataKey.key, dataKeyAad(userId));
}

/** The data key a wrapped one holds; `masterOf` finds the master key the envelope names. */
export function unwrapDataKey(masterOf: (keyId: string) => Buffer | undefined, userId: string, wrapped: string): Result<Buffer, FieldCryptoCode> {
  const r = open(masterOf, wrapped, dataKeyAad(userId));
  if (r.ok && r.value.length !== KEY_BYTES) return failure('FIELD_MALFORMED', `a wrapped data key of ${r.value.length} bytes`);
  return r;
}

/** The same data key sealed under another master key: what key rotation does to every user. */
export function rewrapDataKey(
  masterOf: (keyId: string) => Buffer | undefined, next: KeyWithId, userId: string, wrapped: string,
): Result<string, FieldCryptoCode> {
  const r = unwrapDataKey(masterOf, userId, wrapped);
  return r.ok ? ok(seal(next, r.value, dataKeyAad(userId))) : r;
}

/** Encrypts bytes (an uploaded document) under a data key, bound to where they are stored. */
export function encryptFieldBytes(dataKey: KeyWithId, plaintext: Uint8Array, where: FieldContext): string {
  return seal(dataKey, Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength), fieldAad(where));
}

/** Decrypts bytes sealed by encryptFieldBytes at `where`. */
export function decryptFieldBytes(keyOf: (keyId: string) => Buffer | undefined, envelope: string, where: FieldContext): Result<Buffer, FieldCryptoCode> {
  return open(keyOf, envelope, fieldAad(where));
}
