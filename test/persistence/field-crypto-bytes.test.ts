import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptFieldBytes, encryptField, encryptFieldBytes, type FieldContext, newDataKey } from '../../src/persistence/field-crypto.js';

const AT: FieldContext = { table: 'kyc_documents', column: 'content', rowId: 'doc-1' };

describe('field encryption of bytes (documents)', () => {
  const dk = newDataKey('dk-u-1');
  const keyOf = (id: string) => (id === dk.id ? dk.key : undefined);

  it('returns the bytes sealed, a view into a larger buffer included', () => {
    const big = randomBytes(4096);
    const view = big.subarray(100, 1100);
    const sealed = encryptFieldBytes(dk, view, AT);
    expect(sealed).not.toContain(view.toString('base64url').slice(0, 16));
    const r = decryptFieldBytes(keyOf, sealed, AT);
    expect(r.ok && r.value.equals(view)).toBe(true);
  });

  it('does not open in another row or without its key', () => {
    const sealed = encryptFieldBytes(dk, Buffer.from('%PDF-1.7'), AT);
    expect(decryptFieldBytes(keyOf, sealed, { ...AT, rowId: 'doc-2' })).toMatchObject({ ok: false, code: 'FIELD_TAMPERED' });
    expect(decryptFieldBytes(() => undefined, sealed, AT)).toMatchObject({ ok: false, code: 'FIELD_KEY_MISSING' });
  });

  it('reads a text field as its UTF-8 bytes (one envelope format for both)', () => {
    const r = decryptFieldBytes(keyOf, encryptField(dk, 'Åsa', AT), AT);
    expect(r.ok && r.value.toString('utf8')).toBe('Åsa');
  });
});
