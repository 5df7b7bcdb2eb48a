/**
 * Portfolio creation and the registry of hosted portfolios: turns a create request into a valid
 * actor state (instruments parsed, limits checked, unpriced positions marked at the last prices),
 * gives each state its cell, and keeps the implied vols the positions bring for orders in options
 * not yet held.
 */
import { instrumentOf } from '../actors/instrument-symbol.js';
import { createPortfolioState } from '../actors/portfolio-actor.js';
import { newHoldingTerms } from '../actors/position-update.js';
import type { Holding, PortfolioState } from '../actors/types.js';
import { makeRiskLimits, type RiskLimits } from '../limits/risk-limits.js';
import { failure, ok, type Result } from '../result.js';
import type { CreatePortfolioRequest } from './engine-api.js';
import type { PortfolioCell } from './portfolio-cell.js';

export interface RegistryHost {
  /** A cell for a state (its mailbox and risk event wired to the engine). */
  newCell(state: PortfolioState): PortfolioCell;
  /** A cell joined the registry: index it, remember its open orders, ask for its figures. */
  adopted(cell: PortfolioCell): void;
  /** Per-unit mark of a holding at the last prices (risk-snapshots.ts). */
  markOf(h: Holding): number;
}

export class PortfolioRegistry {
  readonly #cells = new Map<string, PortfolioCell>();
  /** Known implied vols by option symbol: from portfolio positions, for orders in options not yet held. */
  readonly #knownVols = new Map<string, number>();

  constructor(private readonly host: RegistryHost) {}

  get size(): number {
    return this.#cells.size;
  }

  get(portfolioId: string): PortfolioCell | undefined {
    return this.#cells.get(portfolioId);
  }

  has(portfolioId: string): boolean {
    return this.#cells.has(portfolioId);
  }

  ids(): string[] {
    return [...this.#cells.keys()];
  }

  /** Messages waiting in all mailboxes, and in the fullest one (read at scrape, not on a hot path). */
  mailboxDepths(): { readonly queued: number; readonly max: number } {
    let queued = 0;
    let max = 0;
    for (const cell of this.#cells.values()) {
      const n = cell.mailbox.size;
      queued += n;
      if (n > max) max = n;
    }
    return { queued, max };
  }

  volOf(optionSymbol: string): number | undefined {
    return this.#knownVols.get(optionSymbol);
  }

  /** Gives a portfolio state its cell: a new portfolio, or one rebuilt from the database. */
  adopt(state: PortfolioState): PortfolioCell {
    const cell = this.host.newCell(state);
    this.#cells.set(state.portfolioId, cell);
    for (const h of state.holdings.values()) if (h.instrument.kind === 'option' && h.vol !== undefined) this.#knownVols.set(h.instrument.symbol, h.vol);
    this.host.adopted(cell);
    return cell;
  }

  /** Takes a portfolio's cell out (it left this engine); its known vols stay (they are market facts). */
  remove(portfolioId: string): PortfolioCell | undefined {
    const cell = this.#cells.get(portfolioId);
    this.#cells.delete(portfolioId);
    return cell;
  }

  /** A new portfolio from a request, adopted; or why the request is refused (nothing changes then). */
  create(req: CreatePortfolioRequest): Result<PortfolioCell> {
    if (this.#cells.has(req.portfolioId)) return failure('PORTFOLIO_EXISTS', `portfolio ${req.portfolioId} already exists`);
    let limits: RiskLimits | undefined;
    if (req.limits) {
      const l = makeRiskLimits(req.limits);
      if (!l.ok) return failure('INVALID_LIMITS', l.errors.join('; '));
      limits = l.value;
    }
    const holdings: Holding[] = [];
    for (const [i, p] of (req.positions ?? []).entries()) {
      const instrument = instrumentOf(p.instrument);
      if (!instrument) return failure('INVALID_INSTRUMENT', `positions[${i}]: "${p.instrument}" is neither a ticker nor an OCC option symbol`);
      if (instrument.kind === 'option' && p.vol === undefined) return failure('MISSING_VOL', `positions[${i}]: option ${p.instrument} needs "vol"`);
      const holding: Holding = {
        instrument, qty: p.qty, ...newHoldingTerms(instrument, p.vol),
        ...(p.multiplier !== undefined ? { multiplier: p.multiplier } : {}),
        ...(p.dividendYield !== undefined ? { dividendYield: p.dividendYield } : {}),
        avgPrice: p.avgPrice ?? 0, realisedPnl: 0,
      };
      holdings.push(p.avgPrice !== undefined ? holding : { ...holding, avgPrice: this.host.markOf(holding) });
    }
    let state: PortfolioState;
    try {
      state = createPortfolioState({
        portfolioId: req.portfolioId, cash: req.cash, holdings, ...(limits ? { limits } : {}), ...(req.ownerId !== undefined ? { ownerId: req.ownerId } : {}),
      });
    } catch (e) {
      return failure('INVALID_PORTFOLIO', (e as Error).message);
    }
    return ok(this.adopt(state));
  }
}
