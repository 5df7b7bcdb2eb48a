/**
 * The alerts a screening hit raises, worked by compliance officers beside the AML rules' alerts
 * (same table, same case workflow: docs/COMPLIANCE.md, "Screening alerts").
 *
 * - SANCTIONS_SCREENING: the sanctions list answered `review` (severity medium) or `block` (high).
 * - PEP_SCREENING: the PEP list found the customer (severity medium): not a block, but enhanced due
 *   diligence is required, and an officer must know to do it.
 *
 * Each alert is keyed by what triggered it and the list version in force, never by time: the same
 * customer screened again under the same list (a resubmission, the schedule) raises no second alert,
 * while a new list version that still finds them raises a new one for the officer to look at. The
 * key takes the place of the fill an AML rule's alert is anchored on (aml_alerts.fill_id).
 */
import type { PepScreeningResult } from './pep/index.js';
import type { ScreeningResult } from './sanctions/index.js';

export const SCREENING_ALERT_RULES = ['SANCTIONS_SCREENING', 'PEP_SCREENING'] as const;
export type ScreeningAlertRule = (typeof SCREENING_ALERT_RULES)[number];

/** What ran the screening: a KYC submission, the schedule (or an officer) re-screening a customer, or an order naming a counterparty. */
export type ScreeningTrigger = 'kyc' | 'rescreen' | 'counterparty';

export interface ScreeningHitInput {
  readonly trigger: ScreeningTrigger;
  /** The customer the alert is about: the KYC user, or the owner of the portfolio that named the counterparty. */
  readonly customerId: string;
  /** The portfolio concerned; absent for a customer screened on their own ('' is stored). */
  readonly portfolioId?: string;
  /** The counterparty's name and the order, when the trigger is an order. */
  readonly counterparty?: { readonly name: string; readonly orderRef?: string };
  readonly sanctions: ScreeningResult | null;
  readonly pep: PepScreeningResult | null;
}

export interface ScreeningAlert {
  /** The idempotency key (stored as the alert's anchor). */
  readonly key: string;
  readonly rule: ScreeningAlertRule;
  readonly severity: 'medium' | 'high';
  readonly customerId: string;
  readonly portfolioId: string;
  /** What the officer reads: the trigger, the list version, the decision and each match with its explanation. */
  readonly details: {
    readonly key: string;
    readonly trigger: ScreeningTrigger;
    readonly customerId: string;
    readonly counterparty?: { readonly name: string; readonly orderRef?: string };
    readonly evidence: { readonly fillIds: readonly string[]; readonly orderIds: readonly string[]; readonly figures: Readonly<Record<string, string | number | boolean>> };
    readonly matches: readonly unknown[];
  };
}

// Who is screened, in the key: the customer for KYC and re-screening (one key for both, so a
// re-screen under the same list repeats nothing), the portfolio and the name for a counterparty.
function subjectOf(h: ScreeningHitInput): string {
  return h.trigger === 'counterparty' ? `counterparty:${h.portfolioId ?? ''}:${h.counterparty?.name.toLowerCase() ?? ''}` : `customer:${h.customerId}`;
}

/** The alerts `h` raises: none when both lists cleared it. */
export function screeningAlerts(h: ScreeningHitInput): ScreeningAlert[] {
  const out: ScreeningAlert[] = [];
  const subject = subjectOf(h);
  const orderIds = h.counterparty?.orderRef !== undefined ? [h.counterparty.orderRef] : [];
  const base = { customerId: h.customerId, portfolioId: h.portfolioId ?? '' };
  const extra = h.counterparty !== undefined ? { counterparty: h.counterparty } : {};
  if (h.sanctions !== null && h.sanctions.decision !== 'clear') {
    const top = h.sanctions.matches[0];
    const key = `SANCTIONS_SCREENING:${subject}:${h.sanctions.listVersion.slice(0, 16)}`;
    out.push({
      key, rule: 'SANCTIONS_SCREENING', severity: h.sanctions.decision === 'block' ? 'high' : 'medium', ...base,
      details: {
        key, trigger: h.trigger, customerId: h.customerId, ...extra,
        evidence: {
          fillIds: [], orderIds,
          figures: {
            trigger: h.trigger, decision: h.sanctions.decision, listVersion: h.sanctions.listVersion, matches: h.sanctions.matches.length,
            ...(top !== undefined ? { topScore: top.score, topEntNum: top.entNum, topName: top.name } : {}),
          },
        },
        matches: h.sanctions.matches,
      },
    });
  }
  if (h.pep !== null && h.pep.pep) {
    const top = h.pep.matches[0];
    const key = `PEP_SCREENING:${subject}:${h.pep.listVersion.slice(0, 16)}`;
    out.push({
      key, rule: 'PEP_SCREENING', severity: 'medium', ...base,
      details: {
        key, trigger: h.trigger, customerId: h.customerId, ...extra,
        evidence: {
          fillIds: [], orderIds,
          figures: {
            trigger: h.trigger, pep: true, listVersion: h.pep.listVersion, matches: h.pep.matches.length,
            ...(top !== undefined ? { topScore: top.score, topId: top.id, topPosition: top.position, topCountry: top.country } : {}),
          },
        },
        matches: h.pep.matches,
      },
    });
  }
  return out;
}
