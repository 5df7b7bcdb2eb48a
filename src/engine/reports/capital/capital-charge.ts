/**
 * Market-risk capital, Basel 2.5 style (Basel Committee, "Revisions to the Basel II market risk
 * framework", 2009, ¶718(Lxxvi)): the arithmetic alone, from the daily VaR figures, so that each
 * step can be checked by hand.
 *
 *   VaR10_d   = √10 · VaR1_d            square-root-of-time scaling of the 1-day 99% VaR (¶718(Lxxvi)(c)
 *                                        allows scaling up a shorter horizon; √10 assumes independent,
 *                                        identically distributed daily P&L and a book held for 10 days)
 *   k         = plus factor of the backtest's exception count over 250 days (Table 2 of the 1996
 *               backtesting framework): 0–4 → 0; 5 → 0.40, 6 → 0.50, 7 → 0.65, 8 → 0.75, 9 → 0.85; 10+ → 1
 *   m         = 3 + k                    the multiplier, the same for VaR and stressed VaR
 *   VaR term  = max(VaR10_t, m · mean(VaR10 over the last 60 days))
 *   sVaR term = max(sVaR10_t, m · mean(sVaR10 over the last 60 days))
 *   capital   = VaR term + sVaR term
 *
 * "t" is the valuation date: the report computed at its close gives the charge for the next day,
 * so the "previous day's VaR" of the rule is the valuation date's.
 */

export const BASEL_MULTIPLIER = 3;

/** Plus factor by exception count in the yellow zone (250 observations). */
export const YELLOW_PLUS_FACTORS: Readonly<Record<number, number>> = Object.freeze({ 5: 0.4, 6: 0.5, 7: 0.65, 8: 0.75, 9: 0.85 });

/** The plus factor k of a 250-day backtest with `exceptions` exceptions. */
export function plusFactor(exceptions: number): number {
  if (!(Number.isInteger(exceptions) && exceptions >= 0)) throw new RangeError(`plusFactor: exceptions ${exceptions} is not a count`);
  if (exceptions <= 4) return 0;
  if (exceptions >= 10) return 1;
  return YELLOW_PLUS_FACTORS[exceptions] as number;
}

/** A daily series of 1-day VaR figures, oldest first; the last is the valuation date's. */
export interface DailyVars {
  readonly dates: readonly string[];
  readonly values: readonly number[];
}

export interface CapitalInputs {
  readonly horizonDays: number;
  /** 1-day 99% VaR on each of the averaging days. */
  readonly var1: DailyVars;
  /** 1-day 99% stressed VaR on each of the averaging days. */
  readonly svar1: DailyVars;
  readonly backtest: { readonly days: number; readonly exceptions: number; readonly zone: 'green' | 'yellow' | 'red' };
}

/** One of the two terms, every step shown. */
export interface CapitalTerm {
  readonly latest1Day: number;
  readonly latest: number;
  readonly averageDays: number;
  /** Mean of the scaled daily figures. */
  readonly average: number;
  readonly multiplier: number;
  readonly multipliedAverage: number;
  /** max(latest, multipliedAverage). */
  readonly term: number;
  readonly binding: 'latest' | 'average';
  /** The scaled daily figures (dates and values of the input series). */
  readonly daily: readonly { readonly date: string; readonly var1Day: number; readonly scaled: number }[];
}

export interface CapitalCharge {
  readonly horizonDays: number;
  readonly scaling: number;
  readonly exceptions: number;
  readonly backtestDays: number;
  readonly zone: 'green' | 'yellow' | 'red';
  readonly plusFactor: number;
  readonly multiplier: number;
  readonly var: CapitalTerm;
  readonly stressedVar: CapitalTerm;
  readonly capital: number;
}

function term(series: DailyVars, scaling: number, multiplier: number, what: string): CapitalTerm {
  const n = series.values.length;
  if (n === 0 || series.dates.length !== n) throw new RangeError(`capitalCharge: ${what} needs at least one day and a date per value`);
  const daily = series.values.map((v, i) => ({ date: series.dates[i] as string, var1Day: v, scaled: scaling * v }));
  const average = daily.reduce((a, d) => a + d.scaled, 0) / n;
  const latest = (daily[n - 1] as (typeof daily)[number]).scaled;
  const multipliedAverage = multiplier * average;
  return {
    latest1Day: series.values[n - 1] as number, latest, averageDays: n, average, multiplier, multipliedAverage,
    term: Math.max(latest, multipliedAverage), binding: latest > multipliedAverage ? 'latest' : 'average', daily,
  };
}

export function capitalCharge(inp: CapitalInputs): CapitalCharge {
  if (!(Number.isInteger(inp.horizonDays) && inp.horizonDays >= 1)) throw new RangeError(`capitalCharge: horizonDays ${inp.horizonDays}`);
  const scaling = Math.sqrt(inp.horizonDays);
  const k = plusFactor(inp.backtest.exceptions);
  const multiplier = BASEL_MULTIPLIER + k;
  const v = term(inp.var1, scaling, multiplier, 'var1');
  const s = term(inp.svar1, scaling, multiplier, 'svar1');
  return {
    horizonDays: inp.horizonDays, scaling, exceptions: inp.backtest.exceptions, backtestDays: inp.backtest.days, zone: inp.backtest.zone,
    plusFactor: k, multiplier, var: v, stressedVar: s, capital: v.term + s.term,
  };
}
