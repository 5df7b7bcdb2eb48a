/**
 * Which business days' scheduled reports are due (pure). A day's reports are due from the
 * configured minute of the day (UTC) on that day; a business day is Monday to Friday. Exchange
 * holidays are not known to the engine: a holiday gets its reports like any weekday, over a book
 * that did not move.
 */
const DAY_MS = 86_400_000;

export const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const dayMs = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);
const isBusinessDay = (ms: number): boolean => {
  const wd = new Date(ms).getUTCDay();
  return wd !== 0 && wd !== 6;
};

/** The newest business day whose reports are due at `nowMs`, or undefined before any (never, in practice). */
export function latestDueDay(nowMs: number, minuteUtc: number): string {
  let d = Math.floor(nowMs / DAY_MS) * DAY_MS;
  const due = nowMs >= d + minuteUtc * 60_000;
  if (!due || !isBusinessDay(d)) {
    d -= DAY_MS;
    while (!isBusinessDay(d)) d -= DAY_MS;
  }
  return isoDay(d);
}

/**
 * The business days due at `nowMs`, oldest first: the latest due one and the `catchUpDays`
 * business days before it, none before `notBefore` (YYYY-MM-DD: the day reports began to be kept,
 * so a new engine does not make reports of days it never saw).
 */
export function dueBusinessDays(nowMs: number, minuteUtc: number, catchUpDays: number, notBefore: string): string[] {
  const days: string[] = [];
  let d = dayMs(latestDueDay(nowMs, minuteUtc));
  const floor = dayMs(notBefore);
  while (d >= floor && days.length <= catchUpDays) {
    if (isBusinessDay(d)) days.push(isoDay(d));
    d -= DAY_MS;
  }
  return days.reverse();
}
