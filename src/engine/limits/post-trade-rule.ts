/**
 * The rule every post-trade limit shares: refuse when the figure after the fill exceeds the limit
 * AND the order does not reduce it. An account already in breach (after a market move or a limit
 * change) can then still trade its way back, which is what a risk manager wants.
 */
export function breaches(before: number, after: number, limit: number): boolean {
  return after > limit && after > before;
}
