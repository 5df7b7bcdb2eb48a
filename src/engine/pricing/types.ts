/**
 * Shared pricing vocabulary. Conventions hold for every machine-readable figure in the engine:
 * - `tYears`: time to expiry in years, Actual/365.
 * - `rate`, `dividendYield`: continuously compounded, per year.
 * - `vol`: annualised lognormal volatility (0.2 = 20%).
 * - vega per 1.00 of vol, rho per 1.00 of rate, theta per year of calendar time (value change as
 *   time passes, so usually negative), charm = d(delta)/d(calendar time) per year.
 */
export type OptionType = 'call' | 'put';
export type ExerciseStyle = 'european' | 'american';

export interface OptionInputs {
  readonly type: OptionType;
  readonly spot: number;
  readonly strike: number;
  readonly tYears: number;
  readonly rate: number;
  readonly dividendYield: number;
  readonly vol: number;
}

export interface Greeks {
  price: number;
  delta: number;
  gamma: number;
  vega: number;
  thetaPerYear: number;
  rho: number;
  vanna: number;
  volga: number;
  charmPerYear: number;
}
