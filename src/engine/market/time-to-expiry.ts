/**
 * The one time-to-expiry convention of the engine (docs/RISK-METHODS.md, "Time to expiry"):
 *
 * - An option expires at 21:00 UTC on its expiry date: the 16:00 close of New York in standard
 *   time (November to March), an hour after it in daylight time. A fixed UTC hour keeps this pure
 *   arithmetic on the date, with no time-zone table in the hot path; the hour it is late in summer is
 *   at most 1/24 of a day of time value.
 * - t is Actual/365 in milliseconds from a valuation instant (epoch ms) to that expiry instant,
 *   floored at 0 (an expired option is worth its intrinsic value).
 *
 * Every valuation uses it: the live engine from its clock's now (the actor's fills, the mark a
 * position is booked at, pre-trade figures, the risk pool), the CLI from the close of its asOf date
 * (`closeOfDateMs`), so that the CLI's t is whole days / 365 as a desk's end-of-day run has it.
 */
import { isoToEpochDay } from './dates.js';

export const MS_PER_DAY = 86_400_000;
/** Actual/365: the length of a year in milliseconds. */
export const MS_PER_YEAR = 365 * MS_PER_DAY;
/** 21:00 UTC: an option's expiry instant on its expiry date, and a market date's close. */
export const EXPIRY_TIME_OF_DAY_MS = 21 * 3_600_000;

/** Epoch ms at which an option expiring on the ISO date `expiry` expires; NaN for a date that is not one. */
export function expiryInstantMs(expiry: string): number {
  return isoToEpochDay(expiry) * MS_PER_DAY + EXPIRY_TIME_OF_DAY_MS;
}

/** Epoch ms of the close of the ISO market date `asOf` (the same hour as an expiry); NaN for a bad date. */
export const closeOfDateMs = expiryInstantMs;

/**
 * Time to expiry in years (Actual/365) from the valuation instant `nowMs` to the expiry instant
 * `expiryMs`, floored at 0; a NaN instant (a bad date, or no expiry at all) also gives 0.
 */
export function yearsToExpiry(nowMs: number, expiryMs: number): number {
  const t = (expiryMs - nowMs) / MS_PER_YEAR;
  return t > 0 ? t : 0;
}

/** yearsToExpiry from `nowMs` to the expiry instant of the ISO date `expiry`. */
export function timeToExpiryYears(nowMs: number, expiry: string): number {
  return yearsToExpiry(nowMs, expiryInstantMs(expiry));
}
