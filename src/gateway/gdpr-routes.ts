/**
 * The REST face of the GDPR rights (src/persistence/gdpr-service.ts; docs/GDPR.md):
 *   GET  /gdpr/export                          → the caller's own data (PersonalDataExport)
 *   POST /gdpr/export {userId}                 → a person's data, for a compliance officer (audited)
 *   POST /gdpr/erasure {userId, reason, releaseKycHold?} → what was erased and what was kept, and why
 *   GET  /gdpr/consents                        → the caller's consents: current state and history
 *   POST /gdpr/consents {purpose, textVersion, granted} → 201 the record added
 * The officers' routes need action `gdpr` (authorize.ts: compliance_officer). The person's own
 * routes take a login token: an API key's subject is the key, not a person.
 */
import { z } from 'zod';
import { CONSENT_PURPOSE_TEXT, CONSENT_PURPOSES, ConsentChange, currentConsents } from '../engine/compliance/gdpr/consent.js';
import { GDPR_ERROR_STATUS, type GdprErrorCode } from '../engine/compliance/gdpr/gdpr-errors.js';
import type { Result } from '../engine/result.js';
import type { ConsentService } from '../persistence/consent-service.js';
import { ErasureRequest, ExportRequest, type GdprService } from '../persistence/gdpr-service.js';
import { errors } from './errors.js';
import type { Principal } from './identity/ports.js';
import { type HttpResult, fail } from './http-util.js';
import { type DocErrors, FORBIDDEN, errorsByStatus } from './route-doc.js';
import { type RouteSpec, denied } from './route-spec.js';

const gdprErrors = (codes: readonly GdprErrorCode[], more: DocErrors = {}): DocErrors => errorsByStatus(GDPR_ERROR_STATUS, codes, more);
const EXPORT = '{format, userId, generatedAt, requestedBy, sections: [{category, what, purpose, legalBasis, retention, data}], withheld: [{category, reason}]}';
const ERASURE = '{userId, pseudonym, erasedAt, erasedBy, reason, erased: [{category, what, how}], kept: [{category, what, why, legalBasis, retention}]}';

function answer<T>(r: Result<T, GdprErrorCode>, okStatus = 200): HttpResult {
  if (r.ok) return { status: okStatus, body: r.value };
  return fail(GDPR_ERROR_STATUS[r.code], { code: r.code, message: r.message });
}

function invalid(e: z.ZodError, reasonCode = false): HttpResult {
  const issue = e.issues[0];
  const field = issue?.path.join('.') || '(body)';
  const code: GdprErrorCode = reasonCode && field === 'reason' ? 'GDPR_REASON_REQUIRED' : 'GDPR_INVALID_REQUEST';
  return fail(GDPR_ERROR_STATUS[code], { code, message: `${field}: ${issue?.message ?? 'invalid'}` });
}

/** A person's own routes: a login token, whose subject is the person. */
function personOf(p: Principal): HttpResult | null {
  return p.via === 'token' ? null : fail(403, errors.forbidden('a person\'s own data is reached with their login token, not an API key'));
}

function consentView(history: Awaited<ReturnType<ConsentService['history']>>): unknown {
  const current = currentConsents(history);
  return {
    current: Object.fromEntries(CONSENT_PURPOSES.map((p) => [p, { means: CONSENT_PURPOSE_TEXT[p], granted: current[p]?.granted ?? false, textVersion: current[p]?.textVersion ?? null, atMs: current[p]?.atMs ?? null }])),
    history,
  };
}

export function gdprRoutes(service: GdprService, consents: ConsentService): RouteSpec[] {
  return [
    {
      method: 'get', pattern: '/gdpr/export', paramCount: 0, hasBody: false,
      doc: {
        summary: 'Everything held about the caller, decrypted, with purpose, legal basis and retention (GDPR arts. 15, 20)', tags: ['gdpr'],
        responses: { 200: { description: EXPORT } }, errors: gdprErrors(['GDPR_USER_NOT_FOUND', 'GDPR_ALREADY_ERASED'], FORBIDDEN),
      },
      async handle(c) {
        return personOf(c.principal) ?? answer(await service.export(c.principal.sub));
      },
    },
    {
      method: 'post', pattern: '/gdpr/export', paramCount: 0, hasBody: true,
      doc: {
        summary: 'Everything held about a person, for a compliance officer answering their request (audited)', tags: ['gdpr'], body: ExportRequest,
        bodyExample: { userId: '7f9c2b1e-2f4d-4a51-9a57-0c1b2d3e4f50' },
        responses: { 200: { description: EXPORT } }, errors: gdprErrors(['GDPR_INVALID_REQUEST', 'GDPR_USER_NOT_FOUND', 'GDPR_ALREADY_ERASED'], FORBIDDEN),
      },
      async handle(c) {
        const d = denied(c.principal, 'gdpr');
        if (d) return d;
        const b = ExportRequest.safeParse(c.body);
        if (!b.success) return invalid(b.error);
        return answer(await service.export(b.data.userId, c.principal.sub));
      },
    },
    {
      method: 'post', pattern: '/gdpr/erasure', paramCount: 0, hasBody: true,
      doc: {
        summary: 'Erase a person (GDPR art. 17): crypto-shredding, records the law keeps linked to a pseudonym (audited)', tags: ['gdpr'], body: ErasureRequest,
        bodyExample: { userId: '7f9c2b1e-2f4d-4a51-9a57-0c1b2d3e4f50', reason: 'request of 2024-05-02, ticket DPO-118' },
        responses: { 200: { description: ERASURE } },
        errors: gdprErrors(['GDPR_INVALID_REQUEST', 'GDPR_REASON_REQUIRED', 'GDPR_USER_NOT_FOUND', 'GDPR_ALREADY_ERASED', 'GDPR_KYC_LEGAL_HOLD', 'GDPR_SELF_ERASURE', 'GDPR_UNAVAILABLE'], FORBIDDEN),
      },
      async handle(c) {
        const d = denied(c.principal, 'gdpr');
        if (d) return d;
        const b = ErasureRequest.safeParse(c.body);
        if (!b.success) return invalid(b.error, true);
        return answer(await service.erase(c.principal.sub, b.data));
      },
    },
    {
      method: 'get', pattern: '/gdpr/consents', paramCount: 0, hasBody: false,
      doc: {
        summary: 'The caller\'s consents: the state of each purpose and every grant and withdrawal', tags: ['gdpr'],
        responses: { 200: { description: '{current: {<purpose>: {means, granted, textVersion, atMs}}, history: [{purpose, textVersion, granted, atMs}]}' } }, errors: FORBIDDEN,
      },
      async handle(c) {
        return personOf(c.principal) ?? { status: 200, body: consentView(await consents.history(c.principal.sub)) };
      },
    },
    {
      method: 'post', pattern: '/gdpr/consents', paramCount: 0, hasBody: true,
      doc: {
        summary: 'Give or withdraw consent to one purpose (processing that needs it stops at once on withdrawal)', tags: ['gdpr'], body: ConsentChange,
        bodyExample: { purpose: 'product_analytics', textVersion: '2024-05', granted: true },
        responses: { 201: { description: '{purpose, textVersion, granted, atMs}' } }, errors: gdprErrors(['GDPR_INVALID_REQUEST'], FORBIDDEN),
      },
      async handle(c) {
        const who = personOf(c.principal);
        if (who) return who;
        const b = ConsentChange.safeParse(c.body);
        if (!b.success) return invalid(b.error);
        return { status: 201, body: await consents.record(c.principal.sub, b.data) };
      },
    },
  ];
}
