import { describe, expect, it } from 'vitest';
import { checkDocumentContent, MAX_DOCUMENT_BYTES, sniffContentType } from '../../../../src/engine/compliance/kyc/document-content.js';

const PDF = new TextEncoder().encode('%PDF-1.7\n%âãÏÓ\n1 0 obj\n');
const JPEG = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]);
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

const code = (r: ReturnType<typeof checkDocumentContent>) => (r.ok ? r.value : r.code);

describe('identity document content', () => {
  it('knows PDF, JPEG and PNG by their magic bytes', () => {
    expect([PDF, JPEG, PNG].map(sniffContentType)).toEqual(['application/pdf', 'image/jpeg', 'image/png']);
    expect(sniffContentType(new TextEncoder().encode('<html>'))).toBeUndefined();
    expect(sniffContentType(Uint8Array.from([0x89, 0x50, 0x4e, 0x47]))).toBeUndefined();
    expect(sniffContentType(new TextEncoder().encode('%PDF'))).toBeUndefined();
  });

  it('accepts content of the declared type, parameters and case aside', () => {
    expect(code(checkDocumentContent(PDF, 'application/pdf'))).toBe('application/pdf');
    expect(code(checkDocumentContent(JPEG, 'IMAGE/JPEG'))).toBe('image/jpeg');
    expect(code(checkDocumentContent(PNG, 'image/png; charset=binary'))).toBe('image/png');
  });

  it('refuses a declared type that differs from the content (KYC_DOCUMENT_TYPE_MISMATCH)', () => {
    expect(code(checkDocumentContent(PNG, 'application/pdf'))).toBe('KYC_DOCUMENT_TYPE_MISMATCH');
    expect(code(checkDocumentContent(PDF, 'image/jpeg'))).toBe('KYC_DOCUMENT_TYPE_MISMATCH');
  });

  it('refuses content of no accepted type, even declared as one (KYC_DOCUMENT_TYPE_UNKNOWN)', () => {
    expect(code(checkDocumentContent(new TextEncoder().encode('MZ\x90\x00 an executable'), 'application/pdf'))).toBe('KYC_DOCUMENT_TYPE_UNKNOWN');
    expect(code(checkDocumentContent(new TextEncoder().encode('<svg xmlns=…>'), 'image/png'))).toBe('KYC_DOCUMENT_TYPE_UNKNOWN');
  });

  it('refuses an empty document and one over 10 MiB, accepting exactly 10 MiB', () => {
    expect(MAX_DOCUMENT_BYTES).toBe(10 * 1024 * 1024);
    expect(code(checkDocumentContent(new Uint8Array(0), 'application/pdf'))).toBe('KYC_DOCUMENT_EMPTY');
    const big = new Uint8Array(MAX_DOCUMENT_BYTES + 1);
    big.set(PDF);
    expect(code(checkDocumentContent(big, 'application/pdf'))).toBe('KYC_DOCUMENT_TOO_LARGE');
    expect(code(checkDocumentContent(big.subarray(0, MAX_DOCUMENT_BYTES), 'application/pdf'))).toBe('application/pdf');
  });
});
