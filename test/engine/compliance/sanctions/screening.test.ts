/**
 * Screening against the real SDN list: listed names found in the variants a customer file holds,
 * ordinary names not blocked, evidence moving scores, explanations naming their tokens, and the
 * index returning exactly what comparing every listed name returns.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { BLOCK_MIN_PAIR, BLOCK_THRESHOLD, REVIEW_THRESHOLD, type SanctionsIndex, type ScreeningQuery } from '../../../../src/engine/compliance/sanctions/index.js';
import { dobEvidence } from '../../../../src/engine/compliance/sanctions/evidence.js';
import { VARIANT_KINDS, buildVariants, ordinaryNames } from '../../../../bench/sanctions-variants.js';
import { realIndex } from './real-list.js';

let index: SanctionsIndex;
beforeAll(() => {
  index = realIndex();
});

const hit = (q: ScreeningQuery, entNum: number) => index.screen(q).matches.find((m) => m.entNum === entNum);

describe('a listed person in the spellings a customer file holds', () => {
  it.each([
    ['Usama bin Ladin', 6365],
    ['Osama Bin Laden', 6365],
    ['LADEN, Osama bin', 6365],
    ['osama bin-laden', 6365],
    ['Usama bin Muhamad bin Awad bin Ladin', 6365],
    ['Usama Binladin', 6365],
    ['Abubakr al-Baghdadi', 12926],
    ['Ayman al-Zawahiri', 2676],
    ['Aymán Zawahirí', 2676],
    ['Ayman Zawahri', 2676],
    ['Hassan Nasrallah', 2686],
    ['Oleg Deripaska', 24283],
    ['Олег Владимирович Дерипаска', 24283],
    ['Аркадий Ротенберг', 16669],
    ['أيمن الظواهري', 2676],
    ['أسامة بن لادن', 6365],
    ['Banco Nacional de Cuba', 306],
    ['BANCO NACIONAL DE CUBA S.A.', 306],
  ])('finds %s (entry %i)', (name, entNum) => {
    const r = index.screen({ name });
    expect(r.decision).not.toBe('clear');
    expect(r.matches.map((m) => m.entNum)).toContain(entNum);
  });

  it('finds at least 97% of the variants built from 80 real entries, and at least 90% of each kind', () => {
    const variants = buildVariants(index.entries, 80, 5);
    const found = (kind?: string) => {
      const vs = variants.filter((v) => kind === undefined || v.kind === kind);
      return { n: vs.length, found: vs.filter((v) => hit({ name: v.query }, v.entNum) !== undefined).length };
    };
    const all = found();
    expect(all.found / all.n).toBeGreaterThanOrEqual(0.97);
    for (const kind of VARIANT_KINDS) {
      const k = found(kind);
      if (k.n >= 5) expect(k.found / k.n, kind).toBeGreaterThanOrEqual(0.9);
    }
  });
});

describe('ordinary names that are not listed', () => {
  it('blocks none of thousands of common first × last names screened as individuals, and sends few to review', () => {
    const names = ordinaryNames(index.entries);
    expect(names.length).toBeGreaterThan(3000);
    const decisions = names.map((name) => index.screen({ name, type: 'individual' }).decision);
    expect(decisions.filter((d) => d === 'block')).toEqual([]);
    expect(decisions.filter((d) => d === 'review').length / names.length).toBeLessThan(0.05);
  });

  it('clears a plain unlisted name', () => {
    expect(index.screen({ name: 'John Smith' })).toMatchObject({ decision: 'clear', matches: [] });
  });
});

describe('evidence', () => {
  it('lowers the score when the date of birth contradicts the entry, and raises it a little when it agrees', () => {
    const name = 'Usama bin Ladn';
    const plain = hit({ name }, 6365)!;
    const same = hit({ name, dateOfBirth: '1957-07-30' }, 6365)!;
    expect(same.score).toBeCloseTo(Math.min(1, plain.score + 0.02), 10);
    expect(same.explanation.evidence.find((e) => e.feature === 'dateOfBirth')).toMatchObject({ verdict: 'supports', adjustment: 0.02 });
    // 1990 is decades from 1957 and 1958: another person of that name, below review.
    expect(hit({ name, dateOfBirth: '1990-01-01' }, 6365)).toBeUndefined();
    const e = index.entries.find((x) => x.entNum === 6365)!;
    expect(dobEvidence('1990-01-01', e)).toMatchObject({ verdict: 'contradicts', adjustment: -0.15 });
    // Within a year of a listed date: neither for nor against (a typo, a calendar conversion).
    expect(dobEvidence('1959-03-01', e)).toMatchObject({ verdict: 'unknown', adjustment: 0 });
  });

  it("a year of birth inside a listed date supports; a country among the entry's counts for it, another against", () => {
    const m = hit({ name: 'Hasan Nasrallah', dateOfBirth: '1955', country: 'Lebanon' }, 2686)!;
    expect(m.explanation.evidence.map((e) => [e.feature, e.verdict])).toEqual([['dateOfBirth', 'supports'], ['country', 'supports'], ['type', 'unknown']]);
    const elsewhere = hit({ name: 'Hasan Nasrallah', dateOfBirth: '1955', country: 'Norway' }, 2686)!;
    expect(elsewhere.score).toBeLessThan(m.score);
    expect(elsewhere.score).toBeCloseTo(elsewhere.explanation.nameScore + 0.02 - 0.05, 3);
    expect(elsewhere.explanation.evidence[1]).toMatchObject({ feature: 'country', verdict: 'contradicts' });
  });

  it('a type contradicting the entry lowers the score', () => {
    const asPerson = hit({ name: 'Osama bin Laden', type: 'individual' }, 6365)!;
    expect(asPerson.score).toBe(1);
    // 1 − 0.20: an entity of that name would be below review.
    expect(hit({ name: 'Osama bin Laden', type: 'entity' }, 6365)).toBeUndefined();
    expect(hit({ name: 'Banco Nacional de Cuba', type: 'individual' }, 306)).toBeUndefined();
  });
});

describe('the explanation of a match', () => {
  it('names the matched token pairs with their similarities, the tokens left over and the name that matched', () => {
    const m = hit({ name: 'Hasan Nasralah' }, 2686)!;
    expect(m.matchedName).toBe('NASRALLAH, Hasan');
    expect(m.explanation.nameKind).toBe('primary');
    expect(m.explanation.tokens).toEqual([
      { query: 'HASAN', listed: 'HASAN', similarity: 1, method: 'jaro-winkler' },
      { query: 'NASRALAH', listed: 'NASRALLAH', similarity: expect.closeTo(0.9778, 3), method: 'jaro-winkler' },
    ]);
    expect(m.explanation.unmatchedQueryTokens).toEqual([]);
    expect(m.explanation.unmatchedListedTokens).toEqual([]);
    expect(m.programs).toEqual(['SDGT', 'SYRIA']);
    expect(m.type).toBe('individual');
  });

  it('names the tokens a match left unpaired, and the alias that matched', () => {
    const m = hit({ name: 'Osama bin Laden Junior' }, 6365)!;
    expect(m.matchedName).toBe('BIN LADEN, Osama');
    expect(m.explanation.nameKind).toBe('aka');
    expect(m.explanation.unmatchedQueryTokens).toEqual(['JUNIOR']);
    expect(m.decision).toBe('review');
  });

  it('says an Arabic-script token matched by its consonants', () => {
    const m = hit({ name: 'أيمن الظواهري' }, 2676)!;
    expect(m.explanation.tokens.some((t) => t.method === 'consonant-skeleton')).toBe(true);
  });

  it('decides by the documented thresholds and records the list version', () => {
    const r = index.screen({ name: 'Usama bin Ladin' });
    expect(r.listVersion).toBe(index.version.sha256);
    expect(r.decision).toBe('block');
    for (const m of r.matches) {
      expect(m.score).toBeGreaterThanOrEqual(REVIEW_THRESHOLD);
      expect(m.decision).toBe(m.score >= BLOCK_THRESHOLD && m.explanation.unmatchedQueryTokens.length === 0 && m.explanation.tokens.every((t) => t.similarity >= BLOCK_MIN_PAIR) ? 'block' : 'review');
    }
  });

  it('reviews rather than blocks a whole-name score carried by one loose short token', () => {
    const r = index.screen({ name: 'Mohammed Ali' });
    const wali = r.matches.find((m) => m.matchedName === 'MOHAMMED, Wali')!;
    expect(wali.score).toBeGreaterThanOrEqual(BLOCK_THRESHOLD);
    expect(wali.decision).toBe('review');
  });
});

describe('the index', () => {
  it('returns exactly what the exhaustive pass over every listed name returns, on 240 queries', () => {
    const variants = buildVariants(index.entries, 30, 11).map((v) => ({ name: v.query }));
    const ordinary = ordinaryNames(index.entries).filter((_, i) => i % 40 === 0).map((name) => ({ name }));
    const queries: ScreeningQuery[] = [...variants, ...ordinary, { name: 'Mohammed Ali Hassan' }, { name: 'محمد علي' }, { name: 'Ким Чен Ын' }].slice(0, 240);
    expect(queries.length).toBeGreaterThan(150);
    let flagged = 0;
    for (const q of queries) {
      const fast = index.screen(q);
      expect(fast, q.name).toEqual(index.screenExhaustive(q));
      if (fast.decision !== 'clear') flagged++;
    }
    expect(flagged).toBeGreaterThan(100);
  });

  it('answers an empty or punctuation-only name with clear, and cuts a very long one', () => {
    expect(index.screen({ name: '...' }).decision).toBe('clear');
    expect(index.screen({ name: 'Usama bin Ladin '.repeat(20) }).listVersion).toBe(index.version.sha256);
  });
});
