/**
 * A list of people and entities indexed for screening by name (the SDN list, a PEP list): the one
 * matcher both use. Every listed name (primary and aliases) is normalised once
 * into token ids of one vocabulary; a query then touches only the names that can score:
 *
 *   1. Candidate tokens: for each query token, one pass over the vocabulary (~17,000 distinct
 *      tokens) with an upper bound of Jaro–Winkler computed from letter masks, lengths and first
 *      letters (TokenFilter); the real similarity only where the bound reaches CEILING (for an
 *      Arabic-script token, its consonant skeleton against the vocabulary's skeletons as well).
 *   2. Candidate names: the names holding a found token (an inverted index token → names).
 *   3. Pruning: a name's score is bounded by counting every token at its best found pair, or at
 *      CEILING when none was found (name-similarity.ts, scoreBound); a name whose bound is below
 *      CEILING cannot reach review even with the best evidence and is not scored.
 *   4. Scoring: the remaining names get the full similarity matrix (pairs cached per query) and
 *      the same `combine` as the exhaustive pass.
 * CEILING = review threshold − the most evidence can add. A name scores at most its best pair's
 * similarity (name-similarity.ts), so a name with no pair at CEILING cannot reach review; the
 * bound of step 1 never drops a pair at CEILING, nor the bound of step 3 a name: the index returns
 * what comparing the query with every name returns (`screenExhaustive`), which the tests and the
 * bench check on thousands of queries.
 */
import { MAX_EVIDENCE_BOOST, type Evidence, type QueryFacts, evidenceFor } from './evidence.js';
import { type NameScore, type PairMethod, type WeightedToken, SKELETON_FACTOR, combine, consonantSkeleton, rarity, scoreBound, tokenSimilarity } from './name-similarity.js';
import { type NameToken, joinParticles, normalizeName } from './normalize-name.js';
import { type Decision, REVIEW_THRESHOLD, decideMatch } from './screening-policy.js';
import type { AliasKind, ScreenedEntry } from './sdn-entry.js';
import { BOOST_THRESHOLD, MAX_PREFIX, PREFIX_SCALE, jaroWinkler } from './jaro-winkler.js';

/** A query's name is cut to this many tokens (after normalisation), bounding the work of one query. */
export const MAX_QUERY_TOKENS = 12;
/** The lowest pair similarity, and name score, that can still end at review. */
export const CEILING = REVIEW_THRESHOLD - MAX_EVIDENCE_BOOST;

export interface ScreeningQuery extends QueryFacts {
  readonly name: string;
}

export interface MatchExplanation {
  /** Which of the entry's names matched. */
  readonly nameKind: 'primary' | AliasKind;
  readonly normalizedQuery: string;
  readonly normalizedListed: string;
  /** The aligned token pairs, best first. */
  readonly tokens: readonly { readonly query: string; readonly listed: string; readonly similarity: number; readonly method: PairMethod }[];
  readonly unmatchedQueryTokens: readonly string[];
  readonly unmatchedListedTokens: readonly string[];
  readonly queryCoverage: number;
  readonly listedCoverage: number;
  /** One strong pair only: the name score was lowered (name-similarity.ts, step 5). */
  readonly oneTokenOnly: boolean;
  readonly nameScore: number;
  readonly evidence: readonly Evidence[];
}

/** One entry matching at review or above, with the reasons for its score. */
export interface NameMatch<E> {
  readonly entry: E;
  /** The name that matched (primary or alias), as listed. */
  readonly matchedName: string;
  readonly score: number;
  /** This match alone: review, or block (screening-policy.ts). */
  readonly decision: Decision;
  readonly explanation: MatchExplanation;
}

/** A listed name scored against one form of the query. */
interface Scored {
  readonly name: number;
  readonly s: NameScore;
  readonly qt: readonly WeightedToken[];
}

interface ListedName {
  readonly entry: number;
  readonly kind: 'primary' | AliasKind;
  readonly listed: string;
  readonly tokens: Int32Array;
  readonly weights: Float64Array;
}

/** The letters (and digits, folded onto 6 bits) a token holds, one bit each. */
function letterMask(t: string): number {
  let m = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    m |= c >= 65 && c <= 90 ? 1 << (c - 65) : c >= 48 && c <= 57 ? 1 << (26 + ((c - 48) % 6)) : 0;
  }
  return m;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/**
 * The highest Jaro–Winkler two tokens can reach with at most `c` common characters, of lengths `la`
 * and `lb`, with a common prefix of at most `p`: Jaro with no transposition, then Winkler's bonus.
 */
export function jaroWinklerBound(c: number, la: number, lb: number, p: number): number {
  if (c === 0) return 0;
  const j = (c / la + c / lb + 1) / 3;
  return j <= BOOST_THRESHOLD ? j : j + Math.min(p, MAX_PREFIX) * PREFIX_SCALE * (1 - j);
}

/**
 * Finds, among a fixed list of tokens, every one whose Jaro–Winkler with a query token can reach a
 * floor, without computing it for the rest. Jaro's matching characters are common characters, and
 * how many two tokens have in common is at most the distinct letters both hold plus the letters
 * either repeats; from that, the lengths and whether the first letters agree (the Winkler prefix
 * can only be there if they do), `jaroWinklerBound` caps the similarity. One pass over flat arrays,
 * a few integer operations per token; the survivors get the real Jaro–Winkler.
 */
class TokenFilter {
  private readonly masks: Int32Array;
  private readonly lengths: Uint8Array;
  private readonly repeats: Uint8Array;
  private readonly prefixes: Int32Array;
  private readonly maxLength: number;
  /** `floor`: the similarity a string must be able to reach to be visited. */
  constructor(strings: readonly string[], private readonly floor: number) {
    this.masks = Int32Array.from(strings, letterMask);
    this.lengths = Uint8Array.from(strings, (s) => Math.min(255, s.length));
    this.repeats = Uint8Array.from(strings, (s) => Math.min(255, s.length - popcount(letterMask(s))));
    this.prefixes = Int32Array.from(strings, packPrefix);
    this.maxLength = Math.max(1, ...this.lengths);
  }

  /** The bound of the similarity of `t` (its letterMask `mq`, packPrefix `pq`) with string `v`. */
  bound(t: string, mq: number, pq: number, v: number): number {
    const la = Math.min(255, t.length);
    const lb = this.lengths[v] as number;
    const d = popcount(mq & (this.masks[v] as number));
    const c = Math.min(la, lb, d + la - popcount(mq), d + (this.repeats[v] as number));
    return jaroWinklerBound(c, la, lb, commonPrefix(pq, this.prefixes[v] as number));
  }

  private readonly needTables = new Map<number, Uint8Array>();

  /**
   * The fewest common characters a string of length lb (and common prefix p) needs for a token of
   * length `la` to reach the floor: `need[p * 256 + lb]`, 255 when it cannot. Built once per length,
   * so the scan is integer operations only.
   */
  private needTable(la: number): Uint8Array {
    const known = this.needTables.get(la);
    if (known) return known;
    const need = new Uint8Array((MAX_PREFIX + 1) * 256).fill(255);
    for (let lb = 1; lb <= this.maxLength; lb++) {
      for (let p = 0; p <= MAX_PREFIX; p++) {
        for (let c = 1; c <= Math.min(la, lb); c++) {
          if (jaroWinklerBound(c, la, lb, p) >= this.floor) { need[p * 256 + lb] = c; break; }
        }
      }
    }
    this.needTables.set(la, need);
    return need;
  }

  /** Calls `visit(id)` for each string whose similarity with `t` may reach the floor. */
  scan(t: string, visit: (id: number) => void): void {
    const mq = letterMask(t);
    const pq = packPrefix(t);
    const la = Math.min(255, t.length);
    const rq = la - popcount(mq);
    const need = this.needTable(la);
    const { masks, lengths, repeats, prefixes } = this;
    for (let v = 0; v < masks.length; v++) {
      const lb = lengths[v] as number;
      const d = popcount(mq & (masks[v] as number));
      let c = d + rq;
      const cv = d + (repeats[v] as number);
      if (cv < c) c = cv;
      if (la < c) c = la;
      if (lb < c) c = lb;
      if (c >= (need[commonPrefix(pq, prefixes[v] as number) * 256 + lb] as number)) visit(v);
    }
  }
}

/** A token's first four characters, one byte each, the first in the high byte (0 past its end). */
function packPrefix(t: string): number {
  let x = 0;
  for (let i = 0; i < MAX_PREFIX; i++) x = (x << 8) | (i < t.length ? t.charCodeAt(i) & 0xff : 0);
  return x;
}

/** How many leading characters two packed prefixes share (past a token's end counts as shared: an upper bound). */
function commonPrefix(a: number, b: number): number {
  const x = a ^ b;
  return x === 0 ? MAX_PREFIX : Math.clz32(x) >> 3;
}

export class NameIndex<E extends ScreenedEntry> {
  private readonly names: ListedName[] = [];
  private readonly vocab: string[] = [];
  private readonly skeletons: string[] = [];
  /** The consonant skeleton of each vocabulary token. */
  private readonly vocabSkeleton: string[] = [];
  private readonly df: Uint32Array;
  private readonly vocabId = new Map<string, number>();
  private readonly postings: Int32Array[];
  private readonly textIndex: TokenFilter;
  private readonly skeletonIndex: TokenFilter;
  /** Skeleton id → the vocabulary ids that have that skeleton. */
  private readonly skeletonTokens: Int32Array[];
  // Per-query scratch, reused (one query at a time: the index is used from one thread).
  private stamp = 0;
  private readonly simStamp: Uint32Array;
  private readonly simValue: Float64Array;
  /** The same for bounds of pairs not computed (TokenFilter.bound). */
  private readonly boundStamp: Uint32Array;
  private readonly boundValue: Float64Array;
  /** The vocabulary's skeleton ids. */
  private readonly skeletonOf: Int32Array;
  private readonly nameStamp: Uint32Array;
  private bestL = new Float64Array(64);

  constructor(readonly entries: readonly E[]) {
    const perToken: number[][] = [];
    entries.forEach((e, entry) => {
      const record = (kind: ListedName['kind'], listed: string, tokens: readonly NameToken[]): void => {
        const ids = tokens.map((t) => {
          let id = this.vocabId.get(t.text);
          if (id === undefined) {
            id = this.vocab.length;
            this.vocabId.set(t.text, id);
            this.vocab.push(t.text);
            perToken.push([]);
          }
          return id;
        });
        const nameIdx = this.names.length;
        for (const id of new Set(ids)) (perToken[id] as number[]).push(nameIdx);
        this.names.push({ entry, kind, listed, tokens: Int32Array.from(ids), weights: new Float64Array(ids.length) });
      };
      // A name with a joining particle is listed both ways (BIN LADIN and BINLADIN).
      const add = (kind: ListedName['kind'], listed: string): void => {
        const norm = normalizeName(listed, e.type === 'individual' ? 'individual' : 'other');
        record(kind, listed, norm.tokens);
        const joined = joinParticles(norm.tokens);
        if (joined) record(kind, listed, joined);
      };
      add('primary', e.name);
      for (const a of e.aliases) add(a.kind, a.name);
    });
    this.postings = perToken.map((l) => Int32Array.from(l));
    this.df = Uint32Array.from(perToken.map((l) => l.length));
    for (const n of this.names) n.tokens.forEach((id, j) => { n.weights[j] = this.weightOf(this.vocab[id] as string); });
    const skelId = new Map<string, number>();
    const skelTokens: number[][] = [];
    this.vocab.forEach((t, id) => {
      const s = consonantSkeleton(t);
      this.vocabSkeleton.push(s);
      let k = skelId.get(s);
      if (k === undefined) {
        k = this.skeletons.length;
        skelId.set(s, k);
        this.skeletons.push(s);
        skelTokens.push([]);
      }
      (skelTokens[k] as number[]).push(id);
    });
    this.skeletonTokens = skelTokens.map((l) => Int32Array.from(l));
    this.textIndex = new TokenFilter(this.vocab, CEILING);
    this.skeletonIndex = new TokenFilter(this.skeletons, CEILING / SKELETON_FACTOR);
    this.simStamp = new Uint32Array(MAX_QUERY_TOKENS * this.vocab.length);
    this.simValue = new Float64Array(MAX_QUERY_TOKENS * this.vocab.length);
    this.boundStamp = new Uint32Array(MAX_QUERY_TOKENS * this.vocab.length);
    this.boundValue = new Float64Array(MAX_QUERY_TOKENS * this.vocab.length);
    this.skeletonOf = Int32Array.from(this.vocabSkeleton, (sk) => skelId.get(sk) as number);
    this.nameStamp = new Uint32Array(this.names.length);
    this.bestL = new Float64Array(Math.max(1, ...this.names.map((n) => n.tokens.length)));
  }

  /** How many names (primary and aliases) and distinct tokens the index holds. */
  get size(): { names: number; tokens: number } {
    return { names: this.names.length, tokens: this.vocab.length };
  }

  private weightOf(token: string): number {
    const id = this.vocabId.get(token);
    return token.length * rarity(id === undefined ? 0 : (this.df[id] as number));
  }

  /** The query's tokens, and a second form with its joining particles glued when it has any. */
  private queryForms(q: ScreeningQuery): WeightedToken[][] {
    const kind = q.type === 'individual' ? 'individual' : q.type === 'entity' ? 'other' : 'unknown';
    const tokens = normalizeName(q.name, kind).tokens.slice(0, MAX_QUERY_TOKENS);
    const weigh = (ts: readonly NameToken[]): WeightedToken[] => ts.map((t) => ({ text: t.text, abjad: t.abjad, skeleton: consonantSkeleton(t.text), weight: this.weightOf(t.text) }));
    const joined = joinParticles(tokens);
    return joined ? [weigh(tokens), weigh(joined)] : [weigh(tokens)];
  }

  private similarity(q: WeightedToken, v: number): number {
    return tokenSimilarity(q, this.vocab[v] as string, this.vocabSkeleton[v] as string);
  }

  /** Screens with the index (the fast path): every entry matching at review or above, best first. */
  screen(q: ScreeningQuery): NameMatch<E>[] {
    return this.result(q, this.queryForms(q).flatMap((qt) => this.candidatesScored(qt)));
  }

  /** The names scoring at least CEILING against one form of the query, found through the index. */
  private candidatesScored(qt: readonly WeightedToken[]): Scored[] {
    const V = this.vocab.length;
    const stamp = this.nextStamp();
    const sim = (i: number, v: number): number => {
      const k = i * V + v;
      if (this.simStamp[k] === stamp) return this.simValue[k] as number;
      const s = this.similarity(qt[i] as WeightedToken, v);
      this.simStamp[k] = stamp;
      this.simValue[k] = s;
      return s;
    };
    // 1. candidate tokens
    const found: number[][] = qt.map(() => []);
    const masks = qt.map((t) => letterMask(t.text));
    const prefixes = qt.map((t) => packPrefix(t.text));
    const skeletonMasks = qt.map((t) => letterMask(t.skeleton));
    const skeletonPrefixes = qt.map((t) => packPrefix(t.skeleton));
    qt.forEach((t, i) => {
      const check = (v: number): void => {
        const k = i * V + v;
        if (this.simStamp[k] === stamp) return;
        if (sim(i, v) >= CEILING) (found[i] as number[]).push(v);
      };
      this.textIndex.scan(t.text, check);
      if (t.abjad) this.skeletonIndex.scan(t.skeleton, (s) => { for (const v of this.skeletonTokens[s] as Int32Array) check(v); });
    });
    /** The similarity of a pair where it was computed, else its bound (below CEILING). */
    const upper = (i: number, v: number): number => {
      const k = i * V + v;
      if (this.simStamp[k] === stamp) return this.simValue[k] as number;
      if (this.boundStamp[k] === stamp) return this.boundValue[k] as number;
      const t = qt[i] as WeightedToken;
      let b = this.textIndex.bound(t.text, masks[i] as number, prefixes[i] as number, v);
      if (t.abjad) b = Math.max(b, SKELETON_FACTOR * this.skeletonIndex.bound(t.skeleton, skeletonMasks[i] as number, skeletonPrefixes[i] as number, this.skeletonOf[v] as number));
      this.boundStamp[k] = stamp;
      this.boundValue[k] = b;
      return b;
    };
    // 2. candidate names
    const candidates: number[] = [];
    for (const list of found) {
      for (const v of list) {
        const p = this.postings[v] as Int32Array;
        for (let k = 0; k < p.length; k++) {
          const n = p[k] as number;
          if (this.nameStamp[n] !== stamp) { this.nameStamp[n] = stamp; candidates.push(n); }
        }
      }
    }
    // 3–4. prune by bound, then score
    const qWeights = qt.map((t) => t.weight);
    const bestQ = new Float64Array(qt.length);
    const scored: Scored[] = [];
    for (const n of candidates) {
      const name = this.names[n] as ListedName;
      const bestL = this.bestL;
      bestL.fill(0, 0, name.tokens.length);
      bestQ.fill(0);
      for (let i = 0; i < qt.length; i++) {
        for (let j = 0; j < name.tokens.length; j++) {
          const s = upper(i, name.tokens[j] as number);
          if (s > (bestQ[i] as number)) bestQ[i] = s;
          if (s > (bestL[j] as number)) bestL[j] = s;
        }
      }
      if (scoreBound(bestQ, qWeights, bestL, name.weights) < CEILING) continue;
      const m = new Float64Array(qt.length * name.tokens.length);
      for (let i = 0; i < qt.length; i++) for (let j = 0; j < name.tokens.length; j++) m[i * name.tokens.length + j] = sim(i, name.tokens[j] as number);
      const s = combine(m, qWeights, name.weights);
      if (s.score >= CEILING) scored.push({ name: n, s, qt });
    }
    return scored;
  }

  /** Screens by comparing the query with every listed name: the reference the index must equal. */
  screenExhaustive(q: ScreeningQuery): NameMatch<E>[] {
    const scored: Scored[] = [];
    for (const qt of this.queryForms(q)) {
      const qWeights = qt.map((t) => t.weight);
      this.names.forEach((name, n) => {
        const m = new Float64Array(qt.length * name.tokens.length);
        for (let i = 0; i < qt.length; i++) for (let j = 0; j < name.tokens.length; j++) m[i * name.tokens.length + j] = this.similarity(qt[i] as WeightedToken, name.tokens[j] as number);
        const s = combine(m, qWeights, name.weights);
        if (s.score >= CEILING) scored.push({ name: n, s, qt });
      });
    }
    return this.result(q, scored);
  }

  private nextStamp(): number {
    this.stamp++;
    if (this.stamp === 0xffffffff) {
      this.stamp = 1;
      this.simStamp.fill(0);
      this.boundStamp.fill(0);
      this.nameStamp.fill(0);
    }
    return this.stamp;
  }

  /** Best name per entry, evidence applied, matches at review or above, best first (then in list order). */
  private result(q: ScreeningQuery, scored: readonly Scored[]): NameMatch<E>[] {
    const bestPerEntry = new Map<number, Scored>();
    for (const c of scored) {
      const entry = (this.names[c.name] as ListedName).entry;
      const prev = bestPerEntry.get(entry);
      if (prev === undefined || c.s.score > prev.s.score || (c.s.score === prev.s.score && c.name < prev.name)) bestPerEntry.set(entry, c);
    }
    const matches: { readonly at: number; readonly m: NameMatch<E> }[] = [];
    for (const [entry, c] of bestPerEntry) {
      const e = this.entries[entry] as E;
      const evidence = evidenceFor(q, e);
      const score = Math.min(1, Math.max(0, c.s.score + evidence.reduce((a, x) => a + x.adjustment, 0)));
      if (score < REVIEW_THRESHOLD) continue;
      let weakestQueryToken = c.s.pairs.length < c.qt.length ? 0 : 1;
      for (const p of c.s.pairs) weakestQueryToken = Math.min(weakestQueryToken, p.similarity);
      const decision = decideMatch({ score, weakestQueryToken });
      matches.push({ at: entry, m: { entry: e, matchedName: (this.names[c.name] as ListedName).listed, score, decision, explanation: this.explain(c.qt, c.name, c.s, evidence) } });
    }
    matches.sort((a, b) => b.m.score - a.m.score || a.at - b.at);
    return matches.map((x) => x.m);
  }

  private explain(qt: readonly WeightedToken[], n: number, s: NameScore, evidence: readonly Evidence[]): MatchExplanation {
    const name = this.names[n] as ListedName;
    const listedText = (j: number): string => this.vocab[name.tokens[j] as number] as string;
    const pairedQ = new Set(s.pairs.map((p) => p.query));
    const pairedL = new Set(s.pairs.map((p) => p.listed));
    const round = (x: number): number => Math.round(x * 10_000) / 10_000;
    return {
      nameKind: name.kind,
      normalizedQuery: qt.map((t) => t.text).join(' '),
      normalizedListed: Array.from(name.tokens, (id) => this.vocab[id] as string).join(' '),
      tokens: s.pairs.map((p) => {
        const q = qt[p.query] as WeightedToken;
        const method: PairMethod = q.abjad && jaroWinkler(q.text, listedText(p.listed)) < p.similarity ? 'consonant-skeleton' : 'jaro-winkler';
        return { query: q.text, listed: listedText(p.listed), similarity: round(p.similarity), method };
      }),
      unmatchedQueryTokens: qt.filter((_, i) => !pairedQ.has(i)).map((t) => t.text),
      unmatchedListedTokens: Array.from(name.tokens, (_, j) => j).filter((j) => !pairedL.has(j)).map(listedText),
      queryCoverage: round(s.queryCoverage),
      listedCoverage: round(s.listedCoverage),
      oneTokenOnly: s.oneTokenOnly,
      nameScore: round(s.score),
      evidence,
    };
  }
}
