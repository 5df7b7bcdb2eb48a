/**
 * A customer's risk score: points per factor, summed and capped at 100, and the level the sum
 * falls in. The level sets how often the customer is re-screened and whether enhanced due
 * diligence (EDD) is required. Factors, default weights (KYC_RISK_DEFAULTS, docs/KYC.md):
 *
 *   country     nationality in the high-risk list +20, residence in it +25
 *   pep         a politically-exposed-person hit +30, and EDD whatever the level
 *   sanctions   screening decision `review` +40 and the level at least high; `block` +100
 *   funds       salary 0, savings 5, investments 5, business 10, inheritance 10, other 15
 *   trading     declared monthly notional >= 1M USD +10, >= 10M USD +20; observed above twice the
 *               declared +10
 *
 *   level       low below 30, medium below 60, high from 60; re-screened every 365 / 180 / 30 days
 *
 * The weights are a starting point a compliance team tunes (configuration), not a measurement:
 * each is sized so that one factor alone never reaches high except a sanctions hit, and two
 * serious ones (high-risk residence and a PEP hit) do.
 */
import { z } from 'zod';
import { isCountryCode } from './countries.js';
import type { SourceOfFunds } from './kyc-submission.js';
import { SOURCES_OF_FUNDS } from './kyc-submission.js';

export const RISK_LEVELS = ['low', 'medium', 'high'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

/** The sanctions screening's decision for the customer; `not_screened` when screening is off. */
export type SanctionsDecision = 'clear' | 'review' | 'block' | 'not_screened';

const points = z.number().int().min(0).max(100);

export const KycRiskConfig = z.strictObject({
  /** ISO 3166-1 alpha-2 codes of high-risk jurisdictions. */
  highRiskCountries: z.array(z.string().refine(isCountryCode, 'not an ISO 3166-1 alpha-2 country code')),
  weights: z.strictObject({
    highRiskNationality: points,
    highRiskResidence: points,
    pep: points,
    sanctionsReview: points,
    sanctionsBlock: points,
    sourceOfFunds: z.strictObject(Object.fromEntries(SOURCES_OF_FUNDS.map((s) => [s, points])) as Record<SourceOfFunds, typeof points>),
    largeVolume: points,
    veryLargeVolume: points,
    volumeAboveDeclared: points,
  }),
  largeVolumeUsd: z.number().positive(),
  veryLargeVolumeUsd: z.number().positive(),
  /** Observed monthly notional above this multiple of the declared one adds volumeAboveDeclared. */
  aboveDeclaredMultiple: z.number().gt(1),
  /** Lowest score of each level: medium from `medium`, high from `high`. */
  levelFrom: z.strictObject({ medium: points, high: points }),
  rescreenDays: z.strictObject({ low: z.number().int().positive(), medium: z.number().int().positive(), high: z.number().int().positive() }),
}).superRefine((c, ctx) => {
  if (!(c.levelFrom.medium > 0 && c.levelFrom.medium < c.levelFrom.high)) ctx.addIssue({ code: 'custom', path: ['levelFrom'], message: 'expected 0 < medium < high' });
  if (!(c.largeVolumeUsd < c.veryLargeVolumeUsd)) ctx.addIssue({ code: 'custom', path: ['veryLargeVolumeUsd'], message: 'expected largeVolumeUsd < veryLargeVolumeUsd' });
  if (!(c.rescreenDays.high <= c.rescreenDays.medium && c.rescreenDays.medium <= c.rescreenDays.low)) ctx.addIssue({ code: 'custom', path: ['rescreenDays'], message: 'expected high <= medium <= low: riskier customers are re-screened more often' });
});
export type KycRiskConfig = z.infer<typeof KycRiskConfig>;

export const KYC_RISK_DEFAULTS: KycRiskConfig = Object.freeze({
  // FATF's "high-risk jurisdictions subject to a call for action" (North Korea, Iran, Myanmar);
  // a deployment adds its own (FATF's increased-monitoring list, its regulator's list).
  highRiskCountries: ['KP', 'IR', 'MM'],
  weights: {
    highRiskNationality: 20,
    highRiskResidence: 25,
    pep: 30,
    sanctionsReview: 40,
    sanctionsBlock: 100,
    sourceOfFunds: { salary: 0, savings: 5, investments: 5, business: 10, inheritance: 10, other: 15 },
    largeVolume: 10,
    veryLargeVolume: 20,
    volumeAboveDeclared: 10,
  },
  largeVolumeUsd: 1_000_000,
  veryLargeVolumeUsd: 10_000_000,
  aboveDeclaredMultiple: 2,
  levelFrom: { medium: 30, high: 60 },
  rescreenDays: { low: 365, medium: 180, high: 30 },
});

/** The configuration from an untrusted source (file, env), every bad field listed; throws on a bad one (start-up). */
export function kycRiskConfig(input: unknown): KycRiskConfig {
  const r = KycRiskConfig.safeParse(input);
  if (!r.success) throw new RangeError(`KYC risk configuration: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return Object.freeze(r.data);
}

export interface RiskInput {
  readonly nationality: string;
  readonly countryOfResidence: string;
  readonly pep: boolean;
  readonly sanctions: SanctionsDecision;
  readonly sourceOfFunds: SourceOfFunds;
  readonly expectedMonthlyNotionalUsd?: number;
  /** The customer's actual notional over the last month, when known. */
  readonly observedMonthlyNotionalUsd?: number;
}

export type RiskFactorName = 'country' | 'pep' | 'sanctions' | 'source_of_funds' | 'trading_profile';

export interface RiskFactor {
  readonly factor: RiskFactorName;
  readonly points: number;
  /** Why, in words a reviewer reads. */
  readonly detail: string;
}

export interface RiskAssessment {
  /** 0 to 100. */
  readonly score: number;
  readonly level: RiskLevel;
  readonly enhancedDueDiligence: boolean;
  readonly rescreenDays: number;
  /** When the customer is due for re-screening, epoch ms. */
  readonly nextRescreenMs: number;
  /** Every factor, including those that added nothing, in a fixed order. */
  readonly factors: readonly RiskFactor[];
}

const DAY_MS = 86_400_000;

export function assessRisk(input: RiskInput, nowMs: number, config: KycRiskConfig = KYC_RISK_DEFAULTS): RiskAssessment {
  const w = config.weights;
  const highRisk = new Set(config.highRiskCountries);
  const factors: RiskFactor[] = [];

  const nat = highRisk.has(input.nationality);
  const res = highRisk.has(input.countryOfResidence);
  factors.push({
    factor: 'country',
    points: (nat ? w.highRiskNationality : 0) + (res ? w.highRiskResidence : 0),
    detail: `nationality ${input.nationality} ${nat ? 'is' : 'is not'} high-risk; residence ${input.countryOfResidence} ${res ? 'is' : 'is not'} high-risk`,
  });
  factors.push({ factor: 'pep', points: input.pep ? w.pep : 0, detail: input.pep ? 'a politically exposed person' : 'no PEP hit' });
  const sanctionsPoints = input.sanctions === 'block' ? w.sanctionsBlock : input.sanctions === 'review' ? w.sanctionsReview : 0;
  factors.push({ factor: 'sanctions', points: sanctionsPoints, detail: input.sanctions === 'not_screened' ? 'not screened' : `screening decision ${input.sanctions}` });
  factors.push({ factor: 'source_of_funds', points: w.sourceOfFunds[input.sourceOfFunds], detail: `declared source of funds: ${input.sourceOfFunds}` });

  const declared = input.expectedMonthlyNotionalUsd;
  const observed = input.observedMonthlyNotionalUsd;
  const volume = Math.max(declared ?? 0, observed ?? 0);
  let tradingPoints = volume >= config.veryLargeVolumeUsd ? w.veryLargeVolume : volume >= config.largeVolumeUsd ? w.largeVolume : 0;
  const details = [declared === undefined ? 'no declared monthly notional' : `declared monthly notional ${declared} USD`];
  if (observed !== undefined) {
    details.push(`observed ${observed} USD`);
    if (declared !== undefined && observed > declared * config.aboveDeclaredMultiple) {
      tradingPoints += w.volumeAboveDeclared;
      details.push(`more than ${config.aboveDeclaredMultiple}× the declared`);
    }
  }
  factors.push({ factor: 'trading_profile', points: tradingPoints, detail: details.join('; ') });

  const score = Math.min(100, factors.reduce((s, f) => s + f.points, 0));
  let level: RiskLevel = score >= config.levelFrom.high ? 'high' : score >= config.levelFrom.medium ? 'medium' : 'low';
  // A possible sanctions match is never left at a lower level, whatever the weights say.
  if (input.sanctions === 'review' || input.sanctions === 'block') level = 'high';
  const rescreenDays = config.rescreenDays[level];
  return {
    score, level,
    enhancedDueDiligence: level === 'high' || input.pep,
    rescreenDays,
    nextRescreenMs: nowMs + rescreenDays * DAY_MS,
    factors,
  };
}
