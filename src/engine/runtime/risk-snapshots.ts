/**
 * Risk snapshots: the one place where the engine does P&L and leverage arithmetic. It keeps each
 * portfolio's newest pool result raw and builds the RiskSnapshot (P&L, equity, leverage, breaches)
 * on first read, at most once per result; it also marks a new holding at the last prices.
 */
import { breachesOf } from '../actors/breaches.js';
import { realisedPnlOf } from '../actors/portfolio-actor.js';
import type { Holding, PortfolioState, RiskSnapshot } from '../actors/types.js';
import { underlyingOf } from '../portfolio/types.js';
import { positionValue } from '../portfolio/valuation.js';
import { REALTIME_VAR_METHOD } from '../risk/realtime-risk.js';
import { type Clock, isoDateOf } from './clock.js';
import type { PortfolioCell } from './portfolio-cell.js';
import type { RecalcOutput, RiskCalculator } from './risk-calculator.js';

interface BookTotals {
  readonly costBasis: number;
  readonly closed: number | undefined;
  readonly realised: number;
}

export class RiskSnapshots {
  /**
   * Cost basis and realised P&L per holdings map (states are immutable, so a map that did not
   * change gives the same sums): a subscribed portfolio's snapshot is built for every
   * recalculation, and its holdings change only on fills.
   */
  readonly #bookTotals = new WeakMap<PortfolioState['holdings'], BookTotals>();

  constructor(
    private readonly confidences: Pick<RiskCalculator, 'varConfidence' | 'esConfidence'>,
    private readonly clock: Clock,
    private readonly rate: number,
    /** The engine's live price map. */
    private readonly spots: ReadonlyMap<string, number>,
  ) {}

  /** Takes a cell's new figures raw; the snapshot is built on first read (`riskOf`). */
  take(cell: PortfolioCell, out: RecalcOutput, tickTs: number, computedAtMs: number, doneMs: number): void {
    if (out.marginRequirement !== undefined) {
      cell.lastMargin = out.marginRequirement;
      cell.lastMarginMs = computedAtMs;
    }
    cell.seq++;
    const p = cell.pendingRisk;
    p.ready = true; p.out = out; p.tickTs = tickTs; p.seq = cell.seq; p.computedMs = doneMs;
    p.margin = cell.lastMargin; p.marginMs = cell.lastMarginMs; p.state = cell.state;
  }

  /** The newest risk of a portfolio, building its snapshot from the raw figures if not done yet. */
  riskOf(cell: PortfolioCell): RiskSnapshot | undefined {
    const p = cell.pendingRisk;
    if (!p.ready) return cell.state.risk;
    p.ready = false;
    const out = p.out as RecalcOutput, state = p.state as PortfolioState;
    p.out = undefined; // the output's lazy fields are valid only until the next result
    p.state = undefined;
    const { costBasis, realised } = this.#totalsOf(state);
    const unrealised = out.marketValue - costBasis;
    const equity = state.cash + out.marketValue;
    const leverage = equity > 0 ? out.grossExposure / equity : out.grossExposure > 0 ? Number.POSITIVE_INFINITY : 0;
    const risk: RiskSnapshot = {
      portfolioId: out.portfolioId,
      seq: p.seq,
      tickTs: p.tickTs,
      computedMs: p.computedMs,
      greeks: out.greeks,
      byUnderlying: out.byUnderlying,
      marketValue: out.marketValue,
      equity,
      pnl: { realised, unrealised, total: realised + unrealised },
      var: { method: REALTIME_VAR_METHOD, confidence: this.confidences.varConfidence, value: out.var, esConfidence: this.confidences.esConfidence, es: out.es },
      margin: { method: 'span', requirement: p.margin, computedMs: p.marginMs === -Infinity ? 0 : p.marginMs },
      leverage,
      breaches: breachesOf({ byUnderlying: out.byUnderlying, var: out.var, leverage }, state.limits),
    };
    // The actor's last risk is a plain replacement of one field, and never by an older snapshot.
    // Results arrive on this thread between messages, so the actor's one-message-at-a-time order holds.
    if (!cell.state.risk || cell.state.risk.seq < risk.seq) cell.state = { ...cell.state, risk };
    return risk;
  }

  /**
   * Per-unit mark of a holding at the last prices: the cost basis of a position booked without an
   * avgPrice, so that its unrealised P&L starts at zero. Valued at the clock's now, as the pool
   * values it (one time-to-expiry convention), so the first risk frame differs from it only by the
   * time decay between the two. Before its underlying's first tick there is no mark and the cost
   * basis is 0 (documented in docs/PROTOCOL.md).
   */
  markOf(h: Holding): number {
    const u = underlyingOf(h.instrument);
    const spot = this.spots.get(u);
    if (spot === undefined) return 0;
    const nowMs = this.clock.nowMs();
    const v = positionValue({ ...h, qty: 1, multiplier: 1 }, { asOf: isoDateOf(nowMs), valuationMs: nowMs, rate: this.rate, spots: new Map([[u, spot]]) });
    return Number.isFinite(v) ? v : 0;
  }

  #totalsOf(state: PortfolioState): BookTotals {
    let t = this.#bookTotals.get(state.holdings);
    if (t === undefined || t.closed !== state.closedRealisedPnl) {
      let costBasis = 0;
      for (const h of state.holdings.values()) costBasis += h.avgPrice * h.qty * h.multiplier;
      t = { costBasis, closed: state.closedRealisedPnl, realised: realisedPnlOf(state) };
      this.#bookTotals.set(state.holdings, t);
    }
    return t;
  }
}
