/**
 * The KYC service over the store on real PostgreSQL (a fresh schema) and in memory: submission with
 * screening and risk, maker-checker through the service, documents with their zone compared,
 * re-screening on schedule, erasure, and audit events that carry no personal data.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KycSubmission } from '../../src/engine/compliance/kyc/kyc-submission.js';
import type { AuditSink, DataKeys, SecurityEvent } from '../../src/gateway/identity/ports.js';
import { pgDataKeys } from '../../src/persistence/data-keys.js';
import { KycApprovals } from '../../src/persistence/kyc-approvals.js';
import { MemoryKycRows } from '../../src/persistence/kyc-rows-memory.js';
import { PgKycRows } from '../../src/persistence/kyc-rows-pg.js';
import { type KycScreening, type KycScreeningResult, KycService } from '../../src/persistence/kyc-service.js';
import { KycStore } from '../../src/persistence/kyc-store.js';
import type { MasterKeys } from '../../src/persistence/master-keys.js';
import { memoryDataKeys } from '../../src/persistence/memory-data-keys.js';
import { identityDb } from '../contracts/identity-pg.js';
import { ANNA, TD3 } from '../engine/compliance/kyc/fixtures.js';

const T0 = Date.UTC(2026, 5, 1, 9);
const DAY = 86_400_000;
const PDF = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(2048)]);
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

/** Screening by a table of names (the sanctions matcher is another part; this answers its port). */
class TableScreening implements KycScreening {
  readonly asked: string[] = [];
  constructor(private readonly answers: Record<string, KycScreeningResult>) {}
  async screen(subject: { name: string }): Promise<KycScreeningResult> {
    this.asked.push(subject.name);
    return this.answers[subject.name] ?? { decision: 'clear', pep: false, listVersion: 'sdn-test' };
  }
}

interface Backend {
  rows(): Promise<{ store: KycStore; dataKeys: DataKeys; destroy(): Promise<void> }>;
}

const masterKeys = (): MasterKeys => ({ current: { id: 'mk-kyc-service', key: randomBytes(32) }, previous: [] });

const BACKENDS: Record<string, Backend> = {
  'in memory': {
    async rows() {
      const dataKeys = memoryDataKeys(masterKeys());
      return { store: new KycStore(new MemoryKycRows(), dataKeys), dataKeys, destroy: async () => {} };
    },
  },
  'on PostgreSQL': {
    async rows() {
      const d = await identityDb('external');
      const dataKeys = pgDataKeys(d.db.pool, masterKeys());
      return { store: new KycStore(new PgKycRows(d.db.pool), dataKeys), dataKeys, destroy: () => d.destroy() };
    },
  },
};

for (const [name, backend] of Object.entries(BACKENDS)) {
  describe(`KYC service ${name}`, () => {
    let env: Awaited<ReturnType<Backend['rows']>>;
    let now = T0;
    const events: SecurityEvent[] = [];
    const hits: [string, KycScreeningResult, string][] = [];
    const audit: AuditSink = async (e) => {
      events.push(e);
    };
    const screening = new TableScreening({
      'Ivan Sanctionedov': { decision: 'review', pep: false, listVersion: 'sdn-test' },
      'Paula Politica': { decision: 'clear', pep: true, listVersion: 'sdn-test' },
    });
    let kyc: KycService;

    beforeAll(async () => {
      env = await backend.rows();
      kyc = new KycService({ store: env.store, audit, screening, onScreeningHit: async (u, r, trigger) => void hits.push([u, r, trigger]), clock: () => now });
    });
    afterAll(async () => {
      await env?.destroy();
    });

    const submitted = async (body: KycSubmission = ANNA): Promise<string> => {
      const id = randomUUID();
      const r = await kyc.submit(id, body);
      if (!r.ok) throw new Error(`${r.code}: ${r.message}`);
      return id;
    };
    const code = (r: { ok: boolean; code?: string }) => (r.ok ? 'ok' : r.code);

    it('opens a case on submission, screened and scored, and audits it without personal data', async () => {
      const id = randomUUID();
      const r = await kyc.submit(id, ANNA);
      expect(r.ok && r.value).toMatchObject({
        case: { userId: id, state: 'submitted', version: 1, risk: { level: 'low', score: 0, sanctions: 'clear', pep: false, enhancedDueDiligence: false, nextRescreenMs: now + 365 * DAY } },
        screening: { decision: 'clear', listVersion: 'sdn-test' },
      });
      expect(screening.asked).toContain('Anna Maria Eriksson');
      const e = events.filter((x) => x.entityId === id);
      expect(e.map((x) => [x.actor, x.action, x.entityType])).toEqual([[id, 'kyc.submitted', 'user']]);
      const text = JSON.stringify(e);
      for (const plain of ['Eriksson', '1974-08-12', 'L898902C3', 'Storgatan', '"SE"']) expect(text).not.toContain(plain);
    });

    it('refuses a second submission and a bad body, storing nothing for the bad one', async () => {
      const id = await submitted();
      expect(code(await kyc.submit(id, ANNA))).toBe('KYC_ALREADY_SUBMITTED');
      const other = randomUUID();
      expect(code(await kyc.submit(other, { ...ANNA, nationality: 'XX' }))).toBe('KYC_INVALID_SUBMISSION');
      expect(code(await kyc.get(other))).toBe('KYC_NOT_FOUND');
    });

    it('approves only with two officers, and then the customer may trade', async () => {
      const id = await submitted();
      expect(await kyc.isApproved(id)).toBe(false);
      expect(code(await kyc.decide(id, 'officer-1', { action: 'approve', reason: 'skip review' }))).toBe('KYC_BAD_TRANSITION');
      expect(code(await kyc.decide(id, 'officer-1', { action: 'start_review', reason: 'documents in' }))).toBe('ok');
      expect(code(await kyc.decide(id, 'officer-1', { action: 'approve', reason: 'fine by me' }))).toBe('KYC_SAME_OFFICER');
      expect(await kyc.isApproved(id)).toBe(false);
      const approved = await kyc.decide(id, 'officer-2', { action: 'approve', reason: 'checked: documents match' });
      expect(approved.ok && approved.value).toMatchObject({ state: 'approved', reviewerId: 'officer-1', decidedBy: 'officer-2', version: 3 });
      expect(await kyc.isApproved(id)).toBe(true);
      const view = await kyc.get(id);
      expect(view.ok && view.value.transitions.map((t) => [t.action, t.actor, t.reason])).toEqual([
        ['submit', id, 'submitted by the customer'], ['start_review', 'officer-1', 'documents in'], ['approve', 'officer-2', 'checked: documents match'],
      ]);
      expect(events.filter((e) => e.entityId === id).map((e) => [e.actor, e.action])).toEqual([[id, 'kyc.submitted'], ['officer-1', 'kyc.start_review'], ['officer-2', 'kyc.approve']]);
      expect(events.find((e) => e.action === 'kyc.approve' && e.entityId === id)?.after).toMatchObject({ state: 'approved', reason: 'checked: documents match' });
    });

    it('lets one of two officers racing to review the same case win, never both', async () => {
      const id = await submitted();
      const results = await Promise.all(['officer-1', 'officer-3'].map((actor) => kyc.decide(id, actor, { action: 'start_review', reason: 'mine' })));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok).map((r) => code(r))[0]).toMatch(/^KYC_(CONFLICT|BAD_TRANSITION)$/);
      const view = await kyc.get(id);
      expect(view.ok && view.value.transitions).toHaveLength(2);
    });

    it('refuses the customer acting as an officer and an officer resubmitting for them', async () => {
      const id = await submitted();
      expect(code(await kyc.decide(id, id, { action: 'start_review', reason: 'self' }))).toBe('KYC_SELF_REVIEW');
      expect(code(await kyc.decide(id, 'officer-1', { action: 'resubmit', reason: 'for her' }))).toBe('KYC_INVALID_DECISION');
      expect(code(await kyc.decide(randomUUID(), 'officer-1', { action: 'start_review', reason: 'x' }))).toBe('KYC_NOT_FOUND');
      // Ids straight from a path: NUL and oversize are answered, not thrown by the database.
      expect(code(await kyc.decide('u\u0000', 'officer-1', { action: 'start_review', reason: 'x' }))).toBe('KYC_NOT_FOUND');
      expect(code(await kyc.get('u\u0000'))).toBe('KYC_NOT_FOUND');
      expect(code(await kyc.get('u'.repeat(10_000)))).toBe('KYC_NOT_FOUND');
      expect(code(await kyc.readDocument(id, 'd\u0000'))).toBe('KYC_DOCUMENT_NOT_FOUND');
      expect(await kyc.isApproved('\u0000')).toBe(false);
      expect(code(await kyc.decide(id, 'officer-1', { action: 'start_review', reason: 'nul \u0000 inside' }))).toBe('KYC_REASON_REQUIRED');
    });

    it.each([null, 'approve', 42, [], { action: 'approve' }, { action: 'approve', reason: 7 }, { action: 'approve', reason: 'ok', actor: 'someone-else' }])(
      'refuses a decision body that is not {action, reason} (%j) without throwing',
      async (body) => {
        const id = await submitted();
        expect(code(await kyc.decide(id, 'officer-1', body))).toBe('KYC_INVALID_DECISION');
        const v = await kyc.get(id);
        expect(v.ok && v.value.case.version).toBe(1);
      },
    );

    it('tells the pre-trade view of every state change, and lists the approved customers to start it', async () => {
      const seen: [string, string][] = [];
      const watched = new KycService({ store: env.store, audit, clock: () => now, onStateChanged: (u, st) => void seen.push([u, st]) });
      const id = randomUUID();
      await watched.submit(id, ANNA);
      await watched.decide(id, 'officer-1', { action: 'start_review', reason: 'r' });
      expect(code(await watched.decide(id, 'officer-1', { action: 'approve', reason: 'r' }))).toBe('KYC_SAME_OFFICER');
      await watched.decide(id, 'officer-2', { action: 'approve', reason: 'r' });
      expect(seen).toEqual([[id, 'submitted'], [id, 'in_review'], [id, 'approved']]);
      const approved = await watched.approvedUserIds();
      expect(approved.has(id)).toBe(true);
      for (const u of approved) expect(await watched.isApproved(u)).toBe(true);
    });

    it('keeps the pre-trade view of approvals current without a read per order', async () => {
      const view = new KycApprovals();
      const served = new KycService({ store: env.store, audit, clock: () => now, onStateChanged: view.record });
      const earlier = randomUUID();
      await served.submit(earlier, ANNA);
      await served.decide(earlier, 'officer-1', { action: 'start_review', reason: 'r' });
      await served.decide(earlier, 'officer-2', { action: 'approve', reason: 'r' });
      // A fresh engine: loaded from the store at start.
      const restarted = new KycApprovals();
      restarted.load(await served.approvedUserIds());
      expect(restarted.isApproved(earlier)).toBe(true);
      const later = randomUUID();
      await served.submit(later, ANNA);
      await served.decide(later, 'officer-1', { action: 'start_review', reason: 'r' });
      expect(view.isApproved(later)).toBe(false);
      await served.decide(later, 'officer-2', { action: 'approve', reason: 'r' });
      expect(view.isApproved(later)).toBe(true);
      expect(view.isApproved(randomUUID())).toBe(false);
    });

    it('takes a resubmission when information was asked for, with the new data and a fresh review', async () => {
      const id = await submitted();
      await kyc.decide(id, 'officer-1', { action: 'start_review', reason: 'reading' });
      await kyc.decide(id, 'officer-1', { action: 'request_info', reason: 'proof of address needed' });
      const moved: KycSubmission = { ...ANNA, address: { ...ANNA.address, line1: 'Drottninggatan 9' } };
      const r = await kyc.submit(id, moved);
      expect(r.ok && r.value.case).toMatchObject({ state: 'submitted', reviewerId: null, version: 4 });
      const view = await kyc.get(id);
      expect(view.ok && view.value.submission?.address.line1).toBe('Drottninggatan 9');
      expect(events.filter((e) => e.entityId === id).map((e) => e.action)).toEqual(['kyc.submitted', 'kyc.start_review', 'kyc.request_info', 'kyc.resubmitted']);
    });

    it('raises the risk of a possible sanctions match and of a PEP, and hands both hits on with what triggered them', async () => {
      const ivan = await submitted({ ...ANNA, legalName: { givenNames: 'Ivan', surname: 'Sanctionedov' } });
      const c = await kyc.get(ivan);
      expect(c.ok && c.value.case.risk).toMatchObject({ level: 'high', sanctions: 'review', enhancedDueDiligence: true, nextRescreenMs: now + 30 * DAY });
      expect(c.ok && c.value.riskFactors?.find((f) => f.factor === 'sanctions')).toEqual({ factor: 'sanctions', points: 40, detail: 'screening decision review' });
      expect(hits).toContainEqual([ivan, { decision: 'review', pep: false, listVersion: 'sdn-test' }, 'kyc']);
      const paula = await submitted({ ...ANNA, legalName: { givenNames: 'Paula', surname: 'Politica' } });
      const p = await kyc.get(paula);
      expect(p.ok && p.value.case.risk).toMatchObject({ level: 'medium', pep: true, enhancedDueDiligence: true });
      // Not a block, but an officer must know: enhanced due diligence is theirs to do.
      expect(hits.find(([u]) => u === paula)).toMatchObject([paula, { decision: 'clear', pep: true }, 'kyc']);
    });

    it('records not_screened when no screening is configured', async () => {
      const bare = new KycService({ store: env.store, audit, clock: () => now });
      const id = randomUUID();
      const r = await bare.submit(id, ANNA);
      expect(r.ok && r.value).toMatchObject({ screening: null, case: { risk: { sanctions: 'not_screened' } } });
    });

    it('stores a passport with its zone compared: the ICAO specimen expired in 2012 is flagged, not refused', async () => {
      const id = await submitted();
      const r = await kyc.uploadDocument(id, { documentType: 'passport', contentType: 'application/pdf', bytes: PDF, mrz: TD3 });
      expect(r.ok && r.value).toMatchObject({ documentType: 'passport', contentType: 'application/pdf', sizeBytes: PDF.length, flags: [{ code: 'DOCUMENT_EXPIRED', expiryDate: '2012-04-15' }] });
      if (!r.ok) return;
      const d = await kyc.readDocument(id, r.value.id);
      expect(d.ok && d.value.bytes.equals(PDF)).toBe(true);
      expect(d.ok && d.value.mrz?.primaryIdentifier).toBe('ERIKSSON');
      expect(events.find((e) => e.action === 'kyc.document_uploaded' && e.entityId === id)?.after).toMatchObject({ flags: ['DOCUMENT_EXPIRED'] });
      const v = await kyc.get(id);
      expect(v.ok && v.value.documents.map((x) => x.id)).toEqual([r.value.id]);
    });

    it('flags a passport whose zone names someone else, and one uploaded without its zone', async () => {
      const id = await submitted({ ...ANNA, legalName: { givenNames: 'Anna', surname: 'Andersson' } });
      const r = await kyc.uploadDocument(id, { documentType: 'passport', contentType: 'image/png', bytes: PNG, mrz: TD3 });
      expect(r.ok && r.value.flags.map((f) => f.code)).toEqual(['DOCUMENT_EXPIRED', 'NAME_MISMATCH']);
      const bare = await kyc.uploadDocument(id, { documentType: 'passport', contentType: 'image/png', bytes: PNG });
      expect(bare.ok && bare.value.flags).toEqual([{ code: 'MRZ_MISSING' }]);
      const licence = await kyc.uploadDocument(id, { documentType: 'driving_licence', contentType: 'image/png', bytes: PNG });
      expect(licence.ok && licence.value.flags).toEqual([]);
    });

    it('refuses documents by content, size, zone shape and case, with stable codes', async () => {
      const id = await submitted();
      expect(code(await kyc.uploadDocument(id, { documentType: 'passport', contentType: 'image/jpeg', bytes: PDF, mrz: TD3 }))).toBe('KYC_DOCUMENT_TYPE_MISMATCH');
      expect(code(await kyc.uploadDocument(id, { documentType: 'passport', contentType: 'application/pdf', bytes: Buffer.from('GIF89a') }))).toBe('KYC_DOCUMENT_TYPE_UNKNOWN');
      expect(code(await kyc.uploadDocument(id, { documentType: 'passport', contentType: 'application/pdf', bytes: PDF, mrz: 'P<UTO' }))).toBe('KYC_MRZ_FORMAT');
      expect(code(await kyc.uploadDocument(id, { documentType: 'selfie' as never, contentType: 'application/pdf', bytes: PDF }))).toBe('KYC_INVALID_DOCUMENT');
      expect(code(await kyc.uploadDocument(id, { documentType: 'passport', contentType: 'application/pdf', bytes: 'text' as never }))).toBe('KYC_INVALID_DOCUMENT');
      const small = new KycService({ store: env.store, audit, clock: () => now, maxDocumentBytes: 1000 });
      expect(code(await small.uploadDocument(id, { documentType: 'passport', contentType: 'application/pdf', bytes: PDF }))).toBe('KYC_DOCUMENT_TOO_LARGE');
      expect(code(await kyc.uploadDocument(randomUUID(), { documentType: 'passport', contentType: 'application/pdf', bytes: PDF }))).toBe('KYC_NOT_FOUND');
      expect(code(await kyc.readDocument(id, randomUUID()))).toBe('KYC_DOCUMENT_NOT_FOUND');
      const v = await kyc.get(id);
      expect(v.ok && v.value.documents).toEqual([]);
    });

    it('lists cases by state and refuses a state that is not one', async () => {
      const id = await submitted();
      await kyc.decide(id, 'officer-9', { action: 'start_review', reason: 'queue' });
      const r = await kyc.list('in_review', { limit: 500 });
      expect(r.ok && r.value.some((c) => c.userId === id && c.reviewerId === 'officer-9')).toBe(true);
      expect(code(await kyc.list('pending'))).toBe('KYC_INVALID_QUERY');
      expect(code(await kyc.list('submitted', { after: 'a\u0000b' }))).toBe('KYC_INVALID_QUERY');
      const one = await kyc.list('submitted', { limit: 1 });
      expect(one.ok && one.value).toHaveLength(1);
      const m = await kyc.metrics();
      expect(m.byState.in_review).toBeGreaterThanOrEqual(1);
      expect(m.byRiskLevel.high).toBeGreaterThanOrEqual(1);
    });

    it('re-screens customers when their date comes, and moves the date on', async () => {
      const id = await submitted();
      now = T0 + 366 * DAY;
      try {
        const done = await kyc.rescreenDue(10_000);
        const mine = done.find((x) => x.userId === id);
        expect(mine?.outcome.ok && mine.outcome.value.case.risk?.nextRescreenMs).toBe(now + 365 * DAY);
        expect(events.filter((e) => e.entityId === id).map((e) => [e.actor, e.action])).toEqual([[id, 'kyc.submitted'], ['engine', 'kyc.rescreened']]);
        expect((await kyc.rescreenDue(10_000)).some((x) => x.userId === id)).toBe(false);
      } finally {
        now = T0;
      }
    });

    it('rescores on observed trading far above the declared profile', async () => {
      const id = await submitted();
      const r = await kyc.rescreen(id, { observedMonthlyNotionalUsd: 5_000_000, actor: 'officer-1' });
      expect(r.ok && r.value.case.risk).toMatchObject({ score: 20, level: 'low' });
      const v = await kyc.get(id);
      expect(v.ok && v.value.riskFactors?.find((f) => f.factor === 'trading_profile')?.points).toBe(20);
    });

    it('keeps the case but not the person once their data key is shredded', async () => {
      const id = await submitted();
      const doc = await kyc.uploadDocument(id, { documentType: 'passport', contentType: 'application/pdf', bytes: PDF, mrz: TD3 });
      await env.dataKeys.shred(id, 'dpo');
      const v = await kyc.get(id);
      expect(v.ok && v.value).toMatchObject({ submission: null, riskFactors: null, erased: true, case: { state: 'submitted' } });
      expect(v.ok && v.value.transitions).toHaveLength(1);
      expect(code(await kyc.readDocument(id, doc.ok ? doc.value.id : ''))).toBe('KYC_DATA_ERASED');
      expect(code(await kyc.rescreen(id))).toBe('KYC_DATA_ERASED');
      // Off the schedule: an erased customer never comes due again, and is not audited twice.
      expect(await env.store.dueForRescreen(T0 + 10_000 * DAY, 100_000)).not.toContain(id);
      expect(code(await kyc.rescreen(id))).toBe('KYC_DATA_ERASED');
      expect(events.filter((e) => e.entityId === id && e.action === 'kyc.rescreen_stopped')).toHaveLength(1);
      expect((await kyc.get(id)).ok).toBe(true);
      expect(code(await kyc.uploadDocument(id, { documentType: 'passport', contentType: 'application/pdf', bytes: PDF, mrz: TD3 }))).toBe('KYC_DATA_ERASED');
    });
  });
}
