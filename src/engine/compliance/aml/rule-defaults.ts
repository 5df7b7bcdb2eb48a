/**
 * The parameters of every transaction-monitoring rule, and their defaults in one frozen object.
 * src/config.ts maps the AML_* settings onto it (README, "Configuration"); docs/AML-RULES.md says
 * why each default is what it is.
 */
import type { RiskLevel } from './activity.js';

export interface AmlRuleParams {
  /** LARGE_NOTIONAL: a fill at or above this notional (currency), by the customer's risk level. */
  readonly largeNotional: Readonly<Record<RiskLevel, number>>;
  /** VELOCITY: more trades than this within any hour. */
  readonly velocity: { readonly maxTradesPerHour: number };
  readonly structuring: {
    /** The reporting threshold (currency) a structurer keeps under. */
    readonly reportingThreshold: number;
    /** A fill whose notional is in [bandFraction × threshold, threshold) is "just under" it. */
    readonly bandFraction: number;
    /** This many such fills within windowHours. */
    readonly minCount: number;
    readonly windowHours: number;
  };
  readonly washTrade: {
    /** Opposite sides within this many seconds. */
    readonly windowSeconds: number;
    /** The smaller quantity is at least (1 − qtyTolerance) of the larger. */
    readonly qtyTolerance: number;
  };
  readonly layering: {
    /** At least this many orders placed and cancelled... */
    readonly minOrders: number;
    /** ...within this many seconds before the fill on the other side... */
    readonly windowSeconds: number;
    /** ...each at least this fraction away from the touch when placed. */
    readonly minDistance: number;
  };
  readonly markingTheClose: {
    /** The close, minutes of the UTC day (20:00 is 16:00 New York in summer). */
    readonly closeMinuteUtc: number;
    /** The last this many minutes before the close. */
    readonly windowMinutes: number;
    /** The window holds at least this share of the customer's day volume in the instrument... */
    readonly minShareOfVolume: number;
    /** ...and the price moved at least this fraction, in the direction they traded... */
    readonly minPriceMove: number;
    /** ...and they traded at least this notional (currency) in the window: a few lots moving with the market mark nothing. */
    readonly minNotional: number;
  };
  readonly unusualSize: {
    /** A fill whose notional is this many standard deviations above the customer's mean. */
    readonly minZ: number;
    /** Only once the customer has this many past fills. */
    readonly minHistory: number;
    /** The mean and deviation are over their newest this many past fills. */
    readonly historyFills: number;
  };
  readonly countries: {
    /** ISO 3166-1 alpha-2 under comprehensive sanctions: high severity. */
    readonly sanctioned: readonly string[];
    /** ISO 3166-1 alpha-2 of high-risk jurisdictions: medium severity. */
    readonly highRisk: readonly string[];
  };
}

export const AML_RULE_DEFAULTS: AmlRuleParams = Object.freeze({
  largeNotional: Object.freeze({ low: 1_000_000, medium: 500_000, high: 250_000 }),
  velocity: Object.freeze({ maxTradesPerHour: 60 }),
  structuring: Object.freeze({ reportingThreshold: 10_000, bandFraction: 0.9, minCount: 3, windowHours: 24 }),
  washTrade: Object.freeze({ windowSeconds: 60, qtyTolerance: 0.1 }),
  layering: Object.freeze({ minOrders: 3, windowSeconds: 60, minDistance: 0.02 }),
  markingTheClose: Object.freeze({ closeMinuteUtc: 20 * 60, windowMinutes: 10, minShareOfVolume: 0.5, minPriceMove: 0.01, minNotional: 100_000 }),
  unusualSize: Object.freeze({ minZ: 4, minHistory: 20, historyFills: 200 }),
  countries: Object.freeze({ sanctioned: Object.freeze(['CU', 'IR', 'KP', 'SY']), highRisk: Object.freeze(['MM']) }),
});

/** The parameters with some replaced (a test's, or configuration's). */
export function amlRuleParams(over: { readonly [K in keyof AmlRuleParams]?: Partial<AmlRuleParams[K]> } = {}): AmlRuleParams {
  const d = AML_RULE_DEFAULTS;
  return Object.freeze({
    largeNotional: Object.freeze({ ...d.largeNotional, ...over.largeNotional }),
    velocity: Object.freeze({ ...d.velocity, ...over.velocity }),
    structuring: Object.freeze({ ...d.structuring, ...over.structuring }),
    washTrade: Object.freeze({ ...d.washTrade, ...over.washTrade }),
    layering: Object.freeze({ ...d.layering, ...over.layering }),
    markingTheClose: Object.freeze({ ...d.markingTheClose, ...over.markingTheClose }),
    unusualSize: Object.freeze({ ...d.unusualSize, ...over.unusualSize }),
    countries: Object.freeze({ ...d.countries, ...over.countries }),
  });
}

/**
 * How far before a fill the processor reads the customer's fills so that every rule reaches the
 * verdict it would reach with the whole history: twice the longest window (a count rule looks at
 * the run before the fill, whose own window reaches back as far again), and at least two days
 * (the day-based rules read from the fill's UTC midnight). UNUSUAL_SIZE's history is counted in
 * fills, not time: the processor reads those separately.
 */
export function amlLookbackMs(p: AmlRuleParams): number {
  const windowsMs = [p.structuring.windowHours * 3_600_000, 3_600_000, p.washTrade.windowSeconds * 1000, p.layering.windowSeconds * 1000, 86_400_000];
  return 2 * Math.max(...windowsMs);
}
