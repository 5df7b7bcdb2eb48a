/**
 * The identifiers a regulator report carries, checked the way the receiving authority checks them,
 * so a bad one fails the report here (with its stable code) instead of being rejected later by the
 * regulator's validation rules:
 * - LEI, ISO 17442: 18 alphanumerics then 2 check digits, the whole valid under ISO 7064 MOD 97-10
 *   (letters count as 10..35, the 20 characters read as one number ≡ 1 mod 97).
 * - ISIN, ISO 6166: country prefix, 9 alphanumerics (the national code), 1 check digit computed
 *   by Luhn over the digits obtained by writing each letter as its number (A = 10 ... Z = 35).
 * - CFI, ISO 10962:2021: six letters; for a listed option (category O) they are built from its
 *   terms, see cfiOfListedOption.
 * Pure: no I/O.
 */
import { failure, ok, type Result } from '../result.js';

export type IdentifierCode = 'INVALID_LEI' | 'INVALID_ISIN' | 'INVALID_CFI';

/** Letters as ISO 7064 / ISO 6166 count them: '0'..'9' → 0..9, 'A'..'Z' → 10..35. */
function charValue(c: string): number {
  const code = c.charCodeAt(0);
  return code <= 57 ? code - 48 : code - 55;
}

/** The 20 characters read as one base-10 number (letters expanded to two digits) mod 97, digit by digit so it never overflows. */
function mod97(s: string): number {
  let r = 0;
  for (const c of s) {
    const v = charValue(c);
    r = v >= 10 ? (r * 100 + v) % 97 : (r * 10 + v) % 97;
  }
  return r;
}

const LEI = /^[A-Z0-9]{18}[0-9]{2}$/;

export function validateLei(lei: string): Result<string, 'INVALID_LEI'> {
  if (!LEI.test(lei)) {
    return failure('INVALID_LEI', `LEI "${lei}" is not 18 capital letters or digits followed by 2 check digits (ISO 17442)`);
  }
  if (mod97(lei) !== 1) return failure('INVALID_LEI', `LEI "${lei}" fails its ISO 7064 MOD 97-10 check digits`);
  return ok(lei);
}

const ISIN = /^[A-Z]{2}[A-Z0-9]{9}[0-9]$/;

/** Luhn over a string of digits: from the right, every second digit doubled (its digits summed); valid when the total ≡ 0 mod 10. */
function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function validateIsin(isin: string): Result<string, 'INVALID_ISIN'> {
  if (!ISIN.test(isin)) {
    return failure('INVALID_ISIN', `ISIN "${isin}" is not a 2-letter country prefix, 9 capital letters or digits and a check digit (ISO 6166)`);
  }
  const digits = [...isin].map((c) => String(charValue(c))).join('');
  if (!luhnValid(digits)) return failure('INVALID_ISIN', `ISIN "${isin}" fails its ISO 6166 check digit`);
  return ok(isin);
}

/** ISO 10962:2021 categories (first letter). */
const CFI_CATEGORIES = 'ECDROFSHIJKLTM';
/** Category O (listed options), group and attributes 1..4, with X = not applicable / undefined. */
const OPTION_GROUPS = 'CPM';
const OPTION_EXERCISE = 'AEBX';
const OPTION_UNDERLYING = 'BSDTCIOFWNMX';
const OPTION_DELIVERY = 'PCNEX';
const OPTION_STANDARD = 'SNX';

/** A CFI code: six capital letters of a known category; for options (O) each attribute from the 2021 table. */
export function validateCfi(cfi: string): Result<string, 'INVALID_CFI'> {
  if (!/^[A-Z]{6}$/.test(cfi)) return failure('INVALID_CFI', `CFI "${cfi}" is not six capital letters (ISO 10962)`);
  const [category, group, a1, a2, a3, a4] = [...cfi] as [string, string, string, string, string, string];
  if (!CFI_CATEGORIES.includes(category)) return failure('INVALID_CFI', `CFI "${cfi}" has no category "${category}" (ISO 10962:2021)`);
  if (category !== 'O') return ok(cfi);
  const checks: [string, string, string][] = [
    [group, OPTION_GROUPS, 'group (C call, P put, M others)'],
    [a1, OPTION_EXERCISE, 'exercise style (A American, E European, B Bermudan)'],
    [a2, OPTION_UNDERLYING, 'underlying asset'],
    [a3, OPTION_DELIVERY, 'delivery (P physical, C cash, N non-deliverable, E elect at exercise)'],
    [a4, OPTION_STANDARD, 'standardisation (S standardised, N non-standardised)'],
  ];
  for (const [letter, allowed, what] of checks) {
    if (!allowed.includes(letter)) return failure('INVALID_CFI', `CFI "${cfi}": "${letter}" is not a listed option's ${what} (ISO 10962:2021, category O)`);
  }
  return ok(cfi);
}

/** Underlying-asset attribute of an option's CFI (ISO 10962:2021, category O, attribute 2). */
export type CfiOptionUnderlying = 'B' | 'S' | 'D' | 'T' | 'C' | 'I' | 'O' | 'F' | 'W' | 'N' | 'M';

export interface ListedOptionTerms {
  readonly type: 'call' | 'put';
  readonly style: 'american' | 'european' | 'bermudan';
  /** S for a share or an ETF unit (stock-equities), I for an index, ... */
  readonly underlying: CfiOptionUnderlying;
  readonly delivery: 'physical' | 'cash';
  /** Exchange-listed contracts have standardised terms; OTC ones do not. */
  readonly standardised: boolean;
}

/** The CFI of a listed option from its terms, e.g. an American physically settled call on a share: OCASPS. */
export function cfiOfListedOption(t: ListedOptionTerms): string {
  const group = t.type === 'call' ? 'C' : 'P';
  const exercise = t.style === 'american' ? 'A' : t.style === 'european' ? 'E' : 'B';
  const delivery = t.delivery === 'physical' ? 'P' : 'C';
  return `O${group}${exercise}${t.underlying}${delivery}${t.standardised ? 'S' : 'N'}`;
}
