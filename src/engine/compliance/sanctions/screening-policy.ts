/**
 * What a score means. The thresholds were chosen from the measurements in docs/COMPLIANCE.md
 * ("Sanctions screening"): review catches the name variants built from real entries while ordinary
 * names stay below it as far as the list allows; block is kept for near-exact matches of a whole name.
 */
export const REVIEW_THRESHOLD = 0.85;
export const BLOCK_THRESHOLD = 0.97;
/** Matches returned per query, best first (one per entry). */
export const MAX_MATCHES = 10;

export type Decision = 'clear' | 'review' | 'block';

export function decide(bestScore: number | undefined): Decision {
  if (bestScore === undefined) return 'clear';
  return bestScore >= BLOCK_THRESHOLD ? 'block' : bestScore >= REVIEW_THRESHOLD ? 'review' : 'clear';
}
