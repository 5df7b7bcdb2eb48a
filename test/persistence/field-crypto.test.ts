import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  decryptField, encryptField, envelopeKeyId, type FieldContext, type KeyWithId, newDataKey, rewrapDataKey, unwrapDataKey, wrapDataKey,
} from '../../src/persistence/field-crypto.js';

const HOME: FieldContext = { table: 'kyc', column: 'legal_name', rowId: 'u-1' };
const keys = (...ks: KeyWithId[]) => (id: string) => ks.find((k) => k.id === id)?.key;

/** The envelope with one byte of its `part` (2 iv, 3 tag, 4 ciphertext) flipped. */
function flip(envelope: string, part: 2 | 3 | 4): string {
  const parts = envelope.split('.');
  const bytes = Buffer.from(parts[part]!, 'base64url');
  bytes[0] = bytes[0]! ^ 0x01;
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}

describe('field encryption (AES-256-GCM envelope)', () => {
  const dk = newDataKey('dk-u-1');

  it('reads back what it sealed, for text of any length and script', () => {
    for (const text of ['', 'Ada Lovelace', 'Zoë, Straße 7, 10115 Berlin', '名前', 'x'.repeat(10_000)]) {
      const sealed = encryptField(dk, text, HOME);
      expect(sealed.startsWith('v1.dk-u-1.')).toBe(true);
      expect(decryptField(keys(dk), sealed, HOME)).toEqual({ ok: true, value: text });
    }
  });

  it('draws a fresh IV for every encryption, so equal values give unequal envelopes', () => {
    const a = encryptField(dk, 'same', HOME);
    const b = encryptField(dk, 'same', HOME);
    expect(a).not.toBe(b);
    expect(a.split('.')[2]).not.toBe(b.split('.')[2]);
  });

  it.each([[2, 'iv'], [3, 'tag'], [4, 'ciphertext']] as const)('refuses an envelope whose part %s (%s) was changed', (part, _name) => {
    const r = decryptField(keys(dk), flip(encryptField(dk, 'Ada Lovelace', HOME), part), HOME);
    expect(r).toMatchObject({ ok: false, code: 'FIELD_TAMPERED' });
  });

  it('refuses a ciphertext copied to another row, column or table (the context is authenticated)', () => {
    const sealed = encryptField(dk, 'Ada Lovelace', HOME);
    for (const where of [{ ...HOME, rowId: 'u-2' }, { ...HOME, column: 'address' }, { ...HOME, table: 'users' }]) {
      expect(decryptField(keys(dk), sealed, where)).toMatchObject({ ok: false, code: 'FIELD_TAMPERED' });
    }
  });

  it('refuses under another key of the same id, and says so when the key is missing', () => {
    const sealed = encryptField(dk, 'Ada Lovelace', HOME);
    const impostor = { id: dk.id, key: randomBytes(32) };
    expect(decryptField(keys(impostor), sealed, HOME)).toMatchObject({ ok: false, code: 'FIELD_TAMPERED' });
    expect(decryptField(keys(), sealed, HOME)).toMatchObject({ ok: false, code: 'FIELD_KEY_MISSING' });
  });

  it('names what is malformed without trying to decrypt it', () => {
    const sealed = encryptField(dk, 'x', HOME);
    for (const bad of ['', 'plain text', sealed.replace(/^v1/, 'v2'), sealed.split('.').slice(0, 4).join('.'), flipLength(sealed)]) {
      expect(decryptField(keys(dk), bad, HOME)).toMatchObject({ ok: false, code: 'FIELD_MALFORMED' });
    }
    expect(envelopeKeyId(sealed)).toBe('dk-u-1');
    expect(envelopeKeyId('v1.not a key id.a.b.c')).toBeUndefined();
  });

  it('refuses keys that are not 256 bits and key ids that would break the envelope', () => {
    expect(() => encryptField({ id: 'short', key: randomBytes(16) }, 'x', HOME)).toThrow(/32 bytes/);
    expect(() => encryptField({ id: 'a.b', key: randomBytes(32) }, 'x', HOME)).toThrow(/key id/);
  });
});

/** The envelope with a 16-byte IV: the right shape of parts, the wrong size. */
function flipLength(envelope: string): string {
  const parts = envelope.split('.');
  parts[2] = randomBytes(16).toString('base64url');
  return parts.join('.');
}

describe('data keys wrapped by the master key', () => {
  const m1: KeyWithId = { id: 'm1', key: randomBytes(32) };
  const m2: KeyWithId = { id: 'm2', key: randomBytes(32) };

  it('unwraps to the same key, and only for the user it was wrapped for', () => {
    const dk = newDataKey('dk-u-1');
    const wrapped = wrapDataKey(m1, 'u-1', dk);
    expect(wrapped).not.toContain(dk.key.toString('base64url'));
    const r = unwrapDataKey(keys(m1), 'u-1', wrapped);
    expect(r.ok && r.value.equals(dk.key)).toBe(true);
    expect(unwrapDataKey(keys(m1), 'u-2', wrapped)).toMatchObject({ ok: false, code: 'FIELD_TAMPERED' });
  });

  it('rotation re-wraps under the new master key and leaves every field readable', () => {
    const users = ['u-1', 'u-2', 'u-3'];
    const store = new Map(users.map((u) => {
      const dk = newDataKey(`dk-${u}`);
      return [u, { wrapped: wrapDataKey(m1, u, dk), field: encryptField(dk, `name of ${u}`, { ...HOME, rowId: u }) }];
    }));
    for (const [u, row] of store) {
      const next = rewrapDataKey(keys(m1), m2, u, row.wrapped);
      if (!next.ok) throw new Error(next.message);
      expect(envelopeKeyId(next.value)).toBe('m2');
      row.wrapped = next.value;
    }
    // The old master key is gone: every field still reads through the new one.
    for (const [u, row] of store) {
      const dk = unwrapDataKey(keys(m2), u, row.wrapped);
      if (!dk.ok) throw new Error(dk.message);
      expect(decryptField(keys({ id: `dk-${u}`, key: dk.value }), row.field, { ...HOME, rowId: u })).toEqual({ ok: true, value: `name of ${u}` });
      expect(unwrapDataKey(keys(m1), u, row.wrapped)).toMatchObject({ ok: false, code: 'FIELD_KEY_MISSING' });
    }
  });

  it('a shredded user (data key deleted) has fields no key can read, while others keep theirs', () => {
    const wrapped = new Map<string, string>();
    const fields = new Map<string, string>();
    for (const u of ['u-1', 'u-2']) {
      const dk = newDataKey(`dk-${u}`);
      wrapped.set(u, wrapDataKey(m1, u, dk));
      fields.set(u, encryptField(dk, `dob of ${u}`, { ...HOME, column: 'dob', rowId: u }));
    }
    wrapped.delete('u-1'); // crypto-shredding: only the wrapped key is deleted
    const dataKeyOf = (u: string) => (id: string) => {
      const w = wrapped.get(u);
      if (w === undefined || id !== `dk-${u}`) return undefined;
      const r = unwrapDataKey(keys(m1), u, w);
      return r.ok ? r.value : undefined;
    };
    expect(decryptField(dataKeyOf('u-1'), fields.get('u-1')!, { ...HOME, column: 'dob', rowId: 'u-1' })).toMatchObject({ ok: false, code: 'FIELD_KEY_MISSING' });
    expect(decryptField(dataKeyOf('u-2'), fields.get('u-2')!, { ...HOME, column: 'dob', rowId: 'u-2' })).toEqual({ ok: true, value: 'dob of u-2' });
  });
});
