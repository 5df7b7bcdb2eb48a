/**
 * The /kyc routes over real HTTP against the real gateway, the KYC service on PostgreSQL (a fresh
 * schema) with per-user data keys: a customer submits and uploads, two compliance officers take the
 * case to approved (and one officer alone is refused both steps: maker-checker), other roles are
 * refused, documents are checked by content and read back as attachments, every officer read is
 * audited, and malformed or oversized uploads get a clear 4xx.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SecurityEvent } from '../../src/gateway/identity/ports.js';
import { base64Length, kycRoutes, uploadBodyLimit } from '../../src/gateway/kyc-routes.js';
import { pgDataKeys } from '../../src/persistence/data-keys.js';
import { KycApprovals } from '../../src/persistence/kyc-approvals.js';
import { PgKycRows } from '../../src/persistence/kyc-rows-pg.js';
import { KycService } from '../../src/persistence/kyc-service.js';
import { KycStore } from '../../src/persistence/kyc-store.js';
import { MAX_DOCUMENT_BYTES } from '../../src/engine/compliance/kyc/document-content.js';
import { type IdentityDb, identityDb } from '../contracts/identity-pg.js';
import { ANNA, TD3 } from '../engine/compliance/kyc/fixtures.js';
import { type Stack, httpJson, startStack } from './harness.js';
import { rawRequest } from './raw-http.js';

/** A real 1×1 PNG (signature, IHDR, IDAT, IEND with their CRCs). */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
/** A real one-page PDF, as small as a valid one gets. */
const PDF = Buffer.from([
  '%PDF-1.4', '1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj', '2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj',
  '3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] >> endobj', 'trailer << /Root 1 0 R >>', '%%EOF', '',
].join('\n'));

let db: IdentityDb;
let stack: Stack;
let approvals: KycApprovals;
const events: SecurityEvent[] = [];
let olga: string;
let otto: string;

/** A customer with their own token (any signed-in user: a trader here). */
async function customer(): Promise<{ id: string; token: string }> {
  const id = randomUUID();
  return { id, token: await stack.token(id, ['trader'], []) };
}

const submit = (token: string, body: unknown = ANNA) => httpJson(stack, 'POST', '/kyc/submit', { token, body });
const decide = (token: string, userId: string, action: string, reason = 'checked against the documents') =>
  httpJson(stack, 'POST', `/kyc/${userId}/decision`, { token, body: { action, reason } });
const upload = (token: string, bytes: Buffer, contentType: string, documentType = 'passport', mrz?: string) =>
  httpJson(stack, 'POST', '/kyc/documents', { token, body: { documentType, contentType, dataBase64: bytes.toString('base64'), ...(mrz !== undefined ? { mrz } : {}) } });

beforeAll(async () => {
  db = await identityDb('external');
  const dataKeys = pgDataKeys(db.db.pool, { current: { id: 'mk-kyc-routes', key: randomBytes(32) }, previous: [] });
  approvals = new KycApprovals();
  // As src/main.ts builds it.
  const kyc = new KycService({
    store: new KycStore(new PgKycRows(db.db.pool), dataKeys), onStateChanged: approvals.record,
    audit: async (e) => void events.push(e),
  });
  approvals.load(await kyc.approvedUserIds());
  stack = await startStack({ routes: kycRoutes(kyc), log: (l, m, f) => { if (l === 'error') console.error(m, f); } });
  olga = await stack.token('olga', ['compliance_officer'], []);
  otto = await stack.token('otto', ['compliance_officer'], []);
});
afterAll(async () => {
  await stack?.close();
  await db?.destroy();
});

describe('the KYC review over HTTP', () => {
  it('takes a case from submission to approval with two different officers', async () => {
    const c = await customer();
    const s = await submit(c.token);
    expect(s.status).toBe(201);
    expect(s.body).toMatchObject({ userId: c.id, state: 'submitted', screened: false });

    expect(await decide(olga, c.id, 'start_review')).toMatchObject({ status: 200, body: { state: 'in_review', reviewerId: 'olga' } });
    expect(approvals.isApproved(c.id)).toBe(false);
    expect(await decide(otto, c.id, 'approve')).toMatchObject({ status: 200, body: { state: 'approved', reviewerId: 'olga', decidedBy: 'otto' } });
    expect(approvals.isApproved(c.id)).toBe(true);

    const me = await httpJson(stack, 'GET', '/kyc/me', { token: c.token });
    expect(me).toMatchObject({ status: 200, body: { userId: c.id, state: 'approved', submission: { legalName: ANNA.legalName } } });
  });

  it('refuses the officer who reviewed a case to approve or reject it too (maker-checker), with KYC_SAME_OFFICER', async () => {
    const c = await customer();
    await submit(c.token);
    expect((await decide(olga, c.id, 'start_review')).status).toBe(200);
    for (const action of ['approve', 'reject']) {
      const r = await decide(olga, c.id, action);
      expect(r.status).toBe(403);
      expect(r.body.code).toBe('KYC_SAME_OFFICER');
    }
    const v = await httpJson(stack, 'GET', `/kyc/${c.id}`, { token: otto });
    expect(v.body.case).toMatchObject({ state: 'in_review', decidedBy: null });
  });

  it('answers a step the state does not allow, an unknown case and a bad decision body with their codes', async () => {
    const c = await customer();
    await submit(c.token);
    expect(await decide(olga, c.id, 'approve')).toMatchObject({ status: 409, body: { code: 'KYC_BAD_TRANSITION' } });
    expect(await decide(olga, randomUUID(), 'start_review')).toMatchObject({ status: 404, body: { code: 'KYC_NOT_FOUND' } });
    expect(await decide(olga, c.id, 'start_review', '')).toMatchObject({ status: 400, body: { code: 'KYC_REASON_REQUIRED' } });
    expect((await httpJson(stack, 'POST', `/kyc/${c.id}/decision`, { token: olga, body: { action: 'delete', reason: 'x' } })).body.code).toBe('KYC_INVALID_DECISION');
    expect(await submit(c.token)).toMatchObject({ status: 409, body: { code: 'KYC_ALREADY_SUBMITTED' } });
    expect(await submit((await customer()).token, { ...ANNA, nationality: 'XX' })).toMatchObject({ status: 400, body: { code: 'KYC_INVALID_SUBMISSION' } });
  });

  it('shows the customer what an officer asks for, but never their risk, screening or the officers', async () => {
    const c = await customer();
    await submit(c.token);
    await decide(olga, c.id, 'start_review');
    await decide(otto, c.id, 'request_info', 'the address proof is older than three months');
    const me = await httpJson(stack, 'GET', '/kyc/me', { token: c.token });
    expect(me.body).toMatchObject({ state: 'needs_info', infoRequested: 'the address proof is older than three months' });
    const byId = await httpJson(stack, 'GET', `/kyc/${c.id}`, { token: c.token });
    expect(byId.body).toEqual(me.body);
    for (const hidden of ['risk', 'riskFactors', 'transitions', 'reviewerId', 'olga', 'otto', 'sanctions']) expect(JSON.stringify(me.body)).not.toContain(hidden);
    // Resubmitting is the customer's answer.
    expect(await submit(c.token)).toMatchObject({ status: 201, body: { state: 'submitted' } });
  });
});

describe('who may read KYC', () => {
  it('refuses a trader another user\'s case, the list and a document; an admin too', async () => {
    const a = await customer();
    const b = await customer();
    await submit(a.token);
    const admin = await stack.token('ada', ['admin'], ['*']);
    for (const token of [b.token, admin]) {
      for (const path of [`/kyc/${a.id}`, '/kyc?state=submitted', `/kyc/${a.id}/documents/${randomUUID()}`]) {
        const r = await httpJson(stack, 'GET', path, { token });
        expect(r.status, path).toBe(403);
        expect(r.body.code).toBe('FORBIDDEN');
      }
      expect((await decide(token, a.id, 'start_review')).status).toBe(403);
    }
  });

  it('lists cases by state for an officer, a page at a time, and audits every officer read', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await customer();
      await submit(c.token);
      ids.push(c.id);
    }
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const r = await httpJson(stack, 'GET', `/kyc?state=submitted&limit=2${after ? `&after=${after}` : ''}`, { token: olga });
      expect(r.status).toBe(200);
      seen.push(...r.body.cases.map((x: { userId: string }) => x.userId));
      if (r.body.nextAfter === undefined) break;
      after = r.body.nextAfter;
    }
    expect(seen).toEqual(expect.arrayContaining(ids));
    expect(seen).toEqual([...seen].sort());
    expect(events.some((e) => e.actor === 'olga' && e.action === 'kyc.listed' && (e.after as { userIds: string[] }).userIds.includes(ids[0]!))).toBe(true);

    await httpJson(stack, 'GET', `/kyc/${ids[0]}`, { token: otto });
    expect(events).toContainEqual(expect.objectContaining({ actor: 'otto', action: 'kyc.viewed', entityType: 'user', entityId: ids[0] }));
    expect(JSON.stringify(events)).not.toContain('Eriksson');
  });

  it('answers a bad list query with KYC_INVALID_QUERY', async () => {
    for (const q of ['', '?state=approvedx', '?state=submitted&limit=0', '?state=submitted&limit=501', '?state=submitted&limit=1e2', '?state=submitted&after=%00']) {
      const r = await httpJson(stack, 'GET', `/kyc${q}`, { token: olga });
      expect(r.status, q).toBe(400);
      expect(r.body.code, q).toBe('KYC_INVALID_QUERY');
    }
  });
});

describe('identity documents over HTTP', () => {
  it('takes a real PNG and PDF, flags the passport\'s zone, and gives an officer the bytes back as an attachment', async () => {
    const c = await customer();
    await submit(c.token);
    const png = await upload(c.token, PNG, 'image/png', 'passport', TD3);
    expect(png.status).toBe(201);
    expect(png.body).toMatchObject({ documentType: 'passport', contentType: 'image/png', sizeBytes: PNG.length });
    expect(png.body.flags).toContainEqual(expect.objectContaining({ code: 'DOCUMENT_EXPIRED' }));
    const pdf = await upload(c.token, PDF, 'application/pdf', 'driving_licence');
    expect(pdf).toMatchObject({ status: 201, body: { contentType: 'application/pdf', flags: [] } });

    for (const [doc, bytes, type, ext] of [[png.body, PNG, 'image/png', 'png'], [pdf.body, PDF, 'application/pdf', 'pdf']] as const) {
      const res = await fetch(`${stack.http}/kyc/${c.id}/documents/${doc.id}`, { headers: { authorization: `Bearer ${olga}` } });
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
      expect(res.headers.get('content-type')).toBe(type);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${doc.id}.${ext}"`);
    }
    expect(events).toContainEqual(expect.objectContaining({ actor: 'olga', action: 'kyc.document_read', entityId: c.id, after: expect.objectContaining({ documentId: png.body.id }) }));

    const view = await httpJson(stack, 'GET', `/kyc/${c.id}`, { token: olga });
    expect(view.body.documents.map((d: { id: string }) => d.id)).toEqual([png.body.id, pdf.body.id]);
    expect(await httpJson(stack, 'GET', `/kyc/${c.id}/documents/${randomUUID()}`, { token: olga })).toMatchObject({ status: 404, body: { code: 'KYC_DOCUMENT_NOT_FOUND' } });
  });

  it('refuses text renamed .png by its content, and a declared type the content is not', async () => {
    const c = await customer();
    await submit(c.token);
    expect(await upload(c.token, Buffer.from('just some text, named passport.png'), 'image/png')).toMatchObject({ status: 415, body: { code: 'KYC_DOCUMENT_TYPE_UNKNOWN' } });
    expect(await upload(c.token, PDF, 'image/png')).toMatchObject({ status: 415, body: { code: 'KYC_DOCUMENT_TYPE_MISMATCH' } });
    expect(await upload(c.token, Buffer.alloc(0), 'image/png')).toMatchObject({ status: 400, body: { code: 'KYC_DOCUMENT_EMPTY' } });
  });

  it('refuses a document above 10 MiB with KYC_DOCUMENT_TOO_LARGE, and a body above the route\'s limit with PAYLOAD_TOO_LARGE', async () => {
    const c = await customer();
    await submit(c.token);
    const ok = Buffer.concat([PNG, Buffer.alloc(MAX_DOCUMENT_BYTES - PNG.length)]);
    expect((await upload(c.token, ok, 'image/png', 'driving_licence')).status).toBe(201);
    const big = Buffer.concat([PNG, Buffer.alloc(MAX_DOCUMENT_BYTES + 1 - PNG.length)]);
    expect(await upload(c.token, big, 'image/png', 'driving_licence')).toMatchObject({ status: 413, body: { code: 'KYC_DOCUMENT_TOO_LARGE' } });
    expect(uploadBodyLimit(MAX_DOCUMENT_BYTES)).toBeGreaterThan(base64Length(MAX_DOCUMENT_BYTES));
    const huge = `{"documentType":"passport","contentType":"image/png","dataBase64":"${'A'.repeat(uploadBodyLimit(MAX_DOCUMENT_BYTES))}"}`;
    expect(await httpJson(stack, 'POST', '/kyc/documents', { token: c.token, rawBody: huge })).toMatchObject({ status: 413, body: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  it('keeps the gateway\'s own body limit on every other route', async () => {
    const c = await customer();
    const body = JSON.stringify({ ...ANNA, pad: 'x'.repeat(2 * 1024 * 1024) });
    expect(await httpJson(stack, 'POST', '/kyc/submit', { token: c.token, rawBody: body })).toMatchObject({ status: 413, body: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  it('answers malformed JSON, malformed base64 and missing fields with 400, and the server goes on', async () => {
    const c = await customer();
    await submit(c.token);
    expect(await httpJson(stack, 'POST', '/kyc/documents', { token: c.token, rawBody: '{"documentType":"passport",' })).toMatchObject({ status: 400, body: { code: 'BAD_JSON' } });
    for (const dataBase64 of ['not base64!', 'iVBORw0KGgo', 'iVBO Rw0K', 'iVBORw0KGgo=\n', '====', 'iVBORw0K_-==']) {
      const r = await httpJson(stack, 'POST', '/kyc/documents', { token: c.token, body: { documentType: 'passport', contentType: 'image/png', dataBase64 } });
      expect(r.status, dataBase64).toBe(400);
      expect(r.body).toMatchObject({ code: 'KYC_INVALID_DOCUMENT', message: expect.stringContaining('dataBase64') });
    }
    for (const body of [{}, null, [], 'x', { documentType: 'selfie', contentType: 'image/png', dataBase64: '' }, { documentType: 'passport', contentType: 'image/png', dataBase64: 'AAAA', extra: 1 }]) {
      const r = await httpJson(stack, 'POST', '/kyc/documents', { token: c.token, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.code).toBe('KYC_INVALID_DOCUMENT');
    }
    expect(await upload(c.token, PNG, 'image/png', 'passport', 'P<UTO')).toMatchObject({ status: 400, body: { code: 'KYC_MRZ_FORMAT' } });
    // A hostile path goes to the service as text and is answered, not thrown.
    const a = await rawRequest(stack.gateway.port, `GET /kyc/%00/documents/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${olga}`);
    expect(a.status).toBe(404);
    expect((await httpJson(stack, 'GET', '/kyc/me', { token: c.token })).status).toBe(200);
  });

  it('asks for a submission before a document', async () => {
    const c = await customer();
    expect(await upload(c.token, PNG, 'image/png')).toMatchObject({ status: 404, body: { code: 'KYC_NOT_FOUND' } });
    expect(await httpJson(stack, 'GET', '/kyc/me', { token: c.token })).toMatchObject({ status: 404, body: { code: 'KYC_NOT_FOUND' } });
  });
});
