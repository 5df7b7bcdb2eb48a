/**
 * The alerts a screening hit raises (pure): none for a clear customer, SANCTIONS_SCREENING at medium
 * for a review and high for a block with the figures an officer reads, PEP_SCREENING for a PEP hit,
 * and keys that make the same hit under the same list one alert whatever ran the screening.
 */
import { describe, expect, it } from 'vitest';
import type { PepMatch, PepScreeningResult } from '../../../src/engine/compliance/pep/index.js';
import type { SanctionsMatch, ScreeningResult } from '../../../src/engine/compliance/sanctions/index.js';
import { type ScreeningHitInput, screeningAlerts } from '../../../src/engine/compliance/screening-alert.js';

const SDN_V1 = 'a'.repeat(64);
const SDN_V2 = 'b'.repeat(64);
const PEP_V1 = 'c'.repeat(64);

const explanation = {
  nameKind: 'primary', normalizedQuery: 'ivan petrov', normalizedListed: 'ivan petrov', tokens: [], unmatchedQueryTokens: [], unmatchedListedTokens: [],
  queryCoverage: 1, listedCoverage: 1, oneTokenOnly: false, nameScore: 0.97, evidence: [],
} as const satisfies SanctionsMatch['explanation'];

const sdnMatch = (entNum: number, score: number, decision: 'review' | 'block'): SanctionsMatch => ({
  entNum, name: 'PETROV, Ivan', matchedName: 'PETROV, Ivan', score, decision, programs: ['RUSSIA-EO14024'], type: 'individual', explanation,
});
const pepMatch: PepMatch = { id: 'pep-7', name: 'Paula Politica', matchedName: 'Paula Politica', score: 0.95, position: 'Minister of Finance', country: 'AR', explanation };

const sanctions = (decision: ScreeningResult['decision'], listVersion = SDN_V1): ScreeningResult => ({
  listVersion, decision, matches: decision === 'clear' ? [] : [sdnMatch(36_001, decision === 'block' ? 0.97 : 0.88, decision), sdnMatch(36_002, 0.86, 'review')],
});
const pep = (hit: boolean): PepScreeningResult => ({ listVersion: PEP_V1, pep: hit, matches: hit ? [pepMatch] : [] });

const kycHit = (over: Partial<ScreeningHitInput> = {}): ScreeningHitInput => ({ trigger: 'kyc', customerId: 'user-1', sanctions: sanctions('clear'), pep: pep(false), ...over });

describe('screening alerts', () => {
  it('raises nothing for a customer both lists cleared, or not screened at all', () => {
    expect(screeningAlerts(kycHit())).toEqual([]);
    expect(screeningAlerts(kycHit({ sanctions: null, pep: null }))).toEqual([]);
  });

  it('raises one medium SANCTIONS_SCREENING alert for a review', () => {
    const alerts = screeningAlerts(kycHit({ sanctions: sanctions('review') }));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ rule: 'SANCTIONS_SCREENING', severity: 'medium', customerId: 'user-1', portfolioId: '' });
    expect(alerts[0]!.details.evidence.figures).toMatchObject({ decision: 'review', listVersion: SDN_V1, matches: 2, topEntNum: 36_001 });
  });

  it('raises a high SANCTIONS_SCREENING alert for a block, with the decision, list version and best match in its figures', () => {
    const alerts = screeningAlerts(kycHit({ sanctions: sanctions('block') }));
    expect(alerts).toHaveLength(1);
    const [a] = alerts;
    expect(a).toMatchObject({ rule: 'SANCTIONS_SCREENING', severity: 'high', customerId: 'user-1' });
    expect(a!.details).toMatchObject({ key: a!.key, trigger: 'kyc', customerId: 'user-1', evidence: { fillIds: [], orderIds: [] } });
    expect(a!.details.evidence.figures).toEqual({ trigger: 'kyc', decision: 'block', listVersion: SDN_V1, matches: 2, topScore: 0.97, topEntNum: 36_001, topName: 'PETROV, Ivan' });
    expect(a!.details.matches).toHaveLength(2);
  });

  it('still says the decision and list version when the port gave no matches', () => {
    const [a] = screeningAlerts(kycHit({ sanctions: { listVersion: SDN_V1, decision: 'block', matches: [] } }));
    expect(a!.details.evidence.figures).toEqual({ trigger: 'kyc', decision: 'block', listVersion: SDN_V1, matches: 0 });
  });

  it('raises one medium PEP_SCREENING alert for a PEP hit the sanctions list cleared', () => {
    const alerts = screeningAlerts(kycHit({ pep: pep(true) }));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ rule: 'PEP_SCREENING', severity: 'medium', customerId: 'user-1' });
    expect(alerts[0]!.details.evidence.figures).toEqual({ trigger: 'kyc', pep: true, listVersion: PEP_V1, matches: 1, topScore: 0.95, topId: 'pep-7', topPosition: 'Minister of Finance', topCountry: 'AR' });
  });

  it('raises both alerts, with different keys, for a customer both lists found', () => {
    const alerts = screeningAlerts(kycHit({ sanctions: sanctions('block'), pep: pep(true) }));
    expect(alerts.map((a) => [a.rule, a.severity])).toEqual([['SANCTIONS_SCREENING', 'high'], ['PEP_SCREENING', 'medium']]);
    expect(new Set(alerts.map((a) => a.key)).size).toBe(2);
  });

  it('keys a customer\'s hit by the list version, not by what ran the screening: KYC and a re-screen under one list are one alert', () => {
    const hit = { sanctions: sanctions('review'), pep: pep(true) };
    const atKyc = screeningAlerts(kycHit({ ...hit, trigger: 'kyc' })).map((a) => a.key);
    const rescreened = screeningAlerts(kycHit({ ...hit, trigger: 'rescreen' })).map((a) => a.key);
    expect(rescreened).toEqual(atKyc);
    expect(screeningAlerts(kycHit({ ...hit, trigger: 'rescreen' })).map((a) => a.details.trigger)).toEqual(['rescreen', 'rescreen']);
    // A block after a review under the same list is the same alert (the officer has it already).
    expect(screeningAlerts(kycHit({ sanctions: sanctions('block') }))[0]!.key).toBe(atKyc[0]);
  });

  it('gives a new key under a new list version, and to another customer', () => {
    const v1 = screeningAlerts(kycHit({ sanctions: sanctions('review', SDN_V1) }))[0]!.key;
    const v2 = screeningAlerts(kycHit({ sanctions: sanctions('review', SDN_V2) }))[0]!.key;
    const other = screeningAlerts(kycHit({ customerId: 'user-2', sanctions: sanctions('review', SDN_V1) }))[0]!.key;
    expect(new Set([v1, v2, other]).size).toBe(3);
  });

  it('keys a counterparty hit by portfolio and lower-cased name, and names the order in its evidence', () => {
    const hit = (portfolioId: string, name: string, orderRef?: string): ScreeningHitInput => ({
      trigger: 'counterparty', customerId: 'owner-1', portfolioId, counterparty: { name, ...(orderRef !== undefined ? { orderRef } : {}) }, sanctions: sanctions('block'), pep: null,
    });
    const [a] = screeningAlerts(hit('P1', 'Ivan PETROV', 'ord-42'));
    expect(a).toMatchObject({ rule: 'SANCTIONS_SCREENING', severity: 'high', customerId: 'owner-1', portfolioId: 'P1' });
    expect(a!.key).toContain('P1');
    expect(a!.key).toContain('ivan petrov');
    expect(a!.details).toMatchObject({ trigger: 'counterparty', counterparty: { name: 'Ivan PETROV', orderRef: 'ord-42' }, evidence: { orderIds: ['ord-42'] } });
    // The same name in another case, or by another order, is the same alert; in another portfolio it is another.
    expect(screeningAlerts(hit('P1', 'ivan petrov', 'ord-43'))[0]!.key).toBe(a!.key);
    expect(screeningAlerts(hit('P2', 'Ivan PETROV', 'ord-42'))[0]!.key).not.toBe(a!.key);
    expect(screeningAlerts(hit('P1', 'Ivan PETROV'))[0]!.details.evidence.orderIds).toEqual([]);
    // A counterparty hit is not the customer's own hit.
    expect(a!.key).not.toBe(screeningAlerts(kycHit({ customerId: 'owner-1', sanctions: sanctions('block') }))[0]!.key);
  });
});
