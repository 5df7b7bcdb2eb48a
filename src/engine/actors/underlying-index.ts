import { underlyingOf } from '../portfolio/types.js';
import type { PortfolioState } from './types.js';

const EMPTY: ReadonlySet<never> = Object.freeze(new Set<never>());
const NO_HOLDERS: readonly never[] = Object.freeze([]);

/**
 * Underlying ticker → ids of the portfolios that hold it (a position or an open order), so a tick
 * reaches only the actors it concerns. The caller keeps it in step with holdings: either add/remove
 * pairs, or `update(id, underlyingsTouched(state))` after a message that changed positions or orders.
 */
export class UnderlyingIndex<K = string> {
  readonly #byUnderlying = new Map<string, Set<K>>();
  readonly #byPortfolio = new Map<K, Set<string>>();
  /**
   * The same holders as arrays, never edited: a tick walks one of them for every portfolio holding
   * its underlying, thousands of times a second, and an array walks several times faster than a
   * Set; an array that is never edited keeps a walk valid while the actors it reaches change the
   * index (a fill reindexes its portfolio). A change drops the underlying's array and the next read
   * builds a new one, so adding N portfolios costs O(N), not the O(N²) of a copy per change.
   */
  readonly #holders = new Map<string, readonly K[]>();

  add(underlying: string, portfolioId: K): void {
    let ids = this.#byUnderlying.get(underlying);
    if (!ids) this.#byUnderlying.set(underlying, (ids = new Set()));
    if (!ids.has(portfolioId)) this.#holders.delete(underlying);
    ids.add(portfolioId);
    let mine = this.#byPortfolio.get(portfolioId);
    if (!mine) this.#byPortfolio.set(portfolioId, (mine = new Set()));
    mine.add(underlying);
  }

  remove(underlying: string, portfolioId: K): void {
    const ids = this.#byUnderlying.get(underlying);
    if (ids?.delete(portfolioId)) {
      this.#holders.delete(underlying);
      if (ids.size === 0) this.#byUnderlying.delete(underlying);
    }
    const mine = this.#byPortfolio.get(portfolioId);
    if (mine?.delete(underlying) && mine.size === 0) this.#byPortfolio.delete(portfolioId);
  }

  /** Sets the underlyings of a portfolio to exactly these, touching only the differences. */
  update(portfolioId: K, underlyings: ReadonlySet<string>): void {
    const before: ReadonlySet<string> = this.#byPortfolio.get(portfolioId) ?? EMPTY;
    // Deleting the entry being visited is safe in a Set iteration.
    for (const u of before) if (!underlyings.has(u)) this.remove(u, portfolioId);
    for (const u of underlyings) if (!before.has(u)) this.add(u, portfolioId);
  }

  /** Drops a portfolio from every underlying. */
  removePortfolio(portfolioId: K): void {
    this.update(portfolioId, EMPTY);
  }

  /**
   * The portfolios that hold an underlying: the index's own set (no copy), or a shared empty set.
   * Do not add or remove while iterating it.
   */
  portfoliosFor(underlying: string): ReadonlySet<K> {
    return this.#byUnderlying.get(underlying) ?? EMPTY;
  }

  /**
   * The portfolios that hold an underlying, as an array that is never edited in place: safe to walk
   * while the index changes (the walk sees it as it was). Same members as portfoliosFor, in the
   * order they were added.
   */
  holdersOf(underlying: string): readonly K[] {
    const built = this.#holders.get(underlying);
    if (built !== undefined) return built;
    const ids = this.#byUnderlying.get(underlying);
    if (ids === undefined) return NO_HOLDERS;
    const holders = [...ids];
    this.#holders.set(underlying, holders);
    return holders;
  }

  /** The underlyings a portfolio is indexed under. */
  underlyingsOf(portfolioId: K): ReadonlySet<string> {
    return this.#byPortfolio.get(portfolioId) ?? EMPTY;
  }
}

/** The underlyings a portfolio's state touches: those of its holdings and of its open orders. */
export function underlyingsTouched(state: PortfolioState): Set<string> {
  const out = new Set<string>();
  for (const h of state.holdings.values()) out.add(underlyingOf(h.instrument));
  for (const o of state.openOrders.values()) out.add(underlyingOf(o.parsed));
  return out;
}
