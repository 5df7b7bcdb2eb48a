/**
 * One person screened against both lists at once (KYC's question): the sanctions answer, and the PEP
 * answer when a PEP list is in force (null when PEP screening is off).
 */
import type { ScreeningQuery, ScreeningResult } from '../sanctions/sanctions-index.js';
import type { PepScreeningResult } from './pep-index.js';

export interface PersonScreening {
  readonly sanctions: ScreeningResult;
  /** null: no PEP list configured (PEP_LIST_FILE unset). */
  readonly pep: PepScreeningResult | null;
}

export function screenPerson(
  sanctions: { screen(q: ScreeningQuery): ScreeningResult },
  pep: { screen(q: ScreeningQuery): PepScreeningResult } | undefined,
  q: ScreeningQuery,
): PersonScreening {
  return { sanctions: sanctions.screen(q), pep: pep === undefined ? null : pep.screen(q) };
}
