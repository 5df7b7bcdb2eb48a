/**
 * KYC's screening (the KycScreening port of kyc-service.ts) answered by the sanctions thread: the
 * customer's name, date of birth and countries screened against the SDN list and, when one is in
 * force, the PEP list, in one round trip. The sanctions decision is KYC's `decision` (a `block` halts
 * the customer); a PEP hit sets `pep` (no block: the risk score adds its points and requires enhanced
 * due diligence, risk-score.ts). Both list versions and every match, with its explanation, travel
 * with the result for the reviewer and the alert.
 */
import type { PepScreeningResult, PersonScreening } from '../engine/compliance/pep/index.js';
import type { ScreeningQuery, ScreeningResult } from '../engine/compliance/sanctions/index.js';
import type { KycScreening, KycScreeningResult } from './kyc-service.js';

/** What the adapter needs: one person screened against both lists (SanctionsThread.screenPerson). */
export interface PersonScreener {
  screenPerson(query: ScreeningQuery): Promise<PersonScreening>;
}

export interface KycPersonScreening extends KycScreeningResult {
  /** The SDN list version in force. */
  readonly listVersion: string;
  /** The PEP list version in force; absent when PEP screening is off. */
  readonly pepListVersion?: string;
  /** The sanctions answer: decision and matches with their explanations. */
  readonly sanctions: ScreeningResult;
  /** The PEP answer (matches with position, country and explanation); null when PEP screening is off. */
  readonly pepScreening: PepScreeningResult | null;
}

export type KycSubject = Parameters<KycScreening['screen']>[0];

/** KYC's port, answering with both lists' details. */
export interface KycPersonScreener extends KycScreening {
  screen(subject: KycSubject): Promise<KycPersonScreening>;
}

/** The screening KYC calls, over `screener` (serve: the SanctionsThread). */
export function kycScreening(screener: PersonScreener): KycPersonScreener {
  return {
    async screen(subject) {
      // A KYC subject is a natural person: an entity, vessel or aircraft on the list is evidence against.
      const { sanctions, pep } = await screener.screenPerson({ name: subject.name, dateOfBirth: subject.dateOfBirth, countries: subject.countries, type: 'individual' });
      return {
        decision: sanctions.decision, pep: pep?.pep ?? false, listVersion: sanctions.listVersion,
        ...(pep !== null ? { pepListVersion: pep.listVersion } : {}),
        sanctions, pepScreening: pep,
      };
    },
  };
}
