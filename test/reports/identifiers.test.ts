import { describe, expect, it } from 'vitest';
import { cfiOfListedOption, validateCfi, validateIsin, validateLei } from '../../src/engine/reports/identifiers.js';

describe('LEI (ISO 17442, ISO 7064 MOD 97-10)', () => {
  it.each([
    ['HWUPKR0MPOU8FGXBT394', 'Apple Inc.'],
    ['784F5XWPLTWKTBV3E584', 'The Goldman Sachs Group, Inc.'],
    ['7LTWFZYICNSX8D621K86', 'Deutsche Bank AG'],
  ])('accepts the published LEI %s (%s)', (lei) => {
    expect(validateLei(lei)).toEqual({ ok: true, value: lei });
  });

  it('refuses an LEI whose check digits are changed', () => {
    const r = validateLei('HWUPKR0MPOU8FGXBT395');
    expect(r).toMatchObject({ ok: false, code: 'INVALID_LEI' });
    expect(!r.ok && r.message).toContain('MOD 97-10');
  });

  it('refuses an LEI with a character changed in its body (the check digits catch it)', () => {
    expect(validateLei('HWUPKR0MPOU8FGXBT494')).toMatchObject({ ok: false, code: 'INVALID_LEI' });
  });

  it.each(['HWUPKR0MPOU8FGXBT39', 'hwupkr0mpou8fgxbt394', 'HWUPKR0MPOU8FGXBT3A4', ''])('refuses the malformed LEI "%s"', (lei) => {
    expect(validateLei(lei)).toMatchObject({ ok: false, code: 'INVALID_LEI' });
  });
});

describe('ISIN (ISO 6166, Luhn over the letter-expanded digits)', () => {
  it.each([
    ['US0378331005', 'Apple'],
    ['US78462F1030', 'SPDR S&P 500 ETF (SPY)'],
    ['US5949181045', 'Microsoft'],
    ['DE0007164600', 'SAP'],
    ['CH0038863350', 'Nestlé'],
    ['GB0002634946', 'BAE Systems'],
  ])('accepts the published ISIN %s (%s)', (isin) => {
    expect(validateIsin(isin)).toEqual({ ok: true, value: isin });
  });

  it.each(['US0378331006', 'US78462F1031', 'DE0007164601'])('refuses %s, a published ISIN with its check digit changed', (isin) => {
    const r = validateIsin(isin);
    expect(r).toMatchObject({ ok: false, code: 'INVALID_ISIN' });
    expect(!r.ok && r.message).toContain('check digit');
  });

  it('refuses two swapped digits in the body', () => {
    expect(validateIsin('US0378313005')).toMatchObject({ ok: false, code: 'INVALID_ISIN' });
  });

  it.each(['0378331005', 'US037833100X', 'us0378331005', '1S0378331005'])('refuses the malformed ISIN "%s"', (isin) => {
    expect(validateIsin(isin)).toMatchObject({ ok: false, code: 'INVALID_ISIN' });
  });
});

describe('CFI of a listed option (ISO 10962:2021, category O)', () => {
  it('builds OCASPS for an American, physically settled, standardised call on a share', () => {
    expect(cfiOfListedOption({ type: 'call', style: 'american', underlying: 'S', delivery: 'physical', standardised: true })).toBe('OCASPS');
  });

  it('builds OPEICS for a European, cash-settled, standardised put on an index', () => {
    expect(cfiOfListedOption({ type: 'put', style: 'european', underlying: 'I', delivery: 'cash', standardised: true })).toBe('OPEICS');
  });

  it('accepts what it builds and other known codes', () => {
    for (const cfi of ['OCASPS', 'OPEICS', 'OCBSPN', 'ESVUFR', 'OMXXXX']) expect(validateCfi(cfi)).toEqual({ ok: true, value: cfi });
  });

  it.each([
    ['OCASP', 'six'],
    ['ocasps', 'six'],
    ['ZCASPS', 'category'],
    ['OXASPS', 'group'],
    ['OCQSPS', 'exercise'],
    ['OCAZPS', 'underlying'],
    ['OCASQS', 'delivery'],
    ['OCASPQ', 'standardisation'],
  ])('refuses %s (%s)', (cfi, what) => {
    const r = validateCfi(cfi);
    expect(r).toMatchObject({ ok: false, code: 'INVALID_CFI' });
    expect(!r.ok && r.message).toContain(what);
  });
});
