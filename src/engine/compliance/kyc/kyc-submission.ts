/**
 * What a customer submits for KYC (POST /kyc/submit): the one definition of its shape.
 *
 * - Countries are ISO 3166-1 alpha-2 codes checked against the real list (countries.ts).
 * - The legal name is split as a passport's machine-readable zone splits it (surname = primary
 *   identifier, given names = secondary), so the two can be compared without guessing.
 * - Dates are calendar dates (YYYY-MM-DD) that exist; a birth date in the future, or more than 130
 *   years ago, is refused.
 * - `tradingProfile` is the customer's own declaration of how much they expect to trade: one of the
 *   risk score's factors (risk-score.ts).
 */
import { z } from 'zod';
import { failure, ok, type Result } from '../../result.js';
import { isCountryCode } from './countries.js';
import type { KycErrorCode } from './kyc-errors.js';

export const DOCUMENT_TYPES = ['passport', 'id_card', 'driving_licence'] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

export const SOURCES_OF_FUNDS = ['salary', 'savings', 'business', 'investments', 'inheritance', 'other'] as const;
export type SourceOfFunds = (typeof SOURCES_OF_FUNDS)[number];

const text = (max: number) => z.string().trim().min(1).max(max);

export const CountryCode = z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code in capitals').refine(isCountryCode, 'not an ISO 3166-1 alpha-2 country code');

/** A YYYY-MM-DD date that exists in the calendar. */
export const CalendarDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD').refine((s) => {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}, 'not a calendar date');

export const KycSubmission = z.strictObject({
  legalName: z.strictObject({ givenNames: text(200), surname: text(200) }),
  dateOfBirth: CalendarDate,
  nationality: CountryCode,
  countryOfResidence: CountryCode,
  address: z.strictObject({
    line1: text(200),
    line2: z.string().trim().max(200).optional(),
    city: text(100),
    postalCode: z.string().trim().max(20).optional(),
    country: CountryCode,
  }),
  document: z.strictObject({
    type: z.enum(DOCUMENT_TYPES),
    number: z.string().trim().regex(/^[A-Za-z0-9 -]{1,30}$/, '1 to 30 letters, digits, spaces or hyphens'),
  }),
  sourceOfFunds: z.strictObject({
    kind: z.enum(SOURCES_OF_FUNDS),
    /** Free text: required when the kind is `other`. */
    detail: z.string().trim().max(1000).optional(),
  }).refine((s) => s.kind !== 'other' || (s.detail ?? '').length > 0, { message: 'detail is required when the source of funds is "other"', path: ['detail'] }),
  tradingProfile: z.strictObject({
    /** Notional the customer expects to trade per month, in USD. */
    expectedMonthlyNotionalUsd: z.number().finite().nonnegative().max(1e13),
  }).optional(),
});
export type KycSubmission = z.infer<typeof KycSubmission>;

/** Oldest birth date accepted, in years before today. */
export const MAX_AGE_YEARS = 130;

/** The submission from an untrusted body, or KYC_INVALID_SUBMISSION listing every bad field. */
export function parseSubmission(body: unknown, todayIso: string): Result<KycSubmission, KycErrorCode> {
  const r = KycSubmission.safeParse(body);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
    return failure('KYC_INVALID_SUBMISSION', problems.join('; '));
  }
  const dob = r.data.dateOfBirth;
  if (dob > todayIso) return failure('KYC_INVALID_SUBMISSION', `dateOfBirth: ${dob} is in the future`);
  const oldest = `${Number(todayIso.slice(0, 4)) - MAX_AGE_YEARS}${todayIso.slice(4)}`;
  if (dob < oldest) return failure('KYC_INVALID_SUBMISSION', `dateOfBirth: ${dob} is more than ${MAX_AGE_YEARS} years ago`);
  return ok(r.data);
}
