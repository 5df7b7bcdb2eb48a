/**
 * The machine-readable zone of travel documents (ICAO Doc 9303): TD3 (passports, 2 lines of 44)
 * and TD1 (ID cards, 3 lines of 30), parsed and every check digit verified.
 *
 * - A check digit is the sum of the character values weighted 7, 3, 1, 7, 3, 1… modulo 10, with
 *   0–9 their value, A–Z 10–35 and the filler `<` 0 (Part 3, 4.9).
 * - A failed check digit is not a parse error: the zone is returned with each check's outcome, so
 *   the reviewer sees which field disagrees (mrz-review.ts turns them into flags). Only a zone of
 *   the wrong shape (line count, length, characters) is refused, with KYC_MRZ_FORMAT.
 * - The name field splits at `<<` into the primary identifier (surname) and the secondary one
 *   (given names); single `<` inside either is a space.
 * - TD1 document numbers longer than 9 characters: position 15 is `<` and the number goes on in
 *   the optional data, its check digit being the last character before the fillers (Part 5, 4.2.2).
 * - Dates are YYMMDD; a birth year is put in the century that makes it not in the future, an
 *   expiry year in 2000–2099 (documents are valid ten years at most).
 */
import { failure, ok, type Result } from '../../result.js';
import type { KycErrorCode } from './kyc-errors.js';

export type MrzFormat = 'TD3' | 'TD1';
export type MrzCheckField = 'document_number' | 'birth_date' | 'expiry_date' | 'optional_data' | 'composite';

export interface MrzCheck {
  readonly field: MrzCheckField;
  readonly ok: boolean;
  /** The check digit printed in the zone. */
  readonly printed: string;
  /** The one computed from the field. */
  readonly computed: number;
}

export interface Mrz {
  readonly format: MrzFormat;
  /** P (passport), I / A / C (ID cards); the first 1–2 characters without fillers. */
  readonly documentCode: string;
  readonly issuingState: string;
  readonly primaryIdentifier: string;
  readonly secondaryIdentifier: string;
  /** True when the name field has no filler at its end: the name may have been truncated. */
  readonly nameTruncated: boolean;
  readonly documentNumber: string;
  readonly nationality: string;
  /** YYYY-MM-DD, or null when the zone's date is not a calendar date. */
  readonly birthDate: string | null;
  readonly sex: 'F' | 'M' | 'X';
  readonly expiryDate: string | null;
  readonly optionalData: string;
  readonly checks: readonly MrzCheck[];
  /** Every check digit verified. */
  readonly valid: boolean;
}

const WEIGHTS = [7, 3, 1] as const;

function charValue(c: string): number {
  const code = c.charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 90) return code - 55;
  return 0; // '<'
}

/** The ICAO 9303 check digit of a field (7-3-1 weights). */
export function checkDigit(field: string): number {
  let sum = 0;
  for (let i = 0; i < field.length; i++) sum += charValue(field[i] as string) * (WEIGHTS[i % 3] as number);
  return sum % 10;
}

function check(field: MrzCheckField, data: string, printed: string, fillerMeansEmpty = false): MrzCheck {
  const computed = checkDigit(data);
  // An all-filler optional field may carry `<` instead of 0 as its check digit.
  const okFiller = fillerMeansEmpty && printed === '<' && /^<*$/.test(data);
  return { field, printed, computed, ok: okFiller || printed === String(computed) };
}

const fillers = (s: string): string => s.replace(/<+$/, '').replace(/</g, ' ').trim();

function splitName(field: string): { primary: string; secondary: string; truncated: boolean } {
  const at = field.indexOf('<<');
  const primary = at < 0 ? field : field.slice(0, at);
  const secondary = at < 0 ? '' : field.slice(at + 2);
  return { primary: fillers(primary), secondary: fillers(secondary), truncated: !field.endsWith('<') };
}

function date(yymmdd: string, century: (yy: number) => number): string | null {
  if (!/^\d{6}$/.test(yymmdd)) return null;
  const year = century(Number(yymmdd.slice(0, 2))) + Number(yymmdd.slice(0, 2));
  const iso = `${year}-${yymmdd.slice(2, 4)}-${yymmdd.slice(4, 6)}`;
  const d = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === iso ? iso : null;
}

function sexOf(c: string): 'F' | 'M' | 'X' {
  return c === 'F' || c === 'M' ? c : 'X';
}

/**
 * The zone from its text: lines separated by newlines (CR LF or LF), surrounding blanks ignored,
 * letters upper-cased. `todayYear` places two-digit birth years.
 */
export function parseMrz(text: string, todayYear: number): Result<Mrz, KycErrorCode> {
  if (typeof text !== 'string' || text.length > 200) return failure('KYC_MRZ_FORMAT', 'a machine-readable zone is 2 lines of 44 or 3 lines of 30 characters');
  const lines = text.trim().split(/\r?\n/).map((l) => l.trim().toUpperCase());
  if (lines.some((l) => !/^[A-Z0-9<]*$/.test(l))) return failure('KYC_MRZ_FORMAT', 'a machine-readable zone holds only A-Z, 0-9 and <');
  const birthCentury = (yy: number): number => (2000 + yy > todayYear ? 1900 : 2000);
  if (lines.length === 2 && lines.every((l) => l.length === 44)) return ok(td3(lines[0] as string, lines[1] as string, birthCentury));
  if (lines.length === 3 && lines.every((l) => l.length === 30)) return ok(td1(lines[0] as string, lines[1] as string, lines[2] as string, birthCentury));
  return failure('KYC_MRZ_FORMAT', `expected 2 lines of 44 (TD3) or 3 lines of 30 (TD1), got ${lines.length} of ${lines.map((l) => l.length).join(', ')}`);
}

function td3(l1: string, l2: string, birthCentury: (yy: number) => number): Mrz {
  const name = splitName(l1.slice(5, 44));
  const checks = [
    check('document_number', l2.slice(0, 9), l2.slice(9, 10)),
    check('birth_date', l2.slice(13, 19), l2.slice(19, 20)),
    check('expiry_date', l2.slice(21, 27), l2.slice(27, 28)),
    check('optional_data', l2.slice(28, 42), l2.slice(42, 43), true),
    check('composite', l2.slice(0, 10) + l2.slice(13, 20) + l2.slice(21, 43), l2.slice(43, 44)),
  ];
  return {
    format: 'TD3', documentCode: fillers(l1.slice(0, 2)), issuingState: fillers(l1.slice(2, 5)),
    primaryIdentifier: name.primary, secondaryIdentifier: name.secondary, nameTruncated: name.truncated,
    documentNumber: fillers(l2.slice(0, 9)), nationality: fillers(l2.slice(10, 13)),
    birthDate: date(l2.slice(13, 19), birthCentury), sex: sexOf(l2.slice(20, 21)), expiryDate: date(l2.slice(21, 27), () => 2000),
    optionalData: fillers(l2.slice(28, 42)), checks, valid: checks.every((c) => c.ok),
  };
}

function td1(l1: string, l2: string, l3: string, birthCentury: (yy: number) => number): Mrz {
  const name = splitName(l3);
  let documentNumber = l1.slice(5, 14);
  let numberCheck = check('document_number', documentNumber, l1.slice(14, 15));
  let optional1 = l1.slice(15, 30);
  if (l1[14] === '<' && /^[A-Z0-9]/.test(optional1)) {
    // A long document number: it continues in the optional data, whose last non-filler is its check digit.
    const rest = optional1.replace(/<.*$/, '');
    documentNumber += rest.slice(0, -1);
    numberCheck = check('document_number', documentNumber, rest.slice(-1));
    optional1 = optional1.slice(rest.length);
  }
  const checks = [
    numberCheck,
    check('birth_date', l2.slice(0, 6), l2.slice(6, 7)),
    check('expiry_date', l2.slice(8, 14), l2.slice(14, 15)),
    check('composite', l1.slice(5, 30) + l2.slice(0, 7) + l2.slice(8, 15) + l2.slice(18, 29), l2.slice(29, 30)),
  ];
  return {
    format: 'TD1', documentCode: fillers(l1.slice(0, 2)), issuingState: fillers(l1.slice(2, 5)),
    primaryIdentifier: name.primary, secondaryIdentifier: name.secondary, nameTruncated: name.truncated,
    documentNumber: fillers(documentNumber), nationality: fillers(l2.slice(15, 18)),
    birthDate: date(l2.slice(0, 6), birthCentury), sex: sexOf(l2.slice(7, 8)), expiryDate: date(l2.slice(8, 14), () => 2000),
    optionalData: [fillers(optional1), fillers(l2.slice(18, 29))].filter((s) => s.length > 0).join(' '),
    checks, valid: checks.every((c) => c.ok),
  };
}
