import { fmt } from '../limits/reason-codes.js';
import type { RiskLimits } from '../limits/risk-limits.js';
import type { Breach, UnderlyingRisk } from './types.js';

/** The figures of a risk snapshot that the limits bound. */
export interface BreachFigures {
  readonly byUnderlying: Readonly<Record<string, Pick<UnderlyingRisk, 'dollarDelta' | 'dollarGamma' | 'vega'>>>;
  /** One-day VaR, currency, positive = loss. */
  readonly var: number;
  /** Gross exposure / equity. */
  readonly leverage: number;
}

/**
 * The limits a portfolio's live risk exceeds, with the pre-trade checks' reason codes and the same
 * portfolio-level figures: |Σ dollar delta|, |Σ dollar gamma (Γ·S²)|, |Σ vega| over underlyings,
 * VaR and leverage. Unlike a pre-trade refusal a breach just reports (a market move may cause it);
 * a figure that is NaN is reported as RISK_UNAVAILABLE, since a limit cannot be seen to hold.
 */
export function breachesOf(figures: BreachFigures, limits: RiskLimits): Breach[] {
  let dollarDelta = 0, dollarGamma = 0, vega = 0;
  for (const u of Object.values(figures.byUnderlying)) {
    dollarDelta += u.dollarDelta;
    dollarGamma += u.dollarGamma;
    vega += u.vega;
  }
  const rows = [
    ['GREEK_LIMIT_DELTA', 'dollar delta', Math.abs(dollarDelta), limits.maxAbsDollarDelta],
    ['GREEK_LIMIT_GAMMA', 'dollar gamma', Math.abs(dollarGamma), limits.maxAbsDollarGamma],
    ['GREEK_LIMIT_VEGA', 'vega per 1.00 vol', Math.abs(vega), limits.maxAbsVega],
    ['VAR_LIMIT', 'VaR', figures.var, limits.maxVar],
    ['LEVERAGE_LIMIT', 'leverage', figures.leverage, limits.maxLeverage],
  ] as const;
  const out: Breach[] = [];
  for (const [code, name, value, limit] of rows) {
    if (Number.isNaN(value)) out.push({ code: 'RISK_UNAVAILABLE', detail: `${name} is NaN: ${code} cannot be checked` });
    else if (value > limit) out.push({ code, detail: `${name} ${fmt(value)} > limit ${fmt(limit)}` });
  }
  return out;
}
