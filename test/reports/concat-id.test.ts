import { describe, expect, it } from 'vitest';
import { concatNationalId } from '../../src/engine/reports/rts22/concat-id.js';

const id = (givenNames: string, surname: string, nationality = 'FR', dateOfBirth = '1980-02-14') =>
  concatNationalId({ nationality, dateOfBirth, givenNames, surname });

describe('CONCAT national identifier (RTS 22 Art. 6, ESMA guidelines)', () => {
  it('is nationality, birth date and five letters of first name and surname, # padded', () => {
    expect(id('John', "O'Brian")).toEqual({ ok: true, value: 'FR19800214JOHN#OBRIA' });
  });

  it('drops a surname prefix and pads a short result', () => {
    expect(id('Ludwig', 'Van der Rohe', 'DE', '1886-03-27')).toEqual({ ok: true, value: 'DE18860327LUDWIROHE#' });
  });

  it('keeps a prefix that is part of a single word', () => {
    expect(id('Victor', 'Vandenberg', 'NL', '1975-01-02')).toEqual({ ok: true, value: 'NL19750102VICTOVANDE' });
  });

  it('drops diacritics', () => {
    expect(id('Eli', 'Ståle', 'SE', '1990-12-31')).toEqual({ ok: true, value: 'SE19901231ELI##STALE' });
  });

  it('uses only the first of several first names, drops titles, and treats a hyphenated name as one', () => {
    expect(id('Dr Jean-Pierre Marie', 'Dupont', 'FR', '1970-06-01')).toEqual({ ok: true, value: 'FR19700601JEANPDUPON' });
  });

  it('transliterates letters without a base form', () => {
    expect(id('Søren', 'Strauß', 'DK', '1960-01-01')).toEqual({ ok: true, value: 'DK19600101SORENSTRAU' });
  });

  it('drops the two-word prefix "de la" rather than just "de"', () => {
    expect(id('Juan', 'de la Cruz', 'ES', '1985-05-05')).toEqual({ ok: true, value: 'ES19850505JUAN#CRUZ#' });
  });

  it('keeps a surname that is only a prefix', () => {
    expect(id('Anna', 'Van', 'NL', '1985-05-05')).toEqual({ ok: true, value: 'NL19850505ANNA#VAN##' });
  });

  it.each([
    ['', 'Dupont', 'FR', '1980-01-01'],
    ['Jean', "'-'", 'FR', '1980-01-01'],
    ['Jean', 'Dupont', 'France', '1980-01-01'],
    ['Jean', 'Dupont', 'FR', '01/01/1980'],
  ])('refuses what cannot make an identifier (%s %s %s %s)', (g, s, n, d) => {
    expect(id(g, s, n, d)).toMatchObject({ ok: false, code: 'INVALID_CONCAT_INPUT' });
  });
});
