/**
 * What a reviewer must look at in an identity document, as flags: the machine-readable zone
 * compared with the submission. A flag never refuses the upload; it is shown with the case so
 * that an officer decides (an expired passport is a reason to ask for another, not a crash).
 *
 * The name is compared as ICAO 9303 (Part 3, 6) writes names: upper-case Latin letters, accents
 * dropped, hyphens and spaces as `<`, apostrophes left out, and the national letters transliterated
 * (Ä → AE or A, Ö → OE or O, Ü → UE or U, ß → SS, Å → AA or A, Æ → AE, Ø → OE, Þ → TH, Œ → OE, Ĳ → IJ);
 * both readings of a letter are accepted. A name the zone truncated matches on its prefix.
 */
import type { DocumentType, KycSubmission } from './kyc-submission.js';
import type { Mrz, MrzCheckField } from './mrz.js';

export type KycFlag =
  /** A passport or ID card uploaded without its machine-readable zone: nothing was checked. */
  | { readonly code: 'MRZ_MISSING' }
  | { readonly code: 'MRZ_CHECK_DIGIT'; readonly field: MrzCheckField }
  | { readonly code: 'MRZ_DATE_INVALID'; readonly field: 'birth_date' | 'expiry_date' }
  | { readonly code: 'DOCUMENT_EXPIRED'; readonly expiryDate: string }
  | { readonly code: 'NAME_MISMATCH'; readonly detail: string }
  | { readonly code: 'BIRTH_DATE_MISMATCH'; readonly detail: string }
  | { readonly code: 'DOCUMENT_NUMBER_MISMATCH'; readonly detail: string }
  | { readonly code: 'DOCUMENT_TYPE_MISMATCH'; readonly detail: string };

export type KycFlagCode = KycFlag['code'];

const SPECIAL: readonly [RegExp, string, string][] = [
  [/Ä/g, 'AE', 'A'], [/Ö/g, 'OE', 'O'], [/Ü/g, 'UE', 'U'], [/Å/g, 'AA', 'A'],
  [/ß/g, 'SS', 'SS'], [/ẞ/g, 'SS', 'SS'], [/Æ/g, 'AE', 'AE'], [/Ø/g, 'OE', 'O'], [/Þ/g, 'TH', 'TH'], [/Œ/g, 'OE', 'OE'], [/Ĳ/g, 'IJ', 'IJ'],
];

/** The name as a zone would write it, in each transliteration (usually one or two). */
function mrzForms(name: string): string[] {
  const upper = name.toUpperCase();
  const forms = [0, 1].map((v) => {
    let s = upper;
    for (const [re, a, b] of SPECIAL) s = s.replace(re, v === 0 ? a : b);
    s = s.normalize('NFD').replace(/\p{M}/gu, '').replace(/['’`]/g, '');
    return s.replace(/[^A-Z]+/g, ' ').trim().split(' ').filter((t) => t.length > 0).join('<');
  });
  return [...new Set(forms)];
}

function nameMatches(mrz: Mrz, legal: KycSubmission['legalName']): boolean {
  const printed = `${mrz.primaryIdentifier.replace(/ /g, '<')}<<${mrz.secondaryIdentifier.replace(/ /g, '<')}`;
  for (const surname of mrzForms(legal.surname)) {
    for (const given of mrzForms(legal.givenNames)) {
      const submitted = `${surname}<<${given}`;
      if (submitted === printed || (mrz.nameTruncated && submitted.startsWith(printed.replace(/<+$/, '')))) return true;
    }
  }
  return false;
}

const EXPECTED_CODE: Readonly<Record<DocumentType, RegExp>> = { passport: /^P/, id_card: /^[IAC]/, driving_licence: /^D/ };

/** The flags of a document's zone against the submission, as of `todayIso` (YYYY-MM-DD). */
export function reviewMrz(mrz: Mrz, submission: KycSubmission, todayIso: string): KycFlag[] {
  const flags: KycFlag[] = mrz.checks.filter((c) => !c.ok).map((c) => ({ code: 'MRZ_CHECK_DIGIT' as const, field: c.field }));
  if (mrz.birthDate === null) flags.push({ code: 'MRZ_DATE_INVALID', field: 'birth_date' });
  if (mrz.expiryDate === null) flags.push({ code: 'MRZ_DATE_INVALID', field: 'expiry_date' });
  if (mrz.expiryDate !== null && mrz.expiryDate < todayIso) flags.push({ code: 'DOCUMENT_EXPIRED', expiryDate: mrz.expiryDate });
  if (!nameMatches(mrz, submission.legalName)) {
    flags.push({ code: 'NAME_MISMATCH', detail: `the zone reads ${mrz.primaryIdentifier} / ${mrz.secondaryIdentifier}` });
  }
  if (mrz.birthDate !== null && mrz.birthDate !== submission.dateOfBirth) {
    flags.push({ code: 'BIRTH_DATE_MISMATCH', detail: `the zone reads ${mrz.birthDate}, the submission ${submission.dateOfBirth}` });
  }
  const submittedNumber = submission.document.number.toUpperCase().replace(/[^A-Z0-9]/g, '');
  if (mrz.documentNumber !== submittedNumber) {
    flags.push({ code: 'DOCUMENT_NUMBER_MISMATCH', detail: `the zone reads ${mrz.documentNumber}` });
  }
  if (!EXPECTED_CODE[submission.document.type].test(mrz.documentCode)) {
    flags.push({ code: 'DOCUMENT_TYPE_MISMATCH', detail: `a ${submission.document.type} was declared, the zone's document code is ${mrz.documentCode}` });
  }
  return flags;
}
