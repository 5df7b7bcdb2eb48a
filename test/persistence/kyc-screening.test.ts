/**
 * KYC screened by the sanctions thread through the kycScreening adapter: a customer on the PEP list
 * is `pep: true` with sanctions `clear`, and the KYC service scores them higher and requires
 * enhanced due diligence; a sanctioned customer gets the sanctions decision; both list versions and
 * the matches' explanations travel with the result. Real thread (compiled: `npm run build`), the
 * real SDN list, the example PEP list; the KYC store in memory.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KycSubmission } from '../../src/engine/compliance/kyc/kyc-submission.js';
import { kycScreening } from '../../src/persistence/kyc-screening.js';
import { MemoryKycRows } from '../../src/persistence/kyc-rows-memory.js';
import { type KycScreeningResult, KycService } from '../../src/persistence/kyc-service.js';
import { KycStore } from '../../src/persistence/kyc-store.js';
import { memoryDataKeys } from '../../src/persistence/memory-data-keys.js';
import { SANCTIONS_LIST_DEFAULTS } from '../../src/persistence/sanctions-list.js';
import { SanctionsThread } from '../../src/workers/sanctions/sanctions-thread.js';
import { ANNA } from '../engine/compliance/kyc/fixtures.js';
import { EXAMPLE_PEP_FILE } from '../fixtures/pep/example-pep.js';

/** Paula Politica of the example PEP list (fictional), submitting herself. */
const PAULA: KycSubmission = {
  ...ANNA, legalName: { givenNames: 'Paula', surname: 'Politica' }, dateOfBirth: '1968-03-14', nationality: 'ES', countryOfResidence: 'ES',
  address: { ...ANNA.address, country: 'ES' }, document: { type: 'passport', number: 'PAA123456' },
};

let thread: SanctionsThread;
beforeAll(async () => {
  thread = await SanctionsThread.open(SANCTIONS_LIST_DEFAULTS.dir, { pepFile: EXAMPLE_PEP_FILE });
}, 30_000);
afterAll(async () => {
  await thread?.close();
});

describe('KYC screening by the sanctions thread', () => {
  it('answers a listed PEP with pep true and sanctions clear, both versions and the PEP match explained', async () => {
    const r = await kycScreening(thread).screen({ name: 'Paula Politica', dateOfBirth: '1968-03-14', countries: ['ES'] });
    expect(r).toMatchObject({ decision: 'clear', pep: true, listVersion: thread.version.sha256, pepListVersion: thread.pepVersion!.sha256 });
    expect(r.pepScreening?.matches[0]).toMatchObject({ id: 'PEP-0001', position: 'Minister of Finance', country: 'ES' });
    expect(r.pepScreening?.matches[0]?.explanation.evidence.map((e) => e.verdict)).toEqual(['supports', 'supports', 'supports']);
  });

  it('answers a sanctioned person with the sanctions decision and its matches, and no PEP hit', async () => {
    const r = await kycScreening(thread).screen({ name: 'Usama bin Laden', dateOfBirth: '1957-03-10', countries: ['SA'] });
    expect(r).toMatchObject({ decision: 'block', pep: false });
    expect(r.sanctions.matches[0]).toMatchObject({ entNum: 6365 });
  });

  it('answers an ordinary customer clear on both lists', async () => {
    expect(await kycScreening(thread).screen({ name: 'Anna Maria Eriksson', dateOfBirth: '1974-08-12', countries: ['SE'] })).toMatchObject({ decision: 'clear', pep: false });
  });

  it('makes the KYC service score a PEP higher than an ordinary customer and require enhanced due diligence', async () => {
    const hits: KycScreeningResult[] = [];
    const kyc = new KycService({
      store: new KycStore(new MemoryKycRows(), memoryDataKeys({ current: { id: 'mk-kyc-screening', key: randomBytes(32) }, previous: [] })),
      audit: async () => {}, screening: kycScreening(thread), onScreeningHit: async (_, r) => void hits.push(r), clock: () => Date.UTC(2026, 5, 1),
    });
    const ordinary = await kyc.submit(randomUUID(), ANNA);
    const pep = await kyc.submit(randomUUID(), PAULA);
    if (!ordinary.ok || !pep.ok) throw new Error('submission refused');
    expect(ordinary.value.case.risk).toMatchObject({ pep: false, sanctions: 'clear', enhancedDueDiligence: false, level: 'low', score: 0 });
    expect(pep.value.case.risk).toMatchObject({ pep: true, sanctions: 'clear', enhancedDueDiligence: true, level: 'medium', score: 30 });
    expect(pep.value.screening).toMatchObject({ pep: true, pepListVersion: thread.pepVersion!.sha256 });
    // A PEP is not a sanctions hit (decision clear: no halt), but it is handed on for the PEP alert.
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ decision: 'clear', pep: true });
  });
});
