/**
 * What the screening reads out of an entry's free-text remarks: dates of birth and nationalities.
 * OFAC writes them as `;`-separated clauses (`DOB 12 Mar 1967; alt. DOB 1968; nationality Iran;
 * citizen Iran;`); any clause in another shape is ignored, never guessed at.
 */
import type { DateOfBirth } from './sdn-entry.js';

const MONTHS: Readonly<Record<string, number>> = { JAN: 1, FEB: 2, MAR: 3, APR: 4, MAY: 5, JUN: 6, JUL: 7, AUG: 8, SEP: 9, OCT: 10, NOV: 11, DEC: 12 };
/** `circa YYYY` is read as this many years either side. */
export const CIRCA_YEARS = 2;

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
const iso = (y: number, m: number, d: number): string => `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
const lastDay = (y: number, m: number): number => new Date(Date.UTC(y, m, 0)).getUTCDate();

/** One `[DD] [Mon] YYYY` point as its first and last day, or undefined when it is not one. */
function point(text: string): { from: string; to: string; precision: 'day' | 'month' | 'year' } | undefined {
  const m = /^(?:(\d{1,2}) )?(?:([A-Za-z]{3}) )?(\d{4})$/.exec(text.trim());
  if (!m) return undefined;
  const y = Number(m[3]);
  if (m[2] === undefined) return m[1] === undefined ? { from: iso(y, 1, 1), to: iso(y, 12, 31), precision: 'year' } : undefined;
  const month = MONTHS[m[2].toUpperCase()];
  if (month === undefined) return undefined;
  if (m[1] === undefined) return { from: iso(y, month, 1), to: iso(y, month, lastDay(y, month)), precision: 'month' };
  const d = Number(m[1]);
  if (d < 1 || d > lastDay(y, month)) return undefined;
  return { from: iso(y, month, d), to: iso(y, month, d), precision: 'day' };
}

/** A DOB clause's value (after `DOB `) as an interval, or undefined when it is in no known form. */
export function parseDobValue(value: string): DateOfBirth | undefined {
  const text = value.trim().replace(/\.$/, '');
  const circa = /^circa (\d{4})$/i.exec(text);
  if (circa) {
    const y = Number(circa[1]);
    return { text, from: iso(y - CIRCA_YEARS, 1, 1), to: iso(y + CIRCA_YEARS, 12, 31), precision: 'circa' };
  }
  const range = /^(.+?) to (.+)$/i.exec(text);
  if (range) {
    const a = point(range[1] as string);
    const b = point(range[2] as string);
    if (a === undefined || b === undefined || a.from > b.to) return undefined;
    return { text, from: a.from, to: b.to, precision: 'range' };
  }
  const p = point(text);
  return p === undefined ? undefined : { text, ...p };
}

function clauses(remarks: string): string[] {
  return remarks.split(';').map((c) => c.trim().replace(/\.$/, '').replace(/^alt\.\s+/i, ''));
}

export function parseDatesOfBirth(remarks: string | undefined): DateOfBirth[] {
  if (remarks === undefined) return [];
  const out: DateOfBirth[] = [];
  for (const c of clauses(remarks)) {
    const m = /^DOB\s+(.+)$/.exec(c);
    const dob = m ? parseDobValue(m[1] as string) : undefined;
    if (dob) out.push(dob);
  }
  return out;
}

/** The countries of `nationality X` and `citizen X` clauses, each once, as written. */
export function parseNationalities(remarks: string | undefined): string[] {
  if (remarks === undefined) return [];
  const out = new Set<string>();
  for (const c of clauses(remarks)) {
    const m = /^(?:nationality|citizen)\s+(.+)$/i.exec(c);
    if (m) out.add((m[1] as string).trim());
  }
  return [...out];
}
