/**
 * The CONCAT national identifier of a natural person, RTS 22 (Delegated Regulation (EU) 2017/590)
 * Article 6(4) and ESMA's transaction reporting guidelines (ESMA/2016/1452, section 5.7): the
 * ISO 3166-1 alpha-2 country of nationality, the date of birth as YYYYMMDD, then the first five
 * characters of the first name and of the surname, each padded with '#' to five; 20 characters.
 *
 * The names are normalised first, as the guidelines require:
 * - titles (Mr, Dr, ...) are dropped from the first name, and only the first of several first
 *   names is used (a hyphenated name is one name);
 * - surname prefixes (van der, de la, von, Mac, ...) are dropped when followed by a space and
 *   something remains after them;
 * - apostrophes, hyphens, spaces and other punctuation are removed; letters with diacritics lose
 *   them (é → E, å → A) and a few letters with no base form are transliterated (ß → SS, Æ → AE,
 *   Ø → O, Œ → OE, Ł → L, Đ → D, Þ → TH);
 * - the result is upper case.
 * E.g. "John O'Brian" born 1980-02-14, French: FR19800214JOHN#OBRIA; "Ludwig Van der Rohe":
 * LUDWIROHE#; "Eli Ståle": ELI##STALE (the guidelines' own examples).
 *
 * Why CONCAT for everyone: Annex II of RTS 22 gives, per nationality, identifiers that come
 * first (a national client identifier, a tax number, a passport number); the engine's KYC does
 * not collect them, and CONCAT is the identifier every nationality can fall back to. See
 * docs/REPORTS.md ("MiFIR transaction report") for what that means for nationalities whose first priority differs.
 */
import { failure, ok, type Result } from '../../result.js';

const TITLES = new Set(['atty', 'coach', 'col', 'dame', 'dr', 'fr', 'gov', 'honorable', 'maj', 'messrs', 'mr', 'mrs', 'ms', 'mx', 'ofc', 'phd', 'ph.d', 'pres', 'prof', 'rev', 'sir']);

/** Surname prefixes to drop (ESMA guidelines), longest first so "van der" wins over "van". */
const SURNAME_PREFIXES = [
  'am', 'auf', 'auf dem', 'aus der', 'd', 'da', 'de', "de l'", 'del', 'de la', 'de le', 'di', 'do', 'dos', 'du', 'im', 'la', 'le',
  'mac', 'mc', 'mhac', 'mhí', 'mhic giolla', 'mic', 'ni', 'ní', 'níc', 'o', 'ó', 'ua', 'ui', 'uí', 'van', 'van de', 'van den',
  'van der', 'vom', 'von', 'von dem', 'von den', 'von der',
].sort((a, b) => b.length - a.length);

const TRANSLITERATION: Readonly<Record<string, string>> = {
  'ß': 'SS', 'ẞ': 'SS', 'Æ': 'AE', 'æ': 'AE', 'Ø': 'O', 'ø': 'O', 'Œ': 'OE', 'œ': 'OE', 'Ł': 'L', 'ł': 'L', 'Đ': 'D', 'đ': 'D', 'Þ': 'TH', 'þ': 'TH', 'Ð': 'D', 'ð': 'D', 'ı': 'I',
};

/** Letters A–Z only: transliterated, diacritics dropped, everything else removed, upper case. */
export function lettersOf(name: string): string {
  const mapped = [...name].map((c) => TRANSLITERATION[c] ?? c).join('');
  return mapped.normalize('NFD').replace(/\p{M}/gu, '').toUpperCase().replace(/[^A-Z]/g, '');
}

const words = (s: string) => s.trim().split(/\s+/).filter((w) => w !== '');

export function firstNameForConcat(givenNames: string): string {
  const kept = words(givenNames).filter((w) => !TITLES.has(w.toLowerCase().replace(/\.$/, '')));
  return lettersOf(kept[0] ?? '');
}

export function surnameForConcat(surname: string): string {
  let rest = words(surname).join(' ');
  for (let changed = true; changed;) {
    changed = false;
    const lower = rest.toLowerCase();
    for (const p of SURNAME_PREFIXES) {
      // "de l'" ends in its own separator; the others must be followed by a space.
      const sep = p.endsWith("'") ? '' : ' ';
      if (lower.startsWith(p + sep) && lettersOf(rest.slice(p.length + sep.length)) !== '') {
        rest = rest.slice(p.length + sep.length).trimStart();
        changed = true;
        break;
      }
    }
  }
  return lettersOf(rest);
}

const five = (s: string) => s.slice(0, 5).padEnd(5, '#');

export interface ConcatInput {
  readonly nationality: string;
  /** YYYY-MM-DD. */
  readonly dateOfBirth: string;
  readonly givenNames: string;
  readonly surname: string;
}

export type ConcatCode = 'INVALID_CONCAT_INPUT';

export function concatNationalId(p: ConcatInput): Result<string, ConcatCode> {
  if (!/^[A-Z]{2}$/.test(p.nationality)) return failure('INVALID_CONCAT_INPUT', `nationality "${p.nationality}" is not an ISO 3166-1 alpha-2 code`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(p.dateOfBirth)) return failure('INVALID_CONCAT_INPUT', `date of birth "${p.dateOfBirth}" is not YYYY-MM-DD`);
  const first = firstNameForConcat(p.givenNames);
  const last = surnameForConcat(p.surname);
  if (first === '' || last === '') return failure('INVALID_CONCAT_INPUT', 'a first name and a surname with at least one letter each are needed');
  return ok(`${p.nationality}${p.dateOfBirth.replaceAll('-', '')}${five(first)}${five(last)}`);
}
