/**
 * The KYC store's contract, written once and run against each row store (kyc-store.contract.test.ts:
 * memory and PostgreSQL): a case is created once, its personal fields are sealed where they are
 * stored and open through the store, a transition lands only on the version it was decided on,
 * documents come back byte for byte, and once the customer's data key is shredded the personal
 * data answers FIELD_KEY_MISSING while the case and its audit remain.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KycSubmission } from '../../src/engine/compliance/kyc/kyc-submission.js';
import { parseMrz } from '../../src/engine/compliance/kyc/mrz.js';
import { openCase, transition } from '../../src/engine/compliance/kyc/review-workflow.js';
import { assessRisk } from '../../src/engine/compliance/kyc/risk-score.js';
import type { DataKeys } from '../../src/gateway/identity/ports.js';
import type { KycStore } from '../../src/persistence/kyc-store.js';
import { ANNA, TD3 } from '../engine/compliance/kyc/fixtures.js';

export interface KycStoreFixture {
  readonly store: KycStore;
  readonly dataKeys: DataKeys;
  /** Everything stored about the user (case, transitions, documents) as the storage holds it, as text. */
  raw(userId: string): Promise<string>;
  destroy(): Promise<void>;
}

const T0 = Date.UTC(2026, 5, 1, 9);
const SECRET_DETAIL = 'sold the family vineyard in Tokaj';
const SUBMISSION: KycSubmission = {
  ...ANNA,
  address: { line1: 'Hemliga gränd 42', city: 'Sundsvall', postalCode: '852 30', country: 'SE' },
  sourceOfFunds: { kind: 'other', detail: SECRET_DETAIL },
};
const SCAN = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from('scan of the passport of ANNA MARIA ERIKSSON'), Buffer.alloc(3000, 7)]);

function mrz() {
  const r = parseMrz(TD3, 2026);
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

export function describeKycStoreContract(name: string, open: () => Promise<KycStoreFixture>): void {
  describe(`KYC store contract: ${name}`, () => {
    let f: KycStoreFixture;
    let s: KycStore;
    beforeAll(async () => {
      f = await open();
      s = f.store;
    });
    afterAll(async () => {
      await f?.destroy();
    });

    async function created(submission: KycSubmission = SUBMISSION, userId = randomUUID()): Promise<string> {
      const o = openCase(userId, 'first submission', T0);
      if (!o.ok) throw new Error(o.message);
      const risk = { ...assessRisk({ nationality: submission.nationality, countryOfResidence: submission.countryOfResidence, pep: false, sanctions: 'clear', sourceOfFunds: submission.sourceOfFunds.kind }, T0), sanctions: 'clear' as const, pep: false };
      expect(await s.create(submission, o.value.case, o.value.transition, risk)).toBe(true);
      return userId;
    }

    it('creates a case once per customer and reads it back whole through the store', async () => {
      const id = await created();
      const o = openCase(id, 'again', T0);
      if (!o.ok) throw new Error(o.message);
      expect(await s.create(SUBMISSION, o.value.case, o.value.transition, null)).toBe(false);
      expect(await s.findCase(id)).toMatchObject({ userId: id, state: 'submitted', version: 1, documentType: 'passport', sourceOfFunds: 'other', submittedMs: T0, risk: { level: 'low', score: 15, sanctions: 'clear', pep: false } });
      const p = await s.readPersonal(id);
      expect(p.ok && p.value.submission).toEqual(SUBMISSION);
      expect(p.ok && p.value.riskFactors?.map((x) => x.factor)).toEqual(['country', 'pep', 'sanctions', 'source_of_funds', 'trading_profile']);
      expect(await s.findCase(randomUUID())).toBeUndefined();
      const none = await s.readPersonal(randomUUID());
      expect(none.ok ? null : none.code).toBe('KYC_NOT_FOUND');
    });

    it('keeps optional fields absent when they were not submitted', async () => {
      const bare: KycSubmission = { ...ANNA, sourceOfFunds: { kind: 'salary' } };
      delete (bare as { tradingProfile?: unknown }).tradingProfile;
      const id = await created(bare);
      const p = await s.readPersonal(id);
      expect(p.ok && p.value.submission).toEqual(bare);
    });

    it('holds no personal data readable in what it stores', async () => {
      const id = await created();
      await s.addDocument(id, { documentType: 'passport', contentType: 'application/pdf', bytes: SCAN, mrz: mrz(), flags: [], uploadedMs: T0 });
      const raw = await f.raw(id);
      expect(raw).toContain(id);
      expect(raw).toContain('v1.dk-');
      for (const plain of ['Anna', 'ANNA', 'Eriksson', 'ERIKSSON', '1974-08-12', '740812', 'L898902C3', 'Hemliga', 'Sundsvall', '852 30', 'vineyard', '"SE"', 'expectedMonthlyNotionalUsd', '%PDF', 'JVBERi0']) {
        expect(raw, plain).not.toContain(plain);
      }
    });

    it('applies a transition only on the version it was decided on, and keeps every transition in order', async () => {
      const id = await created();
      const c1 = await s.findCase(id);
      if (!c1) throw new Error('no case');
      const review = transition(c1, { action: 'start_review', actor: 'officer-1', reason: 'documents received' }, T0 + 1000);
      if (!review.ok) throw new Error(review.message);
      expect(await s.update(review.value.case, c1.version, review.value.transition)).toBe(true);
      // A second officer decided on the version before the review: refused, nothing written.
      const stale = transition(c1, { action: 'start_review', actor: 'officer-3', reason: 'me too' }, T0 + 1500);
      if (!stale.ok) throw new Error(stale.message);
      expect(await s.update(stale.value.case, c1.version, stale.value.transition)).toBe(false);
      const c2 = await s.findCase(id);
      expect(c2).toMatchObject({ state: 'in_review', reviewerId: 'officer-1', version: 2, updatedMs: T0 + 1000 });
      const approve = transition(c2!, { action: 'approve', actor: 'officer-2', reason: 'all consistent' }, T0 + 2000);
      if (!approve.ok) throw new Error(approve.message);
      expect(await s.update(approve.value.case, c2!.version, approve.value.transition)).toBe(true);
      expect((await s.transitions(id)).map((t) => [t.from, t.to, t.actor, t.reason, t.atMs])).toEqual([
        [null, 'submitted', id, 'first submission', T0],
        ['submitted', 'in_review', 'officer-1', 'documents received', T0 + 1000],
        ['in_review', 'approved', 'officer-2', 'all consistent', T0 + 2000],
      ]);
      expect(await s.findCase(id)).toMatchObject({ state: 'approved', decidedBy: 'officer-2', version: 3 });
    });

    it('replaces the submission and the risk on an update that carries them', async () => {
      const id = await created();
      const c = await s.findCase(id);
      const moved = { ...c!, version: c!.version + 1, updatedMs: T0 + 10 };
      const next: KycSubmission = { ...SUBMISSION, countryOfResidence: 'IR', sourceOfFunds: { kind: 'business' } };
      const risk = { ...assessRisk({ nationality: 'SE', countryOfResidence: 'IR', pep: true, sanctions: 'review', sourceOfFunds: 'business' }, T0 + 10), sanctions: 'review' as const, pep: true };
      expect(await s.update(moved, c!.version, null, { submission: next, risk })).toBe(true);
      const p = await s.readPersonal(id);
      expect(p.ok && p.value.submission).toEqual(next);
      expect(await s.findCase(id)).toMatchObject({ sourceOfFunds: 'business', submittedMs: T0, risk: { level: 'high', sanctions: 'review', pep: true, enhancedDueDiligence: true, nextRescreenMs: T0 + 10 + 30 * 86_400_000 } });
    });

    it('lists cases by state in pages, counts them by state and risk level, and finds those due for re-screening', async () => {
      const before = await s.countByState();
      const levels = await s.countByRiskLevel();
      const ids = [await created(), await created(), await created()].sort();
      const all = await s.list('submitted', 1000);
      expect(ids.every((id) => all.some((c) => c.userId === id))).toBe(true);
      const first = await s.list('submitted', 1, ids[0]!.slice(0, -1));
      expect(first).toHaveLength(1);
      const page = await s.list('submitted', 1000, ids[0]);
      expect(page.some((c) => c.userId === ids[0])).toBe(false);
      expect(page.some((c) => c.userId === ids[1])).toBe(true);
      expect((await s.countByState()).submitted).toBe(before.submitted + 3);
      expect((await s.countByRiskLevel()).low).toBe(levels.low + 3);
      const due = await s.dueForRescreen(T0 + 365 * 86_400_000, 10_000);
      expect(ids.every((id) => due.includes(id))).toBe(true);
      expect((await s.dueForRescreen(T0 + 364 * 86_400_000, 10_000)).some((id) => ids.includes(id))).toBe(false);
    });

    it('lists the customers whose latest screening blocks, and forgets one a later screening cleared', async () => {
      const [blocked, cleared, never] = [await created(), await created(), await created()];
      const block = { ...assessRisk({ nationality: 'SE', countryOfResidence: 'SE', pep: false, sanctions: 'block', sourceOfFunds: 'salary' }, T0 + 10), sanctions: 'block' as const, pep: false };
      const clear = { ...assessRisk({ nationality: 'SE', countryOfResidence: 'SE', pep: false, sanctions: 'clear', sourceOfFunds: 'salary' }, T0 + 20), sanctions: 'clear' as const, pep: false };
      for (const id of [blocked, cleared]) {
        const c = await s.findCase(id);
        expect(await s.update({ ...c!, version: c!.version + 1, updatedMs: T0 + 10 }, c!.version, null, { risk: block })).toBe(true);
      }
      const c = await s.findCase(cleared);
      expect(await s.update({ ...c!, version: c!.version + 1, updatedMs: T0 + 20 }, c!.version, null, { risk: clear })).toBe(true);
      const ids = await s.sanctionsBlocked();
      expect(ids).toContain(blocked);
      expect(ids).not.toContain(cleared);
      expect(ids).not.toContain(never);
    });

    it('keeps a document sealed and returns its bytes and zone as uploaded, to its owner only', async () => {
      const id = await created();
      const meta = await s.addDocument(id, { documentType: 'passport', contentType: 'application/pdf', bytes: SCAN, mrz: mrz(), flags: [{ code: 'DOCUMENT_EXPIRED', expiryDate: '2012-04-15' }], uploadedMs: T0 + 5 });
      expect(meta).toMatchObject({ userId: id, sizeBytes: SCAN.length, contentType: 'application/pdf' });
      const d = await s.readDocument(id, meta.id);
      expect(d.ok && d.value.bytes.equals(SCAN)).toBe(true);
      expect(d.ok && d.value.mrz).toEqual(mrz());
      expect(d.ok && d.value.meta).toEqual(meta);
      expect(await s.listDocuments(id)).toEqual([meta]);
      const other = await s.readDocument(await created(), meta.id);
      expect(other.ok ? null : other.code).toBe('KYC_DOCUMENT_NOT_FOUND');
    });

    it('answers FIELD_KEY_MISSING for the personal data and documents once the data key is shredded, keeping the case and its audit', async () => {
      const id = await created();
      const meta = await s.addDocument(id, { documentType: 'passport', contentType: 'application/pdf', bytes: SCAN, mrz: mrz(), flags: [], uploadedMs: T0 });
      expect((await s.readPersonal(id)).ok).toBe(true);
      await f.dataKeys.shred(id, 'dpo');
      const p = await s.readPersonal(id);
      expect(p.ok ? null : p.code).toBe('FIELD_KEY_MISSING');
      const d = await s.readDocument(id, meta.id);
      expect(d.ok ? null : d.code).toBe('FIELD_KEY_MISSING');
      expect(await s.findCase(id)).toMatchObject({ userId: id, state: 'submitted', risk: { level: 'low' } });
      expect(await s.transitions(id)).toHaveLength(1);
    });
  });
}
