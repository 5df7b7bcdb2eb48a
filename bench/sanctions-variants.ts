/**
 * Name variants built from real SDN entries, and ordinary names that are not listed: the inputs of
 * the recall / false-positive measurement (bench/sanctions.bench.ts) and of the tests on the real
 * list. Seeded, so every run measures the same names.
 */
import type { SdnEntry } from '../src/engine/compliance/sanctions/index.js';
import { JOINING_PARTICLES, normalizeName } from '../src/engine/compliance/sanctions/normalize-name.js';

export const VARIANT_KINDS = [
  'first-last', 'reordered', 'typo-substitution', 'typo-transposition', 'typo-deletion', 'missing-middle-name',
  'diacritics', 'lower-case-no-punctuation', 'honorific', 'alias', 'particle-joined', 'cyrillic', 'arabic-script',
] as const;
export type VariantKind = (typeof VARIANT_KINDS)[number];

export interface Variant {
  readonly kind: VariantKind;
  readonly query: string;
  readonly entNum: number;
  readonly listed: string;
  readonly type: 'individual' | 'entity';
}

/** Park–Miller LCG. */
export function seeded(seed: number): () => number {
  let x = seed;
  return () => (x = (x * 48271) % 2147483647) / 2147483647;
}

const firstLast = (n: string): string => {
  const parts = n.split(',');
  return parts.length === 2 ? `${(parts[1] as string).trim()} ${(parts[0] as string).trim()}` : n;
};
const words = (n: string): string[] => firstLast(n).split(/\s+/).filter((w) => w !== '');

/** The longest word's index: typos go there (a typo in a two-letter word is another word). */
const longest = (ws: string[]): number => ws.reduce((best, w, i) => (w.length > (ws[best] as string).length ? i : best), 0);

const ACCENTS: Readonly<Record<string, string>> = { A: 'Á', E: 'É', I: 'Í', O: 'Ö', U: 'Ü', N: 'Ñ', C: 'Ç', S: 'Š', Z: 'Ž' };

const TO_CYRILLIC: readonly [string, string][] = [
  ['SHCH', 'Щ'], ['ZH', 'Ж'], ['KH', 'Х'], ['TS', 'Ц'], ['CH', 'Ч'], ['SH', 'Ш'], ['YU', 'Ю'], ['YA', 'Я'], ['YE', 'Е'],
  ['A', 'А'], ['B', 'Б'], ['V', 'В'], ['G', 'Г'], ['D', 'Д'], ['E', 'Е'], ['Z', 'З'], ['I', 'И'], ['Y', 'Й'], ['K', 'К'], ['L', 'Л'],
  ['M', 'М'], ['N', 'Н'], ['O', 'О'], ['P', 'П'], ['R', 'Р'], ['S', 'С'], ['T', 'Т'], ['U', 'У'], ['F', 'Ф'], ['H', 'Х'], ['C', 'К'],
  ['W', 'В'], ['X', 'КС'], ['J', 'Дж'], ['Q', 'К'],
];

/** A Latin name written in Cyrillic letters, as a Russian-language document would spell it. */
export function toCyrillic(name: string): string {
  const s = firstLast(name).toUpperCase();
  let out = '';
  for (let i = 0; i < s.length;) {
    const hit = TO_CYRILLIC.find(([l]) => s.startsWith(l, i));
    if (hit) { out += hit[1]; i += hit[0].length; } else { out += s[i]; i++; }
  }
  return out;
}

const TO_ARABIC: readonly [string, string][] = [
  ['KH', 'خ'], ['SH', 'ش'], ['TH', 'ث'], ['DH', 'ذ'], ['GH', 'غ'], ['OU', 'و'], ['OO', 'و'], ['EE', 'ي'], ['B', 'ب'], ['T', 'ت'], ['J', 'ج'],
  ['H', 'ح'], ['D', 'د'], ['R', 'ر'], ['Z', 'ز'], ['S', 'س'], ['F', 'ف'], ['Q', 'ق'], ['K', 'ك'], ['L', 'ل'], ['M', 'م'], ['N', 'ن'],
  ['W', 'و'], ['Y', 'ي'], ['G', 'ج'], ['P', 'ب'], ['V', 'ف'], ['C', 'ك'], ['X', 'كس'],
];

/**
 * A Latin name written in Arabic letters the way Arabic writes it: consonants, a word's first
 * vowel as alif, other short vowels left out, a long final I as ya, the article AL- joined to its word.
 */
export function toArabic(name: string): string {
  return firstLast(name).toUpperCase().replace(/\bAL[- ]/g, 'AL').split(/[\s-]+/).filter((w) => w !== '').map((w) => {
    let out = '';
    for (let i = 0; i < w.length;) {
      const ch = w[i] as string;
      if ('AEIOU'.includes(ch)) {
        if (i === 0) out += 'ا';
        else if (i === w.length - 1 && (ch === 'I' || ch === 'E')) out += 'ي';
        i++;
        continue;
      }
      const hit = TO_ARABIC.find(([l]) => w.startsWith(l, i));
      if (hit) { out += hit[1]; i += hit[0].length; } else i++;
    }
    return out.startsWith('ال') ? out : out.replace(/^ا?ل(?=..)/, (m) => m);
  }).join(' ');
}

const CYRILLIC_COUNTRIES = /Russia|Ukraine|Belarus|Kazakhstan|Kyrgyzstan|Bulgaria|Serbia|Tajikistan|Moldova/;
const ARABIC_SCRIPT_COUNTRIES = /Syria|Iraq|Iran|Lebanon|Yemen|Saudi|Egypt|Libya|Sudan|Jordan|Kuwait|Qatar|Bahrain|Emirates|Oman|Afghanistan|Pakistan|Palestin|Algeria|Tunisia|Morocco|Somalia|Mauritania/;

/** Variants of the names of `entries` (individuals and entities), one per kind that applies. */
export function buildVariants(entries: readonly SdnEntry[], count: number, seed = 17): Variant[] {
  const rnd = seeded(seed);
  const pool = entries.filter((e) => (e.type === 'individual' || e.type === 'entity') && words(e.name).join('').length >= 6);
  const out: Variant[] = [];
  const used = new Set<number>();
  while (used.size < Math.min(count, pool.length)) {
    const e = pool[Math.floor(rnd() * pool.length)] as SdnEntry;
    if (used.has(e.entNum)) continue;
    used.add(e.entNum);
    const type = e.type === 'individual' ? 'individual' : 'entity';
    const add = (kind: VariantKind, query: string): void => { out.push({ kind, query, entNum: e.entNum, listed: e.name, type }); };
    const ws = words(e.name);
    const li = longest(ws);
    const w = ws[li] as string;
    const at = 1 + Math.floor(rnd() * Math.max(1, w.length - 2));
    const edit = (nw: string): string => ws.map((x, i) => (i === li ? nw : x)).join(' ');
    add('first-last', ws.join(' '));
    if (ws.length > 1) add('reordered', [...ws].reverse().join(' '));
    if (w.length >= 4) {
      const other = 'AEIOUNRST'.replace(w[at] as string, '');
      add('typo-substitution', edit(w.slice(0, at) + other[Math.floor(rnd() * other.length)] + w.slice(at + 1)));
      if (at + 1 < w.length && w[at] !== w[at + 1]) add('typo-transposition', edit(w.slice(0, at) + w[at + 1] + w[at] + w.slice(at + 2)));
      add('typo-deletion', edit(w.slice(0, at) + w.slice(at + 1)));
    }
    if (type === 'individual' && ws.length >= 3) add('missing-middle-name', [ws[0], ...ws.slice(2)].join(' '));
    if (/[AEIOUNCSZ]/.test(ws.join(''))) add('diacritics', ws.join(' ').replace(/[AEIOUNCSZ]/g, (c) => (rnd() < 0.5 ? (ACCENTS[c] as string) : c)));
    add('lower-case-no-punctuation', e.name.toLowerCase().replace(/[^a-z0-9 ]+/g, ' '));
    if (type === 'individual') add('honorific', `${rnd() < 0.5 ? 'Dr.' : 'Sheikh'} ${ws.join(' ')}`);
    const pi = ws.findIndex((x, i) => i + 1 < ws.length && JOINING_PARTICLES.has(x.toUpperCase()));
    if (pi >= 0) add('particle-joined', [...ws.slice(0, pi), `${ws[pi]}${(ws[pi + 1] as string).toLowerCase()}`, ...ws.slice(pi + 2)].join(' '));
    const alias = e.aliases.find((a) => a.kind === 'aka');
    if (alias) add('alias', firstLast(alias.name));
    // A name is written in another script where its bearer's language uses it.
    const places = [...e.nationalities, ...e.addresses.map((a) => a.country ?? '')].join(' ');
    if (type === 'individual' && CYRILLIC_COUNTRIES.test(places)) add('cyrillic', toCyrillic(e.name));
    if (type === 'individual' && ARABIC_SCRIPT_COUNTRIES.test(places)) add('arabic-script', toArabic(e.name));
  }
  return out;
}

export const COMMON_FIRST_NAMES = [
  'James', 'Mary', 'John', 'Patricia', 'Robert', 'Jennifer', 'Michael', 'Linda', 'William', 'Elizabeth', 'David', 'Barbara',
  'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Charles', 'Karen', 'Daniel', 'Nancy', 'Matthew', 'Lisa',
  'Maria', 'Jose', 'Juan', 'Carmen', 'Luis', 'Ana', 'Carlos', 'Laura', 'Pierre', 'Sophie', 'Hans', 'Anna', 'Giovanni', 'Giulia',
  'Wei', 'Fang', 'Hiroshi', 'Yuki', 'Priya', 'Rahul', 'Olga', 'Dmitri', 'Emma', 'Lucas', 'Noah', 'Olivia', 'Liam', 'Chloe',
  'Mohammed', 'Fatima', 'Ahmed', 'Aisha', 'Omar', 'Layla', 'Yusuf', 'Mariam',
];
export const COMMON_LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Miller', 'Davis', 'Wilson', 'Anderson', 'Taylor', 'Thomas', 'Moore',
  'Martin', 'Jackson', 'Thompson', 'White', 'Harris', 'Clark', 'Lewis', 'Walker', 'Garcia', 'Rodriguez', 'Martinez', 'Lopez',
  'Gonzalez', 'Perez', 'Sanchez', 'Muller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Dubois', 'Laurent', 'Rossi', 'Russo',
  'Ferrari', 'Wang', 'Li', 'Zhang', 'Liu', 'Chen', 'Sato', 'Suzuki', 'Tanaka', 'Kumar', 'Sharma', 'Patel', 'Singh',
  'Ivanova', 'Smirnov', 'Kowalski', 'Nowak', 'Jansen', 'Visser', 'Silva', 'Santos', 'Haddad', 'Mansour', 'Khalil',
];

/**
 * Every pairing of the common first and last names whose token set is not exactly a listed name's:
 * names a compliance officer should not have to look at twice (unless the list holds a near twin).
 */
export function ordinaryNames(entries: readonly SdnEntry[]): string[] {
  const listed = new Set<string>();
  const key = (n: string, kind: 'individual' | 'other' | 'unknown'): string => normalizeName(n, kind).tokens.map((t) => t.text).sort().join(' ');
  for (const e of entries) for (const n of [e.name, ...e.aliases.map((a) => a.name)]) listed.add(key(n, e.type === 'individual' ? 'individual' : 'other'));
  const out: string[] = [];
  for (const f of COMMON_FIRST_NAMES) for (const l of COMMON_LAST_NAMES) {
    const name = `${f} ${l}`;
    if (!listed.has(key(name, 'individual'))) out.push(name);
  }
  return out;
}
