/**
 * Per-portfolio risk limits: one plain typed object, defaults in one place, validated once when
 * built. `Infinity` switches a limit off (the VaR limit is off by default because it needs an
 * estimator). Units are in the names; see docs/MARGIN-AND-LIMITS.md.
 */
export interface RiskLimits {
  /** Currency: qty × multiplier × expected fill price of one order. */
  readonly maxOrderNotional: number;
  /** Shares or contracts per order. */
  readonly maxOrderQty: number;
  /** Absolute shares or contracts per instrument after the fill. */
  readonly maxPositionQty: number;
  /** |Σ qty·multiplier·delta·spot|, currency per 1.00 relative move of every underlying. */
  readonly maxAbsDollarDelta: number;
  /** |Σ qty·multiplier·gamma·spot²|: d²V/dr² for a relative move r (portfolio-risk.ts convention). */
  readonly maxAbsDollarGamma: number;
  /** |Σ qty·multiplier·vega|, currency per 1.00 of vol. */
  readonly maxAbsVega: number;
  /** Currency; requires a VarEstimator when finite. */
  readonly maxVar: number;
  /** Gross delta-adjusted exposure / equity; in (0, 100]. */
  readonly maxLeverage: number;
  /** Largest share of gross exposure in one underlying; in (0, 1]. */
  readonly maxConcentration: number;
  /** The concentration limit applies only above this gross exposure (currency). */
  readonly concentrationMinGrossExposure: number;
  /** A limit price must lie within ±this fraction of the reference price; in (0, 1]. */
  readonly priceCollarFraction: number;
  /** At most this many submits in any window of submitRateIntervalMs. */
  readonly submitRateLimit: number;
  readonly submitRateIntervalMs: number;
  /** At most this many modifies in any window of modifyRateIntervalMs. */
  readonly modifyRateLimit: number;
  readonly modifyRateIntervalMs: number;
}

/** The engine's bound of maxLeverage; MAX_LEVERAGE_LIMIT may set a lower one (LeveragePolicy). */
export const MAX_CONFIGURABLE_LEVERAGE = 100;

/**
 * The operator's leverage settings: the limit a new portfolio gets unless it names its own
 * (DEFAULT_LEVERAGE_LIMIT) and the highest limit anyone may set (MAX_LEVERAGE_LIMIT), at most
 * MAX_CONFIGURABLE_LEVERAGE.
 */
export interface LeveragePolicy {
  readonly defaultLimit: number;
  readonly maxLimit: number;
}

export const LEVERAGE_POLICY_DEFAULTS: LeveragePolicy = Object.freeze({ defaultLimit: 10, maxLimit: MAX_CONFIGURABLE_LEVERAGE });

/** Why `maxLeverage` is not a leverage limit in (0, maxLimit], or null. */
export function leverageLimitProblem(maxLeverage: number, maxLimit: number): string | null {
  return maxLeverage > 0 && maxLeverage <= maxLimit ? null : `must be in (0, ${maxLimit}]`;
}

export const DEFAULT_RISK_LIMITS: RiskLimits = Object.freeze({
  maxOrderNotional: 1_000_000,
  maxOrderQty: 10_000,
  maxPositionQty: 100_000,
  maxAbsDollarDelta: 10_000_000,
  maxAbsDollarGamma: 100_000_000, // Γ·S², so 1,000,000 of dollar-delta change per 1% move
  maxAbsVega: 1_000_000,
  maxVar: Infinity,
  maxLeverage: LEVERAGE_POLICY_DEFAULTS.defaultLimit,
  maxConcentration: 1,
  concentrationMinGrossExposure: 0,
  priceCollarFraction: 0.1,
  // As NautilusTrader's RiskEngine defaults: 100 submits and 100 modifies per second.
  submitRateLimit: 100,
  submitRateIntervalMs: 1000,
  modifyRateLimit: 100,
  modifyRateIntervalMs: 1000,
});

type Rule = (v: number) => string | null;
const positive: Rule = (v) => (v > 0 ? null : 'must be > 0');
const nonNegative: Rule = (v) => (v >= 0 ? null : 'must be >= 0');
const positiveInteger: Rule = (v) => (Number.isInteger(v) && v > 0 ? null : 'must be a positive integer');
const fractionUpTo1: Rule = (v) => (v > 0 && v <= 1 ? null : 'must be in (0, 1]');
const leverage: Rule = (v) => leverageLimitProblem(v, MAX_CONFIGURABLE_LEVERAGE);

const RULES: { readonly [K in keyof RiskLimits]: Rule } = {
  maxOrderNotional: positive,
  maxOrderQty: positive,
  maxPositionQty: positive,
  maxAbsDollarDelta: positive,
  maxAbsDollarGamma: positive,
  maxAbsVega: positive,
  maxVar: positive,
  maxLeverage: leverage,
  maxConcentration: fractionUpTo1,
  concentrationMinGrossExposure: nonNegative,
  priceCollarFraction: fractionUpTo1,
  submitRateLimit: positiveInteger,
  submitRateIntervalMs: positiveInteger,
  modifyRateLimit: positiveInteger,
  modifyRateIntervalMs: positiveInteger,
};

export type RiskLimitsResult = { ok: true; value: RiskLimits } | { ok: false; errors: string[] };

/**
 * Builds limits from a partial override of the defaults. Lists every bad field and every unknown
 * key, so one round trip fixes a config file.
 */
export function makeRiskLimits(partial: unknown = {}): RiskLimitsResult {
  if (typeof partial !== 'object' || partial === null || Array.isArray(partial)) {
    return { ok: false, errors: ['risk limits must be an object'] };
  }
  const errors: string[] = [];
  const out: Record<string, number> = { ...DEFAULT_RISK_LIMITS };
  for (const [key, value] of Object.entries(partial)) {
    if (!Object.hasOwn(RULES, key)) {
      errors.push(`unknown key "${key}"`);
      continue;
    }
    const rule = RULES[key as keyof RiskLimits];
    if (typeof value !== 'number' || Number.isNaN(value)) {
      errors.push(`${key}: expected a number, got ${JSON.stringify(value) ?? String(value)}`);
      continue;
    }
    const problem = rule(value);
    if (problem) errors.push(`${key}: ${problem}, got ${value}`);
    else out[key] = value;
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: Object.freeze(out as unknown as RiskLimits) };
}
