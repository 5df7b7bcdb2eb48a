/** Calendar arithmetic on ISO dates (`YYYY-MM-DD`), in UTC days. Actual/365 for year fractions. */

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 of an ISO date, or NaN when the text is not a real calendar date. */
export function isoToEpochDay(iso: string): number {
  const m = ISO_DATE.exec(iso);
  if (!m) return NaN;
  const y = Number(m[1]), mo = Number(m[2]), d = Number(m[3]);
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return NaN;
  return ms / MS_PER_DAY;
}

export function isIsoDate(iso: string): boolean {
  return !Number.isNaN(isoToEpochDay(iso));
}

/** Year fraction from `from` to `to`, Actual/365 (negative when `to` is earlier). */
export function yearFractionAct365(from: string, to: string): number {
  return (isoToEpochDay(to) - isoToEpochDay(from)) / 365;
}
