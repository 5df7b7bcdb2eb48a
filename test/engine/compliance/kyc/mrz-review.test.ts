import { describe, expect, it } from 'vitest';
import { checkDigit, type Mrz, parseMrz } from '../../../../src/engine/compliance/kyc/mrz.js';
import { reviewMrz } from '../../../../src/engine/compliance/kyc/mrz-review.js';
import type { KycSubmission } from '../../../../src/engine/compliance/kyc/kyc-submission.js';
import { ANNA, TD1, TD3 } from './fixtures.js';

function parsed(text: string): Mrz {
  const r = parseMrz(text, 2026);
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

/** A TD3 zone with every check digit right, for the name, birth date (YYMMDD) and expiry given. */
function passport(nameField: string, birth: string, expiry: string, number = 'L898902C3'): string {
  const l1 = `P<UTO${nameField}`.padEnd(44, '<');
  const head = `${number.padEnd(9, '<')}${checkDigit(number.padEnd(9, '<'))}UTO${birth}${checkDigit(birth)}F${expiry}${checkDigit(expiry)}`;
  const optional = '<'.repeat(14);
  const body = `${head}${optional}0`;
  return `${l1}\n${body}${checkDigit(body.slice(0, 10) + body.slice(13, 20) + body.slice(21, 43))}`;
}

const codes = (mrz: Mrz, s: KycSubmission = ANNA, today = '2011-06-01') => reviewMrz(mrz, s, today).map((f) => f.code);

describe('MRZ review flags', () => {
  it('raises no flag when the specimen passport matches the submission and has not expired', () => {
    expect(reviewMrz(parsed(TD3), ANNA, '2011-06-01')).toEqual([]);
  });

  it('flags an expired document, with its expiry', () => {
    expect(reviewMrz(parsed(TD3), ANNA, '2026-06-01')).toEqual([{ code: 'DOCUMENT_EXPIRED', expiryDate: '2012-04-15' }]);
  });

  it('flags a corrupted check digit by field, without failing', () => {
    const text = TD3.replace('C36UTO', 'C37UTO');
    expect(reviewMrz(parsed(text), ANNA, '2011-06-01')).toEqual([
      { code: 'MRZ_CHECK_DIGIT', field: 'document_number' },
      { code: 'MRZ_CHECK_DIGIT', field: 'composite' },
    ]);
  });

  it('flags a different name and a different birth date', () => {
    const other = { ...ANNA, legalName: { givenNames: 'Anna', surname: 'Andersson' }, dateOfBirth: '1974-08-21' };
    expect(codes(parsed(TD3), other)).toEqual(['NAME_MISMATCH', 'BIRTH_DATE_MISMATCH']);
  });

  it('flags a missing given name, and a document number or type that is not the submitted one', () => {
    expect(codes(parsed(TD3), { ...ANNA, legalName: { givenNames: 'Anna', surname: 'Eriksson' } })).toEqual(['NAME_MISMATCH']);
    expect(codes(parsed(TD3), { ...ANNA, document: { type: 'passport', number: 'L898902C4' } })).toEqual(['DOCUMENT_NUMBER_MISMATCH']);
    expect(codes(parsed(TD3), { ...ANNA, document: { type: 'id_card', number: 'L898902C3' } })).toEqual(['DOCUMENT_TYPE_MISMATCH']);
  });

  it('matches an ID card (TD1) against a submission of its number', () => {
    expect(codes(parsed(TD1), { ...ANNA, document: { type: 'id_card', number: 'D23145890' } })).toEqual([]);
  });

  it('matches names written with accents, hyphens and apostrophes as ICAO transliterates them', () => {
    const cases: [string, KycSubmission['legalName']][] = [
      ['MUELLER<<JOERG', { surname: 'Müller', givenNames: 'Jörg' }],
      ['MULLER<<JORG', { surname: 'Müller', givenNames: 'Jörg' }],
      ['OBRIEN<<JEAN<PAUL', { surname: "O'Brien", givenNames: 'Jean-Paul' }],
      ['GONZALEZ<MARQUEZ<<JOSE', { surname: 'González Márquez', givenNames: 'José' }],
      ['STRASSE<<BJOERN', { surname: 'Straße', givenNames: 'Bjørn' }],
    ];
    for (const [field, legalName] of cases) {
      const mrz = parsed(passport(field, '740812', '300101'));
      expect(codes(mrz, { ...ANNA, legalName }), field).toEqual([]);
    }
  });

  it('matches a name the zone truncated on its prefix, and only then', () => {
    const field = 'WOLFESCHLEGELSTEIN<<HUBERT<BLAINE<CHARL';
    expect(field).toHaveLength(39);
    const mrz = parsed(passport(field, '740812', '300101'));
    expect(mrz.nameTruncated).toBe(true);
    expect(codes(mrz, { ...ANNA, legalName: { surname: 'Wolfeschlegelstein', givenNames: 'Hubert Blaine Charles' } })).toEqual([]);
    expect(codes(mrz, { ...ANNA, legalName: { surname: 'Wolfeschlegelstein', givenNames: 'Hubert Blaine Carl' } })).toEqual(['NAME_MISMATCH']);
  });

  it('flags dates that are not in the calendar instead of comparing them', () => {
    const mrz = parsed(passport('ERIKSSON<<ANNA<MARIA', '741312', '301340'));
    expect(codes(mrz)).toEqual(['MRZ_DATE_INVALID', 'MRZ_DATE_INVALID']);
  });
});
