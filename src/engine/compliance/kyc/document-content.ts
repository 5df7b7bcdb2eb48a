/**
 * An identity document's bytes checked before they are stored: not empty, at most
 * MAX_DOCUMENT_BYTES, and of a type known by its content (magic bytes), which must be the type the
 * upload declares. The declared type alone is the client's word; the bytes are what a reviewer's
 * viewer will open.
 */
import { failure, ok, type Result } from '../../result.js';
import type { KycErrorCode } from './kyc-errors.js';

/** 10 MiB: a scanned passport page is well under 5 MiB as JPEG or PDF at 300 dpi. */
export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;

export const DOCUMENT_CONTENT_TYPES = ['application/pdf', 'image/jpeg', 'image/png'] as const;
export type DocumentContentType = (typeof DOCUMENT_CONTENT_TYPES)[number];

const SIGNATURES: readonly { readonly type: DocumentContentType; readonly magic: readonly number[] }[] = [
  { type: 'application/pdf', magic: [0x25, 0x50, 0x44, 0x46, 0x2d] }, // %PDF-
  { type: 'image/jpeg', magic: [0xff, 0xd8, 0xff] },
  { type: 'image/png', magic: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
];

/** The type the bytes are, by their first bytes; undefined when none of ours. */
export function sniffContentType(bytes: Uint8Array): DocumentContentType | undefined {
  return SIGNATURES.find((s) => s.magic.length <= bytes.length && s.magic.every((b, i) => bytes[i] === b))?.type;
}

export function checkDocumentContent(bytes: Uint8Array, declared: string, maxBytes = MAX_DOCUMENT_BYTES): Result<DocumentContentType, KycErrorCode> {
  if (bytes.length === 0) return failure('KYC_DOCUMENT_EMPTY', 'the document has no bytes');
  if (bytes.length > maxBytes) return failure('KYC_DOCUMENT_TOO_LARGE', `the document has ${bytes.length} bytes, at most ${maxBytes} are accepted`);
  const actual = sniffContentType(bytes);
  if (actual === undefined) return failure('KYC_DOCUMENT_TYPE_UNKNOWN', `the content is none of ${DOCUMENT_CONTENT_TYPES.join(', ')}`);
  const want = declared.split(';')[0]?.trim().toLowerCase();
  if (want !== actual) return failure('KYC_DOCUMENT_TYPE_MISMATCH', `declared ${declared.slice(0, 100)}, but the content is ${actual}`);
  return ok(actual);
}
