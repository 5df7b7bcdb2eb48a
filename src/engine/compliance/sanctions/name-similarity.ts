/**
 * How alike two names are, token set against token set, so that word order does not matter:
 *
 *   1. Each query token is compared with each listed token by Jaro–Winkler (jaro-winkler.ts). A query
 *      token written in Arabic script (no short vowels) is also compared by consonant skeleton —
 *      vowels and W/Y dropped, Q/C as K, G as J, P as B, V as F, doubled letters once ("محمد" → MHMD = skeleton of
 *      MOHAMMED) — at SKELETON_FACTOR of its Jaro–Winkler, and the better of the two counts.
 *   2. Tokens are paired one to one, best pair first (greedy alignment on the similarity matrix).
 *   3. Coverage of each side: the weighted share of its tokens that found a partner, each counted at
 *      its pair's similarity (an unpaired token counts 0). A token's weight is its length times a
 *      rarity factor 1 / (1 + log10(1 + df / 20)), df = how many listed names hold it, so MOHAMMED
 *      or ALI count for less than a rare family name.
 *   4. score = 0.7 · max(coverage) + 0.3 · min(coverage): a name that is a subset of the other (a
 *      missing middle name, a patronymic left out) still scores high, while every token of both
 *      sides still counts.
 *   5. When the two names share fewer strong pairs (similarity ≥ STRONG_PAIR) than
 *      min(2, tokens of the query, tokens of the listed name), the score is multiplied by
 *      ONE_TOKEN_FACTOR: one common first name is not a name match.
 * Every step only lowers a score built from the pair similarities, so no name can score above its
 * best pair's similarity: the index's pruning (sanctions-index.ts) rests on that.
 */
import { jaroWinkler } from './jaro-winkler.js';

export const SKELETON_FACTOR = 0.95;
export const STRONG_PAIR = 0.85;
export const ONE_TOKEN_FACTOR = 0.9;
export const MAX_COVERAGE_WEIGHT = 0.7;

/** Letters that Arabic writes with one letter and Latin romanisations spell apart. */
const SKELETON_CLASS: Readonly<Record<string, string>> = { Q: 'K', C: 'K', G: 'J', P: 'B', V: 'F' };

/** Vowels and the semi-vowels W and Y out, Q/C as K, G as J, P as B, V as F, runs of one letter as one. */
export function consonantSkeleton(token: string): string {
  let out = '';
  for (const ch of token) {
    if ('AEIOUWY'.includes(ch)) continue;
    const c = SKELETON_CLASS[ch] ?? ch;
    if (!out.endsWith(c)) out += c;
  }
  return out === '' ? token : out;
}

/** The rarity factor of a token held by `df` listed names. */
export const rarity = (df: number): number => 1 / (1 + Math.log10(1 + df / 20));

/** A token ready for comparison. */
export interface WeightedToken {
  readonly text: string;
  readonly skeleton: string;
  readonly abjad: boolean;
  readonly weight: number;
}

export function tokenSimilarity(q: WeightedToken, listedText: string, listedSkeleton: string): number {
  const jw = jaroWinkler(q.text, listedText);
  if (!q.abjad) return jw;
  return Math.max(jw, SKELETON_FACTOR * jaroWinkler(q.skeleton, listedSkeleton));
}

/** Which comparison gave a pair its similarity, for the explanation. */
export type PairMethod = 'jaro-winkler' | 'consonant-skeleton';

export interface TokenPair {
  readonly query: number;
  readonly listed: number;
  readonly similarity: number;
}

export interface NameScore {
  readonly score: number;
  readonly queryCoverage: number;
  readonly listedCoverage: number;
  readonly pairs: readonly TokenPair[];
  /** True when ONE_TOKEN_FACTOR was applied. */
  readonly oneTokenOnly: boolean;
}

// Scratch for the alignment, reused: combine runs for every candidate name (single-threaded).
let usedQ = new Uint8Array(16);
let usedL = new Uint8Array(16);

/**
 * The score of a query against one listed name, given the similarity of every token pair
 * (`sim[i * listedCount + j]`). Pure arithmetic on the matrix, shared by the index and the
 * exhaustive pass so the two can be compared exactly.
 */
export function combine(sim: Float64Array, qWeights: readonly number[], lWeights: ArrayLike<number>): NameScore {
  const nq = qWeights.length;
  const nl = lWeights.length;
  if (usedQ.length < nq) usedQ = new Uint8Array(nq);
  if (usedL.length < nl) usedL = new Uint8Array(nl);
  usedQ.fill(0, 0, nq);
  usedL.fill(0, 0, nl);
  const pairs: TokenPair[] = [];
  const limit = Math.min(nq, nl);
  // Greedy alignment: at most ~12 × 12 tokens, so repeated max-search beats sorting every pair.
  while (pairs.length < limit) {
    let best = -1;
    let bi = -1;
    let bj = -1;
    for (let i = 0; i < nq; i++) {
      if (usedQ[i] === 1) continue;
      for (let j = 0; j < nl; j++) {
        if (usedL[j] === 1) continue;
        const s = sim[i * nl + j] as number;
        if (s > best) { best = s; bi = i; bj = j; }
      }
    }
    if (best <= 0) break;
    usedQ[bi] = 1;
    usedL[bj] = 1;
    pairs.push({ query: bi, listed: bj, similarity: best });
  }
  let qw = 0, qs = 0, lw = 0, ls = 0, strong = 0;
  for (const w of qWeights) qw += w;
  for (let j = 0; j < nl; j++) lw += lWeights[j] as number;
  for (const p of pairs) {
    qs += (qWeights[p.query] as number) * p.similarity;
    ls += (lWeights[p.listed] as number) * p.similarity;
    if (p.similarity >= STRONG_PAIR) strong++;
  }
  const queryCoverage = qw > 0 ? qs / qw : 0;
  const listedCoverage = lw > 0 ? ls / lw : 0;
  let score = MAX_COVERAGE_WEIGHT * Math.max(queryCoverage, listedCoverage) + (1 - MAX_COVERAGE_WEIGHT) * Math.min(queryCoverage, listedCoverage);
  const oneTokenOnly = strong < Math.min(2, nq, nl);
  if (oneTokenOnly) score *= ONE_TOKEN_FACTOR;
  return { score, queryCoverage, listedCoverage, pairs, oneTokenOnly };
}

/**
 * An upper bound of `combine`'s score given, for each token, an upper bound of its best pair's
 * similarity (each side's coverage at most its tokens at their bounds; the alignment and the
 * one-token factor can only lower it).
 */
export function scoreBound(bestQ: ArrayLike<number>, qWeights: readonly number[], bestL: ArrayLike<number>, lWeights: ArrayLike<number>): number {
  let qw = 0, qs = 0, lw = 0, ls = 0;
  for (let i = 0; i < qWeights.length; i++) {
    const w = qWeights[i] as number;
    qw += w;
    qs += w * (bestQ[i] as number);
  }
  for (let j = 0; j < lWeights.length; j++) {
    const w = lWeights[j] as number;
    lw += w;
    ls += w * (bestL[j] as number);
  }
  const a = qw > 0 ? qs / qw : 0;
  const b = lw > 0 ? ls / lw : 0;
  return MAX_COVERAGE_WEIGHT * Math.max(a, b) + (1 - MAX_COVERAGE_WEIGHT) * Math.min(a, b);
}
