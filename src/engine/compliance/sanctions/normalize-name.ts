/**
 * A name as the matcher compares it: upper-case ASCII tokens, with what does not identify a person
 * or a company taken out. The steps, in order:
 *   1. `LAST, First` (one comma, as OFAC writes individuals) becomes `First LAST`, so the displayed
 *      form reads naturally; the comparison itself ignores order.
 *   2. Transliteration of Cyrillic, Greek and Arabic, accents and diacritics dropped (transliterate.ts).
 *   3. Dots join (`S.A.` → `SA`, `U.S.` → `US`), apostrophes join (`O'BRIEN` → `OBRIEN`), every other
 *      character that is not a letter or digit separates tokens (`AL-QAIDA` → `AL QAIDA`).
 *   4. Honorifics and titles (MR, DR, SHEIKH, HAJJI …) and the Arabic article standing alone (AL, EL)
 *      are dropped; an `AL` glued to an Arabic-script word (`الظواهري` → `ALZWAHRY`) is cut off.
 *   5. For anything but an individual, legal-form suffixes at the end (LTD, LLC, S.A. DE C.V., GMBH …)
 *      are dropped, and a leading THE.
 * A step never removes the last token: a name made only of a title keeps it.
 */
import { isArabicLetter, transliterate } from './transliterate.js';

export interface NameToken {
  readonly text: string;
  /** Written in Arabic script: its vowels are missing, so it is compared by consonant skeleton. */
  readonly abjad: boolean;
}

export interface NormalizedName {
  readonly tokens: readonly NameToken[];
  /** The tokens joined by a space: the form shown in explanations. */
  readonly text: string;
}

export const HONORIFICS: ReadonlySet<string> = new Set([
  'MR', 'MRS', 'MS', 'MISS', 'MX', 'DR', 'PROF', 'PROFESSOR', 'SIR', 'DAME', 'LORD', 'LADY', 'REV', 'FR',
  'SHEIKH', 'SHEIK', 'SHAIKH', 'SHAYKH', 'SHEIKHA', 'HAJJI', 'HAJI', 'HADJI', 'HAJJ', 'HAJ', 'HAJIA', 'MULLAH', 'MULLA', 'MAULANA', 'MAULVI',
  'MAWLAWI', 'MOULVI', 'IMAM', 'SAYYID', 'SAYED', 'SAYYED', 'EMIR', 'AMIR', 'ENG', 'ENGINEER', 'GEN', 'GENERAL', 'COL', 'COLONEL', 'MAJ',
  'CAPT', 'CAPTAIN', 'LT', 'SGT', 'ADM', 'ADMIRAL', 'HRH', 'HE', 'HIS', 'HER', 'EXCELLENCY',
]);

/** The Arabic article written as a word of its own (`AL-QAIDA`, `EL SAYED`). */
const ARTICLES: ReadonlySet<string> = new Set(['AL', 'EL', 'UL', 'AD', 'AS', 'AZ', 'AN', 'AR', 'AT', 'ASH', 'ATH']);
/** Of ARTICLES, the ones that are also ordinary words elsewhere are dropped only before a hyphen. */
const ALWAYS_ARTICLES: ReadonlySet<string> = new Set(['AL', 'EL', 'UL']);

export const COMPANY_SUFFIXES: ReadonlySet<string> = new Set([
  'LTD', 'LIMITED', 'LLC', 'LLP', 'LP', 'INC', 'INCORPORATED', 'CORP', 'CORPORATION', 'CO', 'COMPANY', 'PLC', 'GMBH', 'AG', 'KG',
  'SA', 'SAS', 'SARL', 'SRL', 'SPA', 'SL', 'SAC', 'SAU', 'SAPI', 'CV', 'RL', 'DE', 'BV', 'NV', 'OOO', 'ZAO', 'OAO', 'PAO', 'AO', 'TOO',
  'JSC', 'OJSC', 'CJSC', 'PJSC', 'PTE', 'PVT', 'PTY', 'FZE', 'FZC', 'FZCO', 'FZLLC', 'DMCC', 'SDN', 'BHD', 'KFT', 'LTDA', 'CIA',
  'EIRL', 'AB', 'AS', 'OY', 'SE', 'SCS', 'SNC',
]);

/** `LAST, First` → `First LAST` when the name has exactly one comma with words on both sides. */
export function reorderLastFirst(name: string): string {
  const parts = name.split(',');
  if (parts.length !== 2) return name;
  const [last, first] = parts.map((p) => p.trim()) as [string, string];
  return last === '' || first === '' ? name : `${first} ${last}`;
}

/** Splits `raw` into tokens, remembering for each whether its word was written in Arabic script. */
function tokenize(raw: string): { text: string; abjad: boolean; hyphenated: boolean }[] {
  const out: { text: string; abjad: boolean; hyphenated: boolean }[] = [];
  for (const word of raw.split(/\s+/)) {
    if (word === '') continue;
    let abjad = false;
    for (const ch of word) if (isArabicLetter(ch)) { abjad = true; break; }
    const latin = transliterate(word).replace(/[.'’‘`´ʻʼ]/g, '');
    const parts = latin.split(/[^A-Z0-9]+/).filter((p) => p !== '');
    parts.forEach((p, i) => out.push({ text: p, abjad, hyphenated: i < parts.length - 1 }));
  }
  return out;
}

/**
 * `kind`: an individual's name is reordered and keeps every token at its end; another party's
 * (entity, vessel, aircraft) loses its legal-form suffixes and is never reordered; an unknown party
 * gets both, the reordering only when what follows the comma is not a legal form (`ACME, LTD`).
 */
export function normalizeName(name: string, kind: 'individual' | 'other' | 'unknown' = 'unknown'): NormalizedName {
  const afterComma = name.includes(',') ? tokenize(name.slice(name.indexOf(',') + 1)) : [];
  const reorder = kind === 'individual' || (kind === 'unknown' && afterComma.length > 0 && !afterComma.some((t) => COMPANY_SUFFIXES.has(t.text)));
  let toks = tokenize(reorder ? reorderLastFirst(name) : name);
  const keep = (pred: (t: (typeof toks)[number]) => boolean): void => {
    const kept = toks.filter(pred);
    if (kept.length > 0) toks = kept;
  };
  keep((t) => !HONORIFICS.has(t.text));
  keep((t) => !(ALWAYS_ARTICLES.has(t.text) || (ARTICLES.has(t.text) && t.hyphenated)));
  toks = toks.map((t) => (t.abjad && t.text.startsWith('AL') && t.text.length > 4 ? { ...t, text: t.text.slice(2) } : t));
  if (kind !== 'individual') {
    let end = toks.length;
    while (end > 1 && COMPANY_SUFFIXES.has((toks[end - 1] as (typeof toks)[number]).text)) end--;
    toks = toks.slice(0, end);
    if (toks.length > 1 && toks[0]?.text === 'THE') toks = toks.slice(1);
  }
  const tokens = toks.map((t) => ({ text: t.text, abjad: t.abjad }));
  return { tokens, text: tokens.map((t) => t.text).join(' ') };
}

/**
 * Words that Arabic names write joined to the next or apart, as the romaniser chose: BIN LADIN or
 * BINLADIN, ABDUL RAHMAN or ABDULRAHMAN, ABU BAKR or ABUBAKR.
 */
export const JOINING_PARTICLES: ReadonlySet<string> = new Set(['BIN', 'BEN', 'IBN', 'BINT', 'ABU', 'ABOU', 'ABO', 'ABD', 'ABDUL', 'ABDEL', 'ABDOUL', 'ABDAL', 'ABDU', 'UMM', 'BOU']);

/** The tokens with each joining particle glued to the token after it, or undefined when there is none. */
export function joinParticles(tokens: readonly NameToken[]): NameToken[] | undefined {
  const out: NameToken[] = [];
  let joined = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as NameToken;
    const next = tokens[i + 1];
    if (next !== undefined && JOINING_PARTICLES.has(t.text)) {
      out.push({ text: t.text + next.text, abjad: t.abjad || next.abjad });
      joined = true;
      i++;
    } else {
      out.push(t);
    }
  }
  return joined ? out : undefined;
}
