import { describe, expect, it } from 'vitest';
import { jaroWinkler } from '../../../../src/engine/compliance/sanctions/jaro-winkler.js';
import { normalizeName } from '../../../../src/engine/compliance/sanctions/normalize-name.js';
import { transliterate } from '../../../../src/engine/compliance/sanctions/transliterate.js';
import { consonantSkeleton } from '../../../../src/engine/compliance/sanctions/name-similarity.js';

const text = (n: string, kind?: 'individual' | 'other' | 'unknown') => normalizeName(n, kind).text;

describe('name normalisation', () => {
  it('reads "LAST, First" as "First LAST" and drops case, accents and punctuation', () => {
    expect(text('BIN LADIN, Usama', 'individual')).toBe('USAMA BIN LADIN');
    expect(text("José María O'Brien-Núñez")).toBe('JOSE MARIA OBRIEN NUNEZ');
  });

  it('drops honorifics and the Arabic article standing alone, but never the last token', () => {
    expect(text('AL ZAWAHIRI, Dr. Ayman', 'individual')).toBe('AYMAN ZAWAHIRI');
    expect(text('Sheikh Hajji Omar al-Bashir')).toBe('OMAR BASHIR');
    expect(text('Dr.')).toBe('DR');
  });

  it("drops a company's legal form at its end, and reorders nothing of it", () => {
    expect(text('ANGLO-CARIBBEAN CO., LTD.', 'other')).toBe('ANGLO CARIBBEAN');
    expect(text('RED MUNDIAL INMOBILIARIA, S.A. DE C.V.', 'other')).toBe('RED MUNDIAL INMOBILIARIA');
    expect(text('ACME GmbH')).toBe('ACME');
    expect(text('ACME, LTD')).toBe('ACME');
    expect(text('Lopez, Juan', 'individual')).toBe('JUAN LOPEZ');
  });

  it('transliterates Cyrillic, Greek and Arabic', () => {
    expect(transliterate('Владимир Жириновский')).toBe('VLADIMIR ZHIRINOVSKIY');
    expect(transliterate('Джон')).toBe('JON');
    expect(transliterate('Αλέξης Τσίπρας')).toBe('ALEXIS TSIPRAS');
    expect(transliterate('محمد')).toBe('MHMD');
    expect(normalizeName('أيمن الظواهري').tokens).toEqual([{ text: 'AYMN', abjad: true }, { text: 'ZWAHRY', abjad: true }]);
  });

  it("compares an Arabic-script word by its consonants, the way its romanisations differ", () => {
    expect(consonantSkeleton('MOHAMMED')).toBe(consonantSkeleton('MHMD'));
    expect(consonantSkeleton('QADHAFI')).toBe(consonantSkeleton('KADAFI'.replace('D', 'DH')));
  });
});

describe('Jaro–Winkler', () => {
  it("gives Winkler's published values", () => {
    expect(jaroWinkler('MARTHA', 'MARHTA')).toBeCloseTo(0.9611, 4);
    expect(jaroWinkler('DWAYNE', 'DUANE')).toBeCloseTo(0.84, 4);
    expect(jaroWinkler('DIXON', 'DICKSONX')).toBeCloseTo(0.8133, 4);
    expect(jaroWinkler('ABC', 'ABC')).toBe(1);
    expect(jaroWinkler('ABC', '')).toBe(0);
    expect(jaroWinkler('ABC', 'XYZ')).toBe(0);
  });
});
