/**
 * The PEP list format and the PEP screening on the example list that ships with the tests
 * (test/fixtures/pep/example-pep.csv, fictional people): the parser reads a good file and refuses a
 * file with a bad row, naming each bad line; the index finds listed people in their variants and
 * leaves ordinary names alone.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_PROBLEMS, PEP_HIT_THRESHOLD, type PepIndex, buildPepIndex, describeProblems, parsePepList } from '../../../../src/engine/compliance/pep/index.js';
import { REVIEW_THRESHOLD } from '../../../../src/engine/compliance/sanctions/index.js';
import { EXAMPLE_PEP_FILE } from '../../../fixtures/pep/example-pep.js';

const example = readFileSync(EXAMPLE_PEP_FILE, 'utf8');
const HEADER = 'id,name,aliases,position,country,dateOfBirth,positionFrom,positionTo';

function exampleIndex(): PepIndex {
  const r = buildPepIndex(example, 'example');
  if (!r.ok) throw new Error(describeProblems(r.problems));
  return r.index;
}

describe('the PEP list format', () => {
  it('reads every entry of the example list with its aliases, position, country and dates', () => {
    const r = parsePepList(example);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.entries).toHaveLength(20);
    const paula = r.entries[0]!;
    expect(paula).toMatchObject({ id: 'PEP-0001', name: 'Paula Politica', aliases: [{ kind: 'aka', name: 'Paula M. Politica' }], position: 'Minister of Finance', country: 'ES', dateOfBirth: '1968-03-14', positionFrom: '2019-01-10', line: 5 });
    expect(paula.positionTo).toBeUndefined();
    expect(paula.datesOfBirth).toEqual([{ text: '1968-03-14', from: '1968-03-14', to: '1968-03-14', precision: 'day' }]);
    const ashby = r.entries.find((e) => e.id === 'PEP-0003')!;
    expect(ashby.aliases.map((a) => a.name)).toEqual(['Bart Ashby', 'B. Q. Ashby']);
    expect(ashby.positionTo).toBe('2023-06-30');
    expect(r.entries.find((e) => e.id === 'PEP-0002')!.datesOfBirth).toEqual([{ text: '1975', from: '1975-01-01', to: '1975-12-31', precision: 'year' }]);
  });

  it('reads the columns in any order, quoted fields, CRLF line ends and a byte-order mark', () => {
    const text = '\uFEFFcountry,id,name,aliases,position,dateOfBirth,positionFrom,positionTo\r\nse,X-1,"Lind, Karin","Karin ""Kaja"" Lind",Minister,1970-01-02,2020,\r\n';
    const r = parsePepList(text);
    expect(r.ok && r.entries[0]).toMatchObject({ id: 'X-1', name: 'Lind, Karin', aliases: [{ name: 'Karin "Kaja" Lind' }], country: 'SE', positionFrom: '2020' });
  });

  it('refuses the whole file when one row is bad, naming its line and what was expected', () => {
    const lines = example.split('\n');
    lines[7] = 'PEP-0004,Oleksandr Hrytsenko,,Deputy Prime Minister,XX,1971-02-30,2020-03-04,';
    const r = parsePepList(lines.join('\n'));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual([{ line: 8, message: 'country: "XX" is not an ISO 3166-1 alpha-2 code; dateOfBirth: "1971-02-30" is not a date YYYY, YYYY-MM or YYYY-MM-DD' }]);
  });

  it('names every bad line: a missing name, a repeated id, a wrong field count, an open quote, an office that ends before it starts', () => {
    const text = [
      HEADER,
      'A1,,,Senator,FR,,,',
      'A2,Jean Valmont,,Senator,FR,,,',
      'A2,Jean Valmont,,Senator,FR,,,',
      'A3,Jean Valmont,,Senator,FR',
      'A4,"Jean Valmont,,Senator,FR,,,',
      'A5,Jean Valmont,,Senator,FR,,2020-05-01,2019-01-01',
      'A6,习近平,,Senator,FR,,,',
    ].join('\n');
    const r = parsePepList(text);
    expect(r.ok ? [] : r.problems).toEqual([
      { line: 2, message: 'name: empty' },
      { line: 4, message: 'id: A2 is listed already on line 3' },
      { line: 5, message: '5 fields, expected 8' },
      { line: 6, message: 'a quote is left open (a field may not span lines)' },
      { line: 7, message: 'positionTo: 2019-01-01 is before positionFrom 2020-05-01' },
      { line: 8, message: 'name: "习近平" has no letter in a script the screening reads (Latin, Cyrillic, Greek, Arabic)' },
    ]);
  });

  it('refuses a header with a missing or unknown column, and a file with nobody on it', () => {
    const bad = parsePepList('id,name,aliases,position,country,dob,positionFrom,positionTo\nA1,Jean Valmont,,Senator,FR,,,');
    expect(bad.ok ? '' : describeProblems(bad.problems)).toBe('line 1: header: expected the columns id,name,aliases,position,country,dateOfBirth,positionFrom,positionTo (any order); missing dateOfBirth; unknown dob');
    const empty = parsePepList(`# nobody\n${HEADER}\n`);
    expect(empty.ok ? '' : describeProblems(empty.problems)).toContain('no entry');
    expect(parsePepList('').ok).toBe(false);
  });

  it(`says at most ${MAX_PROBLEMS} problems in one message, and how many more`, () => {
    const text = [HEADER, ...Array.from({ length: MAX_PROBLEMS + 5 }, (_, i) => `B${i},Jean Valmont,,Senator,ZZ,,,`)].join('\n');
    const r = parsePepList(text);
    expect(r.ok ? '' : describeProblems(r.problems)).toMatch(/^line 2: country: .*; and 5 more$/);
  });
});

describe('PEP screening on the example list', () => {
  const index = exampleIndex();

  it('hits at the sanctions review threshold', () => {
    expect(PEP_HIT_THRESHOLD).toBe(REVIEW_THRESHOLD);
  });

  it.each([
    ['the listed name', 'Paula Politica', 'PEP-0001'],
    ['reordered tokens', 'Politica Paula', 'PEP-0001'],
    ['a typo', 'Paula Polittica', 'PEP-0001'],
    ['no accents, LAST, First order', 'Varga-Hollosy, Zsofia', 'PEP-0002'],
    ['an alias', 'Bart Ashby', 'PEP-0003'],
    ['the Cyrillic alias, transliterated', 'Олександр Гриценко-Демчук', 'PEP-0004'],
    ['another romanisation', 'Oleksandr Gritsenko-Demchuk', 'PEP-0004'],
    ['Arabic script', 'راشد النعيماني', 'PEP-0008'],
    ['no hyphen, no accents', 'Francois Xavier Dumontel', 'PEP-0009'],
    ['a missing middle name', 'Lucia Iturbide Zamacona', 'PEP-0013'],
    ['an umlaut written out', 'Henrik Steinbrueck', 'PEP-0014'],
    ['Polish letters folded', 'Tomasz Przybylowicz', 'PEP-0016'],
  ])('finds a listed person by %s (%s)', (_, name, id) => {
    const r = index.screen({ name, type: 'individual' });
    expect(r.pep).toBe(true);
    expect(r.matches[0]).toMatchObject({ id });
    expect(r.matches[0]!.score).toBeGreaterThanOrEqual(PEP_HIT_THRESHOLD);
  });

  it('does not flag ordinary names that are not listed', () => {
    const ordinary = ['John Smith', 'Maria Garcia', 'Anna Maria Eriksson', 'Michael Brown', 'Wei Zhang', 'Mohammed Ali', 'Peter Ashby', 'Ingrid Larsen',
      'Olga Petrova', 'Jean Dupont', 'Carlos Hernandez', 'Fatima Hassan', 'Kwame Mensah', 'Sofia Rossi', 'Lukas Schmidt', 'Emma Johansson', 'Ahmed Khan', 'Yuki Tanaka'];
    for (const name of ordinary) expect(index.screen({ name, type: 'individual' }), name).toMatchObject({ pep: false, matches: [] });
  });

  it('explains a hit and reports the position, country and dates, with the list version', () => {
    const r = index.screen({ name: 'Politica Paula', dateOfBirth: '1968-03-14', countries: ['ES', 'FR'], type: 'individual' });
    expect(r.listVersion).toBe('example');
    const m = r.matches[0]!;
    expect(m).toMatchObject({ id: 'PEP-0001', name: 'Paula Politica', matchedName: 'Paula Politica', position: 'Minister of Finance', country: 'ES', dateOfBirth: '1968-03-14', positionFrom: '2019-01-10' });
    expect(m.explanation.tokens.map((t) => [t.query, t.listed])).toEqual([['POLITICA', 'POLITICA'], ['PAULA', 'PAULA']]);
    expect(m.explanation.evidence.map((e) => [e.feature, e.verdict])).toEqual([['dateOfBirth', 'supports'], ['country', 'supports'], ['type', 'supports']]);
  });

  it('lowers a hit whose date of birth contradicts the listed one, below the threshold for a loose name', () => {
    const loose = index.screen({ name: 'Kwabena Osei', type: 'individual' });
    expect(loose.pep).toBe(true);
    expect(index.screen({ name: 'Kwabena Osei', dateOfBirth: '1990-01-01', type: 'individual' }).pep).toBe(false);
  });
});
