/** The instants a report's period covers: from the start of `from` to the start of the day after `to`, UTC. */
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** Epoch ms of 00:00 UTC of a YYYY-MM-DD day; throws RangeError for anything else (a checked request never holds one). */
export function dayStartMs(day: string): number {
  const m = DAY.exec(day);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN;
  if (!Number.isFinite(ms) || new Date(ms).toISOString().slice(0, 10) !== day) throw new RangeError(`not a calendar day YYYY-MM-DD: "${day}"`);
  return ms;
}

/** [startMs, endMs): the first instant of `from`, the first instant after `to`. */
export function periodMs(from: string, to: string): { readonly startMs: number; readonly endMs: number } {
  return { startMs: dayStartMs(from), endMs: dayStartMs(to) + DAY_MS };
}

/** ISO 8601 UTC with microseconds (the audit trail's resolution): 2026-01-05T10:00:00.123456Z. */
export function isoMicros(atUs: number): string {
  const ms = Math.floor(atUs / 1000);
  const us = atUs - ms * 1000;
  return `${new Date(ms).toISOString().slice(0, 19)}.${String(ms % 1000).padStart(3, '0')}${String(us).padStart(3, '0')}Z`;
}
