/**
 * Shared pricing vocabulary. Conventions hold for every machine-readable figure in the engine:
 * - `tYears`: time to expiry in years, Actual/365.
 * - `rate`, `dividendYield`: continuously compounded, per year.
 * - `vol`: annualised lognormal volatility (0.2 = 20%).
 * - Greeks: units on CoreGreeks and Greeks below.
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

/**
 * The five Greeks every layer reports, and the one place their units are stated. For one unit of an
 * option (the pricers' output) each is a derivative of its price; for a position it is that figure
 * × qty × multiplier, and per underlying or portfolio the sum of those (portfolio-risk.ts), so delta
 * becomes shares of the underlying and vega, theta and rho become currency.
 * The websocket and REST name `thetaPerYear` `theta` (docs/PROTOCOL.md, engine/actors/streamed-risk.ts).
 */
export interface CoreGreeks {
  /** dV/dS, per 1 currency unit of spot. */
  delta: number;
  /** d²V/dS², per (1 currency unit of spot)². */
  gamma: number;
  /** dV/dvol, per 1.00 of annualised vol (not per vol point). */
  vega: number;
  /** Value change as calendar time passes, per year (÷ 365 for a day); usually negative. */
  thetaPerYear: number;
  /** dV/drate, per 1.00 of the continuous rate (not per basis point). */
  rho: number;
}

/** A pricer's full output for one unit of an option: price, the core Greeks and the cross terms. */
export interface Greeks extends CoreGreeks {
  price: number;
  /** d(delta)/dvol, per 1.00 of vol. */
  vanna: number;
  /** d(vega)/dvol, per 1.00 of vol. */
  volga: number;
  /** d(delta)/d(calendar time), per year. */
  charmPerYear: number;
}
