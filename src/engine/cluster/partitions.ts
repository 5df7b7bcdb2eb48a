/**
 * Portfolios to partitions, and partitions to engines: the pure part of scale-out
 * (docs/SCALE-OUT.md). A portfolio's partition never changes (it is a hash of its id); which
 * engine owns a partition changes with takeovers and handoffs (src/persistence/cluster/).
 *
 * The hash is FNV-1a 32 over the id's UTF-8 bytes: stable across processes, versions and
 * machines (unlike a seeded hash), cheap on the order path, and simple enough to be computed the
 * same way in SQL (portfolio_partition, migration 0021), which a takeover uses to load a
 * partition's portfolios. A library would bring no more than these ten lines.
 */

/** The partition count of a deployment when PARTITIONS is not set. */
export const DEFAULT_PARTITIONS = 256;
/** Upper bound of PARTITIONS: each owned partition is an advisory lock held and a row fenced per commit. */
export const MAX_PARTITIONS = 4096;

const encoder = new TextEncoder();

/** FNV-1a 32 of the UTF-8 bytes of `id`, as an unsigned integer. */
export function fnv1a32(id: string): number {
  let h = 0x811c9dc5;
  // ASCII ids (the usual case) without the encoder's allocation.
  let ascii = true;
  for (let i = 0; i < id.length; i++) if (id.charCodeAt(i) > 0x7f) { ascii = false; break; }
  if (ascii) {
    for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
    return h >>> 0;
  }
  for (const b of encoder.encode(id)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h >>> 0;
}

/** The partition of a portfolio, in [0, partitions). */
export function partitionOf(portfolioId: string, partitions: number): number {
  return fnv1a32(portfolioId) % partitions;
}

/** How many partitions each engine takes at most: ceil(partitions / live engines). */
export function shareOf(partitions: number, liveEngines: number): number {
  return Math.ceil(partitions / Math.max(1, liveEngines));
}

/** What one engine should do to reach its share, given who owns what now. */
export interface BalancePlan {
  /** Free partitions to take, lowest first, up to the share. */
  readonly take: readonly number[];
  /** Own partitions to hand over (highest first) because this engine is above its share. */
  readonly release: readonly number[];
}

/**
 * The plan of engine `me`: take free partitions while below the share, hand over the excess when
 * above it. Every engine computes its own plan from the same map; a partition two engines both
 * want goes to whichever takes its lock first (the loser's try fails and it plans again).
 *
 * `owners[p]` is the owning engine's id, or undefined when no live engine owns p.
 */
export function planBalance(owners: readonly (string | undefined)[], liveEngines: number, me: string): BalancePlan {
  const share = shareOf(owners.length, liveEngines);
  const mine: number[] = [];
  const free: number[] = [];
  for (let p = 0; p < owners.length; p++) {
    const o = owners[p];
    if (o === me) mine.push(p);
    else if (o === undefined) free.push(p);
  }
  if (mine.length > share) return { take: [], release: mine.slice(share).reverse() };
  return { take: free.slice(0, share - mine.length), release: [] };
}
