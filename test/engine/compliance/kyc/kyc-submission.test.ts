import { describe, expect, it } from 'vitest';
import { isCountryCode, ISO_3166_ALPHA2 } from '../../../../src/engine/compliance/kyc/countries.js';
import { parseSubmission } from '../../../../src/engine/compliance/kyc/kyc-submission.js';
import { ANNA } from './fixtures.js';

const TODAY = '2026-06-01';

function refused(body: unknown): string {
  const r = parseSubmission(body, TODAY);
  if (r.ok) throw new Error('accepted');
  expect(r.code).toBe('KYC_INVALID_SUBMISSION');
  return r.message;
}

describe('KYC submission', () => {
  it('accepts a complete submission and trims its text', () => {
    const r = parseSubmission({ ...ANNA, legalName: { givenNames: '  Anna Maria ', surname: 'Eriksson' } }, TODAY);
    expect(r.ok && r.value.legalName.givenNames).toBe('Anna Maria');
  });

  it('knows the 249 assigned ISO 3166-1 alpha-2 codes and nothing else', () => {
    expect(ISO_3166_ALPHA2.size).toBe(249);
    for (const c of ['SE', 'GB', 'US', 'KP', 'AX', 'SS', 'CW']) expect(isCountryCode(c)).toBe(true);
    for (const c of ['UK', 'EU', 'XK', 'ZZ', 'YU', 'se', 'SWE']) expect(isCountryCode(c)).toBe(false);
  });

  it.each([
    ['a nationality that is not an ISO code', { ...ANNA, nationality: 'UK' }, 'nationality'],
    ['a residence in lower case', { ...ANNA, countryOfResidence: 'se' }, 'countryOfResidence'],
    ['an address country of three letters', { ...ANNA, address: { ...ANNA.address, country: 'SWE' } }, 'address.country'],
    ['a date of birth that is not in the calendar', { ...ANNA, dateOfBirth: '1974-02-30' }, 'dateOfBirth'],
    ['an unknown document type', { ...ANNA, document: { type: 'library_card', number: 'X1' } }, 'document.type'],
    ['a document number with symbols', { ...ANNA, document: { type: 'passport', number: 'L89<8902' } }, 'document.number'],
    ['an unknown source of funds', { ...ANNA, sourceOfFunds: { kind: 'lottery' } }, 'sourceOfFunds.kind'],
    ['"other" funds without a word of detail', { ...ANNA, sourceOfFunds: { kind: 'other', detail: '  ' } }, 'sourceOfFunds.detail'],
    ['an empty surname', { ...ANNA, legalName: { givenNames: 'Anna', surname: ' ' } }, 'legalName.surname'],
    ['an unknown field', { ...ANNA, favouriteColour: 'blue' }, 'favouriteColour'],
    ['a negative expected volume', { ...ANNA, tradingProfile: { expectedMonthlyNotionalUsd: -1 } }, 'tradingProfile.expectedMonthlyNotionalUsd'],
  ])('refuses %s, naming the field', (_, body, field) => {
    expect(refused(body)).toContain(field);
  });

  it('lists every bad field at once', () => {
    const message = refused({ ...ANNA, nationality: 'XX', dateOfBirth: 'yesterday' });
    expect(message).toContain('nationality');
    expect(message).toContain('dateOfBirth');
  });

  it('refuses a birth date in the future or more than 130 years ago', () => {
    expect(refused({ ...ANNA, dateOfBirth: '2026-06-02' })).toContain('future');
    expect(refused({ ...ANNA, dateOfBirth: '1896-05-31' })).toContain('130 years');
    expect(parseSubmission({ ...ANNA, dateOfBirth: '1896-06-01' }, TODAY).ok).toBe(true);
  });

  it.each([null, 'a string', 42, [], { legalName: 'Anna' }])('refuses a body that is not a submission (%j) without throwing', (body) => {
    refused(body);
  });
});
