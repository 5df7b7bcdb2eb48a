import { describe, expect, it } from 'vitest';
import { checkDigit, parseMrz, type Mrz } from '../../../../src/engine/compliance/kyc/mrz.js';

// The specimens of ICAO Doc 9303 (Part 4, Appendix B; Part 5, Appendix B): Anna Maria Eriksson of Utopia.
const TD3 = 'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10';
const TD1 = 'I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<';

function parsed(text: string): Mrz {
  const r = parseMrz(text, 2026);
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

/** The zone with one character replaced. */
function corrupt(text: string, line: number, col: number, ch: string): string {
  const lines = text.split('\n');
  const l = lines[line] as string;
  lines[line] = l.slice(0, col) + ch + l.slice(col + 1);
  return lines.join('\n');
}

describe('ICAO 9303 check digits', () => {
  it('weights 7-3-1 with letters 10-35 and the filler 0', () => {
    expect(checkDigit('L898902C3')).toBe(6);
    expect(checkDigit('740812')).toBe(2);
    expect(checkDigit('120415')).toBe(9);
    expect(checkDigit('ZE184226B<<<<<')).toBe(1);
    expect(checkDigit('D23145890')).toBe(7);
    expect(checkDigit('<<<<<<')).toBe(0);
  });
});

describe('TD3 (passport) zone', () => {
  it('reads the ICAO specimen with every check digit verified', () => {
    const m = parsed(TD3);
    expect(m).toMatchObject({
      format: 'TD3', documentCode: 'P', issuingState: 'UTO', primaryIdentifier: 'ERIKSSON', secondaryIdentifier: 'ANNA MARIA', nameTruncated: false,
      documentNumber: 'L898902C3', nationality: 'UTO', birthDate: '1974-08-12', sex: 'F', expiryDate: '2012-04-15', optionalData: 'ZE184226B', valid: true,
    });
    expect(m.checks.map((c) => c.field)).toEqual(['document_number', 'birth_date', 'expiry_date', 'optional_data', 'composite']);
  });

  it('accepts CR LF line ends, surrounding blanks and lower case', () => {
    expect(parsed(`  ${TD3.toLowerCase().replace('\n', '\r\n')}\n`).valid).toBe(true);
  });

  it.each([
    ['document number', 9, 'document_number'],
    ['birth date', 19, 'birth_date'],
    ['expiry date', 27, 'expiry_date'],
    ['optional data', 42, 'optional_data'],
    ['composite', 43, 'composite'],
  ] as const)('names the %s check digit that fails when it is corrupted', (_, col, field) => {
    const line2 = TD3.split('\n')[1] as string;
    const wrong = String((Number(line2[col]) + 1) % 10);
    const m = parsed(corrupt(TD3, 1, col, wrong));
    expect(m.valid).toBe(false);
    // The composite covers the other check digits too, so it fails with each of them.
    expect(m.checks.filter((c) => !c.ok).map((c) => c.field)).toEqual(field === 'composite' ? ['composite'] : [field, 'composite']);
  });

  it('catches a changed birth date through its check digit and the composite', () => {
    const m = parsed(corrupt(TD3, 1, 18, '3'));
    expect(m.checks.filter((c) => !c.ok).map((c) => c.field)).toEqual(['birth_date', 'composite']);
    expect(m.birthDate).toBe('1974-08-13');
  });

  it('accepts a filler as the check digit of empty optional data', () => {
    // The composite covers the optional data and its check digit: recompute it for the new line.
    const base = 'L898902C36UTO7408122F1204159<<<<<<<<<<<<<<<';
    const line2 = base + String(checkDigit(base.slice(0, 10) + base.slice(13, 20) + base.slice(21, 43)));
    const m = parsed(`${TD3.split('\n')[0]}\n${line2}`);
    expect(m.valid).toBe(true);
    expect(m.optionalData).toBe('');
  });

  it('places a birth year in the century that keeps it in the past', () => {
    const base = 'L898902C36UTO0501013F1204159<<<<<<<<<<<<<<<';
    const line2 = base + String(checkDigit(base.slice(0, 10) + base.slice(13, 20) + base.slice(21, 43)));
    expect(parsed(`${TD3.split('\n')[0]}\n${line2}`).birthDate).toBe('2005-01-01');
  });

  it('reports a date that is not in the calendar as null rather than a wrong date', () => {
    const m = parsed(corrupt(TD3, 1, 15, '3'));
    expect(m.birthDate).toBeNull();
  });

  it('marks a name that fills the whole field as possibly truncated', () => {
    const long = 'P<UTOVANDERSTEENHOVENMONTGOMERY<<ALEXANDRAJO';
    expect(long).toHaveLength(44);
    const m = parsed(`${long}\n${TD3.split('\n')[1]}`);
    expect(m).toMatchObject({ primaryIdentifier: 'VANDERSTEENHOVENMONTGOMERY', secondaryIdentifier: 'ALEXANDRAJO', nameTruncated: true });
  });
});

describe('TD1 (ID card) zone', () => {
  it('reads the ICAO specimen with every check digit verified', () => {
    expect(parsed(TD1)).toMatchObject({
      format: 'TD1', documentCode: 'I', issuingState: 'UTO', documentNumber: 'D23145890', nationality: 'UTO',
      birthDate: '1974-08-12', sex: 'F', expiryDate: '2012-04-15', primaryIdentifier: 'ERIKSSON', secondaryIdentifier: 'ANNA MARIA', valid: true,
    });
  });

  it('names the failing check digit of a corrupted document number, and the composite when the number itself changes', () => {
    const digit = parsed(corrupt(TD1, 0, 14, '8'));
    expect(digit.checks.filter((c) => !c.ok).map((c) => c.field)).toEqual(['document_number', 'composite']);
    const composite = parsed(corrupt(TD1, 1, 29, '5'));
    expect(composite.checks.filter((c) => !c.ok).map((c) => c.field)).toEqual(['composite']);
    const number = parsed(corrupt(TD1, 0, 6, '3'));
    expect(number.checks.filter((c) => !c.ok).map((c) => c.field)).toEqual(['document_number', 'composite']);
  });

  it('reads a document number longer than nine characters from the optional data', () => {
    // Part 5's example of a long number: D23145890734 (check digit 9) spills over after a filler.
    const l1 = `I<UTOD23145890<7349<<<<<<<<<<<`;
    expect(l1).toHaveLength(30);
    const body = '7408122F1204159UTO<<<<<<<<<<<';
    const line2 = body + String(checkDigit(l1.slice(5, 30) + body.slice(0, 7) + body.slice(8, 15) + body.slice(18, 29)));
    const m = parsed(`${l1}\n${line2}\nERIKSSON<<ANNA<MARIA<<<<<<<<<<`);
    expect(m.documentNumber).toBe('D23145890734');
    expect(m.checks.find((c) => c.field === 'document_number')).toEqual({ field: 'document_number', ok: true, printed: '9', computed: 9 });
    expect(m.valid).toBe(true);
    const wrong = parsed(`${l1.replace('7349', '7348')}\n${line2}\nERIKSSON<<ANNA<MARIA<<<<<<<<<<`);
    expect(wrong.checks.find((c) => c.field === 'document_number')?.ok).toBe(false);
  });
});

describe('zones of the wrong shape', () => {
  it.each([
    ['empty', ''],
    ['one line', TD3.split('\n')[0] as string],
    ['a short line', TD3.slice(0, -1)],
    ['three lines of 44', `${TD3}\n${TD3.split('\n')[1]}`],
    ['characters outside A-Z 0-9 <', TD3.replace('ANNA', 'AN-A')],
    ['a huge text', 'P'.repeat(10_000)],
  ])('refuses %s with KYC_MRZ_FORMAT', (_, text) => {
    const r = parseMrz(text, 2026);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.code).toBe('KYC_MRZ_FORMAT');
  });

  it('refuses what is not a string', () => {
    const r = parseMrz(42 as unknown as string, 2026);
    expect(r.ok ? null : r.code).toBe('KYC_MRZ_FORMAT');
  });
});
