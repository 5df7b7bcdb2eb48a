/**
 * What a score means. The thresholds were chosen from the measurements in docs/COMPLIANCE.md
 * ("Sanctions screening"): review catches the name variants built from real entries while ordinary
 * names stay below it as far as the list allows; block is kept for near-exact matches of a whole name.
 */
export const REVIEW_THRESHOLD = 0.85;
export const BLOCK_THRESHOLD = 0.97;
/**
 * A block also needs every token of the query paired, none below this: Jaro–Winkler rates short
 * tokens generously (ALI against WALI 0.92), so a whole-name score can reach block on one loose
 * pair; such a match is reviewed by a person instead of halting a customer.
 */
export const BLOCK_MIN_PAIR = 0.93;
/** Matches returned per query, best first (one per entry). */
export const MAX_MATCHES = 10;

export type Decision = 'clear' | 'review' | 'block';

/** What the decision reads of one match: its score and its weakest query token (0 when one is unpaired). */
export interface MatchStrength {
  readonly score: number;
  readonly weakestQueryToken: number;
}

export function decideMatch(m: MatchStrength): Decision {
  if (m.score >= BLOCK_THRESHOLD && m.weakestQueryToken >= BLOCK_MIN_PAIR) return 'block';
  return m.score >= REVIEW_THRESHOLD ? 'review' : 'clear';
}

/** A query's decision: its strongest match's (block over review), clear with none. */
export function queryDecision(matches: readonly { readonly decision: Decision }[]): Decision {
  return matches.some((m) => m.decision === 'block') ? 'block' : matches.length > 0 ? 'review' : 'clear';
}
