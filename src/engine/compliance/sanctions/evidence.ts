/**
 * Date of birth, country and party type as evidence for or against a name match. A name match is
 * the finding; these move its score a little, up when they agree with the entry and down when they
 * contradict it, and never on their own (no name match, no hit). The adjustments:
 *   date of birth  within an entry's DOB (day, month, year, range, circa ±2 y)  +0.02
 *                  more than a year away from every DOB the entry lists        −0.15
 *                  within a year of one (a typo, a calendar conversion)         0
 *   country        one of the entry's address countries or nationalities       +0.01
 *                  none of them (when the entry lists any)                      −0.05
 *   type           an individual against an entity, vessel or aircraft, or
 *                  the other way round                                          −0.20
 * Absent on either side, a feature is "unknown" and moves nothing. Agreement adds little on
 * purpose: a date of birth shared by thousands cannot make a weak name match a hit, while a clear
 * contradiction is strong evidence of another person. (It also keeps the index's floor high: every
 * point evidence can add is a point lower the pruning must search.)
 */
import type { EntryType, ScreenedEntry } from './sdn-entry.js';

export const DOB_SUPPORTS = 0.02;
export const DOB_CONTRADICTS = -0.15;
export const COUNTRY_SUPPORTS = 0.01;
export const COUNTRY_CONTRADICTS = -0.05;
export const TYPE_CONTRADICTS = -0.2;
/** The most evidence can add to a name's score: the pruning must keep names this far below review. */
export const MAX_EVIDENCE_BOOST = DOB_SUPPORTS + COUNTRY_SUPPORTS;
const NEAR_DAYS = 366;

export type Verdict = 'supports' | 'contradicts' | 'unknown';
export interface Evidence {
  readonly feature: 'dateOfBirth' | 'country' | 'type';
  readonly verdict: Verdict;
  readonly adjustment: number;
  readonly detail: string;
}

/** What the customer said of themself besides the name. */
export interface QueryFacts {
  /** YYYY-MM-DD, YYYY-MM or YYYY. */
  readonly dateOfBirth?: string;
  readonly country?: string;
  /**
   * Several countries of one person (a KYC subject's nationality and residence): the evidence
   * supports when any is among the entry's, contradicts when none is. Read instead of `country`.
   */
  readonly countries?: readonly string[];
  readonly type?: 'individual' | 'entity';
}

const DAY_MS = 86_400_000;
const dayOf = (iso: string): number => Date.parse(`${iso}T00:00:00Z`) / DAY_MS;

/** The query's date of birth as an interval of days, or undefined when it is not a date. */
export function dobInterval(dob: string): { from: number; to: number } | undefined {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(dob);
  if (!m) return undefined;
  const y = Number(m[1]);
  if (m[2] === undefined) return { from: dayOf(`${m[1]}-01-01`), to: dayOf(`${m[1]}-12-31`) };
  const mo = Number(m[2]);
  if (mo < 1 || mo > 12) return undefined;
  const last = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (m[3] === undefined) return { from: dayOf(`${m[1]}-${m[2]}-01`), to: dayOf(`${m[1]}-${m[2]}-${String(last).padStart(2, '0')}`) };
  const d = Number(m[3]);
  if (d < 1 || d > last) return undefined;
  const day = dayOf(dob);
  return { from: day, to: day };
}

const COUNTRY_ALIASES: Readonly<Record<string, string>> = {
  US: 'UNITED STATES', USA: 'UNITED STATES', 'UNITED STATES OF AMERICA': 'UNITED STATES', UK: 'UNITED KINGDOM', GB: 'UNITED KINGDOM',
  'GREAT BRITAIN': 'UNITED KINGDOM', RU: 'RUSSIA', 'RUSSIAN FEDERATION': 'RUSSIA', IR: 'IRAN', 'ISLAMIC REPUBLIC OF IRAN': 'IRAN',
  KP: 'KOREA NORTH', 'NORTH KOREA': 'KOREA NORTH', DPRK: 'KOREA NORTH', KR: 'KOREA SOUTH', 'SOUTH KOREA': 'KOREA SOUTH',
  SY: 'SYRIA', 'SYRIAN ARAB REPUBLIC': 'SYRIA', AE: 'UNITED ARAB EMIRATES', UAE: 'UNITED ARAB EMIRATES', CU: 'CUBA', VE: 'VENEZUELA',
  IQ: 'IRAQ', AF: 'AFGHANISTAN', PK: 'PAKISTAN', LB: 'LEBANON', YE: 'YEMEN', LY: 'LIBYA', SD: 'SUDAN', MX: 'MEXICO', CO: 'COLOMBIA',
  CN: 'CHINA', TR: 'TURKEY', TURKIYE: 'TURKEY', BY: 'BELARUS', UA: 'UKRAINE', DE: 'GERMANY', FR: 'FRANCE', CH: 'SWITZERLAND',
  BURMA: 'MYANMAR', MM: 'MYANMAR',
};

/** A country as compared: upper case, letters only, common codes and long forms to OFAC's short name. */
export function normalizeCountry(c: string): string {
  const t = c.normalize('NFKD').replace(/\p{M}/gu, '').toUpperCase().replace(/[^A-Z]+/g, ' ').trim();
  return COUNTRY_ALIASES[t] ?? t;
}

export function entryCountries(e: ScreenedEntry): string[] {
  const out = new Set<string>();
  for (const a of e.addresses) if (a.country !== undefined) out.add(normalizeCountry(a.country));
  for (const n of e.nationalities) out.add(normalizeCountry(n));
  return [...out];
}

export function dobEvidence(query: string | undefined, e: ScreenedEntry): Evidence {
  const q = query === undefined ? undefined : dobInterval(query);
  if (q === undefined || e.datesOfBirth.length === 0) {
    return { feature: 'dateOfBirth', verdict: 'unknown', adjustment: 0, detail: q === undefined ? 'no date of birth given' : 'the entry lists no date of birth' };
  }
  let nearest = Infinity;
  for (const d of e.datesOfBirth) {
    const from = dayOf(d.from);
    const to = dayOf(d.to);
    const gap = q.to < from ? from - q.to : q.from > to ? q.from - to : 0;
    if (gap === 0) return { feature: 'dateOfBirth', verdict: 'supports', adjustment: DOB_SUPPORTS, detail: `${query} within DOB ${d.text}` };
    nearest = Math.min(nearest, gap);
  }
  const listed = e.datesOfBirth.map((d) => d.text).join('; ');
  if (nearest <= NEAR_DAYS) return { feature: 'dateOfBirth', verdict: 'unknown', adjustment: 0, detail: `${query} within a year of DOB ${listed}` };
  return { feature: 'dateOfBirth', verdict: 'contradicts', adjustment: DOB_CONTRADICTS, detail: `${query} is not DOB ${listed}` };
}

export function countryEvidence(query: string | readonly string[] | undefined, e: ScreenedEntry): Evidence {
  const listed = entryCountries(e);
  const asked = query === undefined ? [] : typeof query === 'string' ? [query] : query;
  if (asked.length === 0 || listed.length === 0) {
    return { feature: 'country', verdict: 'unknown', adjustment: 0, detail: asked.length === 0 ? 'no country given' : 'the entry lists no country' };
  }
  const qs = [...new Set(asked.map(normalizeCountry))];
  const shared = qs.find((q) => listed.includes(q));
  if (shared !== undefined) return { feature: 'country', verdict: 'supports', adjustment: COUNTRY_SUPPORTS, detail: `${shared} is among ${listed.join(', ')}` };
  return { feature: 'country', verdict: 'contradicts', adjustment: COUNTRY_CONTRADICTS, detail: `${qs.join(', ')} ${qs.length === 1 ? 'is' : 'are'} not among ${listed.join(', ')}` };
}

export function typeEvidence(query: 'individual' | 'entity' | undefined, type: EntryType): Evidence {
  if (query === undefined) return { feature: 'type', verdict: 'unknown', adjustment: 0, detail: 'no type given' };
  const same = (query === 'individual') === (type === 'individual');
  return same
    ? { feature: 'type', verdict: 'supports', adjustment: 0, detail: `${query} against ${type}` }
    : { feature: 'type', verdict: 'contradicts', adjustment: TYPE_CONTRADICTS, detail: `${query} against ${type}` };
}

export function evidenceFor(q: QueryFacts, e: ScreenedEntry): Evidence[] {
  return [dobEvidence(q.dateOfBirth, e), countryEvidence(q.countries ?? q.country, e), typeEvidence(q.type, e.type)];
}
