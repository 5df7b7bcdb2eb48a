/**
 * The REST face of KYC (src/persistence/kyc-service.ts; docs/KYC.md):
 *   POST /kyc/submit                          → 201 the customer's view of their case, and `screened`
 *   POST /kyc/documents {documentType, contentType, dataBase64, mrz?}
 *                                             → 201 {id, documentType, contentType, sizeBytes, flags, uploadedMs}
 *   GET  /kyc/me                              → the customer's view of their own case
 *   GET  /kyc/:userId                         → an officer: the whole case (KycView); the customer: their view
 *   GET  /kyc?state=…&limit=&after=           → {cases, nextAfter?} (officers)
 *   POST /kyc/:userId/decision {action, reason} → the case after the step (officers; maker-checker in the service)
 *   GET  /kyc/:userId/documents/:documentId   → the document's bytes, as an attachment (officers)
 * The customer is the caller (principal.sub) of the first three; the officers' routes need action
 * `kycReview` (authorize.ts: compliance_officer only, not admin). Failures keep their KYC code with
 * the status of KYC_ERROR_STATUS.
 *
 * Decisions worth knowing:
 * - A customer never sees their risk score, its factors, the screening decision or the officers'
 *   names and notes: telling a customer they are suspected is "tipping off", which AML law forbids.
 *   They see their state, their own submission, their documents (with the flags that tell them what
 *   to fix) and, while information is asked for, the officer's request. Submitting answers only
 *   whether a screening ran (`screened`), not its outcome. Reading one's own case by id is the same
 *   view, whatever one's roles: an officer does not read their own risk either.
 * - Every officer read is audited by the service before it is answered (`viewer`).
 * - The upload is JSON with the document in base64 (no multipart parser to trust); its route alone
 *   takes a body large enough for the largest document in base64 (~13.4 MiB for 10 MiB).
 */
import { z } from 'zod';
import { DOCUMENT_TYPES } from '../engine/compliance/kyc/kyc-submission.js';
import { KYC_ERROR_STATUS, type KycErrorCode } from '../engine/compliance/kyc/kyc-errors.js';
import { KycSubmission } from '../engine/compliance/kyc/kyc-submission.js';
import { KYC_STATES, KycDecisionBody } from '../engine/compliance/kyc/review-workflow.js';
import type { Result } from '../engine/result.js';
import type { KycDocumentMeta } from '../persistence/kyc-rows.js';
import type { KycService, KycView } from '../persistence/kyc-service.js';
import type { Principal } from './identity/ports.js';
import { type HttpResult, fail } from './http-util.js';
import { type DocErrors, FORBIDDEN, errorsByStatus } from './route-doc.js';
import { type RouteSpec, denied } from './route-spec.js';

/** Room in the upload's body for everything but the document: the field names, the type, the zone. */
const UPLOAD_ENVELOPE_BYTES = 64 * 1024;

/** Bytes of `n` bytes in base64 (padded). */
export const base64Length = (n: number): number => 4 * Math.ceil(n / 3);

/** The body limit of POST /kyc/documents: the largest document in base64, and its envelope. */
export const uploadBodyLimit = (maxDocumentBytes: number): number => base64Length(maxDocumentBytes) + UPLOAD_ENVELOPE_BYTES;

/**
 * Standard base64 with padding (RFC 4648 §4): Buffer.from(…, 'base64') skips what it cannot read,
 * so a malformed upload would otherwise be stored as some other bytes. A search for one bad
 * character, not a pattern of groups: a grouped pattern backtracks through 14 MB and overflows the stack.
 */
export function isBase64(s: string): boolean {
  if (s.length % 4 !== 0) return false;
  const unpadded = s.endsWith('==') ? s.slice(0, -2) : s.endsWith('=') ? s.slice(0, -1) : s;
  return !/[^A-Za-z0-9+/]/.test(unpadded);
}

export const DocumentUploadBody = z.strictObject({
  documentType: z.enum(DOCUMENT_TYPES),
  contentType: z.string().min(1).max(100),
  dataBase64: z.string().refine(isBase64, 'standard base64 with padding (A–Z a–z 0–9 + /, =), no spaces or line breaks'),
  mrz: z.string().max(200).optional(),
});
export type DocumentUploadBody = z.infer<typeof DocumentUploadBody>;

const LIMIT = /^[0-9]{1,3}$/;
const MAX_LIST = 500;

/** GET /kyc's query, for the document (the handler reads it itself to keep KYC_INVALID_QUERY). */
const KycListQuery = z.object({
  state: z.enum(KYC_STATES).describe('The cases in this state.'),
  limit: z.int().min(1).max(MAX_LIST).default(100),
  after: z.string().optional().describe('The nextAfter of the previous page.'),
});

const kycErrors = (codes: readonly KycErrorCode[], more: DocErrors = {}): DocErrors => errorsByStatus(KYC_ERROR_STATUS, codes, more);
const CUSTOMER_VIEW = '{userId, state, submittedMs, updatedMs, submission, erased, documents, infoRequested?}';
const SUBMISSION_EXAMPLE = {
  legalName: { givenNames: 'Ada', surname: 'Lovelace' }, dateOfBirth: '1990-12-10', nationality: 'GB', countryOfResidence: 'GB',
  address: { line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' },
  document: { type: 'passport', number: 'X1234567' }, sourceOfFunds: { kind: 'salary' }, tradingProfile: { expectedMonthlyNotionalUsd: 50_000 },
};

function answer<T>(r: Result<T, KycErrorCode>, okStatus = 200, view: (v: T) => unknown = (v) => v): HttpResult {
  if (r.ok) return { status: okStatus, body: view(r.value) };
  return fail(KYC_ERROR_STATUS[r.code], { code: r.code, message: r.message });
}

/** A document as its owner and the officers list it (no user id: the path or the caller says whose). */
function documentMeta(d: KycDocumentMeta): Record<string, unknown> {
  return { id: d.id, documentType: d.documentType, contentType: d.contentType, sizeBytes: d.sizeBytes, flags: d.flags, uploadedMs: d.uploadedMs };
}

/** What the customer reads of their own case: no risk, screening, officers or notes (tipping off). */
export function customerView(v: KycView): Record<string, unknown> {
  const asked = v.case.state === 'needs_info' ? [...v.transitions].reverse().find((t) => t.action === 'request_info')?.reason : undefined;
  return {
    userId: v.case.userId, state: v.case.state, submittedMs: v.case.submittedMs, updatedMs: v.case.updatedMs,
    submission: v.submission, erased: v.erased, documents: v.documents.map(documentMeta),
    ...(asked !== undefined ? { infoRequested: asked } : {}),
  };
}

export function kycRoutes(service: KycService): RouteSpec[] {
  const own = async (p: Principal): Promise<HttpResult> => answer(await service.get(p.sub), 200, customerView);
  return [
    {
      method: 'post', pattern: '/kyc/submit', paramCount: 0, hasBody: true,
      doc: {
        summary: 'Submit (or, when information was asked for, resubmit) the caller\'s KYC', tags: ['kyc'], body: KycSubmission, bodyExample: SUBMISSION_EXAMPLE,
        description: 'The body is checked by the KYC service with this schema (plus a birth date neither in the future nor more than 130 years ago).',
        responses: { 201: { description: '{userId, state, submittedMs, updatedMs, screened}' } },
        errors: kycErrors(['KYC_INVALID_SUBMISSION', 'KYC_ALREADY_SUBMITTED', 'KYC_BAD_TRANSITION', 'KYC_CONFLICT', 'KYC_DATA_ERASED']),
      },
      async handle(c) {
        const r = await service.submit(c.principal.sub, c.body);
        return answer(r, 201, (s) => ({
          userId: s.case.userId, state: s.case.state, submittedMs: s.case.submittedMs, updatedMs: s.case.updatedMs, screened: s.screening !== null,
        }));
      },
    },
    {
      method: 'post', pattern: '/kyc/documents', paramCount: 0, hasBody: true, maxBodyBytes: uploadBodyLimit(service.maxDocumentBytes),
      doc: {
        summary: 'Upload an identity document (PDF, JPEG or PNG, base64 in JSON)', tags: ['kyc'], body: DocumentUploadBody,
        bodyExample: { documentType: 'passport', contentType: 'image/png', dataBase64: 'iVBORw0KGgo=' },
        responses: { 201: { description: '{id, documentType, contentType, sizeBytes, flags, uploadedMs}' } },
        errors: kycErrors(['KYC_INVALID_DOCUMENT', 'KYC_DOCUMENT_EMPTY', 'KYC_MRZ_FORMAT', 'KYC_NOT_FOUND', 'KYC_DOCUMENT_TOO_LARGE', 'KYC_DOCUMENT_TYPE_UNKNOWN', 'KYC_DOCUMENT_TYPE_MISMATCH', 'KYC_DATA_ERASED']),
      },
      async handle(c) {
        const b = DocumentUploadBody.safeParse(c.body);
        if (!b.success) {
          const message = b.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
          return fail(KYC_ERROR_STATUS.KYC_INVALID_DOCUMENT, { code: 'KYC_INVALID_DOCUMENT', message });
        }
        const { documentType, contentType, dataBase64, mrz } = b.data;
        const bytes = Buffer.from(dataBase64, 'base64');
        const r = await service.uploadDocument(c.principal.sub, { documentType, contentType, bytes, ...(mrz !== undefined ? { mrz } : {}) });
        return answer(r, 201, documentMeta);
      },
    },
    {
      method: 'get', pattern: '/kyc/me', paramCount: 0, hasBody: false,
      doc: {
        summary: 'The caller\'s own KYC case', tags: ['kyc'], responses: { 200: { description: CUSTOMER_VIEW } }, errors: kycErrors(['KYC_NOT_FOUND', 'KYC_DATA_ERASED']),
      },
      handle: (c) => own(c.principal),
    },
    {
      method: 'get', pattern: '/kyc/:userId', paramCount: 1, hasBody: false,
      doc: {
        summary: 'A customer\'s KYC case: the whole case for an officer, the customer\'s view for themself', tags: ['kyc'],
        responses: { 200: { description: `Officers: {case, submission, risk, screening, transitions, documents, erased}; the customer: ${CUSTOMER_VIEW}` } },
        errors: kycErrors(['KYC_NOT_FOUND', 'KYC_DATA_ERASED'], FORBIDDEN),
      },
      async handle(c) {
        const userId = c.req.params[0] ?? '';
        if (userId === c.principal.sub) return own(c.principal);
        const d = denied(c.principal, 'kycReview');
        if (d) return d;
        return answer(await service.get(userId, c.principal.sub));
      },
    },
    {
      method: 'get', pattern: '/kyc', paramCount: 0, hasBody: false,
      doc: {
        summary: 'KYC cases in one state, a page at a time (officers)', tags: ['kyc'], query: KycListQuery,
        responses: { 200: { description: '{cases, nextAfter?}' } }, errors: kycErrors(['KYC_INVALID_QUERY'], FORBIDDEN),
      },
      async handle(c) {
        const d = denied(c.principal, 'kycReview');
        if (d) return d;
        const q = c.req.query;
        const rawLimit = q.get('limit');
        if (rawLimit !== null && !(LIMIT.test(rawLimit) && Number(rawLimit) >= 1 && Number(rawLimit) <= MAX_LIST)) {
          return fail(KYC_ERROR_STATUS.KYC_INVALID_QUERY, { code: 'KYC_INVALID_QUERY', message: `limit: an integer from 1 to ${MAX_LIST}` });
        }
        const limit = rawLimit === null ? 100 : Number(rawLimit);
        const after = q.get('after');
        const r = await service.list(q.get('state') ?? '', { limit, viewer: c.principal.sub, ...(after !== null ? { after } : {}) });
        return answer(r, 200, (cases) => ({ cases, ...(cases.length === limit ? { nextAfter: cases.at(-1)?.userId } : {}) }));
      },
    },
    {
      method: 'post', pattern: '/kyc/:userId/decision', paramCount: 1, hasBody: true,
      doc: {
        summary: 'An officer\'s step on a case: start_review, approve, reject, request_info (maker-checker)', tags: ['kyc'], body: KycDecisionBody,
        bodyExample: { action: 'start_review', reason: 'documents received' },
        responses: { 200: { description: 'The case after the step' } },
        errors: kycErrors(['KYC_INVALID_DECISION', 'KYC_REASON_REQUIRED', 'KYC_BAD_TRANSITION', 'KYC_CONFLICT', 'KYC_SAME_OFFICER', 'KYC_SELF_REVIEW', 'KYC_NOT_FOUND', 'KYC_DATA_ERASED'], FORBIDDEN),
      },
      async handle(c) {
        const d = denied(c.principal, 'kycReview');
        if (d) return d;
        return answer(await service.decide(c.req.params[0] ?? '', c.principal.sub, c.body));
      },
    },
    {
      method: 'get', pattern: '/kyc/:userId/documents/:documentId', paramCount: 2, hasBody: false,
      doc: {
        summary: 'A document\'s bytes, as an attachment (officers)', tags: ['kyc'],
        responses: { 200: { description: 'The document (application/pdf, image/jpeg or image/png)', contentType: 'application/octet-stream' } },
        errors: kycErrors(['KYC_DOCUMENT_NOT_FOUND', 'KYC_DATA_ERASED'], FORBIDDEN),
      },
      async handle(c) {
        const d = denied(c.principal, 'kycReview');
        if (d) return d;
        const [userId = '', documentId = ''] = c.req.params;
        const r = await service.readDocument(userId, documentId, c.principal.sub);
        if (!r.ok) return answer(r);
        // An attachment, never rendered in the officer's browser; nosniff and no-store are on every answer (http-policy.ts).
        return {
          status: 200, raw: { contentType: r.value.contentType, bytes: r.value.bytes },
          headers: [['content-disposition', `attachment; filename="${safeName(documentId)}${EXTENSION[r.value.contentType] ?? ''}"`]],
        };
      },
    },
  ];
}

const EXTENSION: Readonly<Record<string, string>> = { 'application/pdf': '.pdf', 'image/jpeg': '.jpg', 'image/png': '.png' };

/** A document id as a file name in a header: ids are UUIDs, but nothing from a path goes into a header unchecked. */
const safeName = (id: string): string => id.replace(/[^A-Za-z0-9-]/g, '_').slice(0, 100);
