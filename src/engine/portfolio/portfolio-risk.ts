/**
 * Greeks, market value and P&L per position, per underlying and per portfolio.
 *
 * Units (see CoreGreeks and Greeks in ../pricing/types.ts for the per-unit conventions):
 * - `unit` holds the pricer's per-unit Greeks (one share: price = spot, delta = 1, the rest 0).
 * - Position Greeks = unit Greek × qty × multiplier. So `delta` is in shares of the underlying,
 *   `gamma` in shares per 1 currency unit of spot, `vanna` in shares per 1.00 of vol, `charmPerYear`
 *   in shares per year; `vega`, `thetaPerYear`, `rho` and `volga` are in currency.
 * - dollarDelta = delta × spot: currency P&L per 1.00 (100%) relative move of the underlying.
 * - dollarGamma = gamma × spot²: the second derivative of value with respect to the relative move r,
 *   d²V/dr² for V(S(1+r)); so dP&L ≈ dollarDelta·r + ½·dollarGamma·r². (A 1% move gives a gamma P&L of
 *   ½·dollarGamma·0.0001; some desks quote Γ·S²/100 "per 1%" — we do not.)
 * - Per underlying, every Greek is summed. Per portfolio, only the figures in currency are summed
 *   (marketValue, dollarDelta, dollarGamma, vega, thetaPerYear, rho, volga, and vanna and charm
 *   converted to currency by × spot): share counts of different underlyings do not add up.
 * - P&L: with a `PositionCost`, unrealised = marketValue − qty × multiplier × avgPrice, and the
 *   realised figure is passed through; positions without a cost have undefined P&L and are left out
 *   of the sums (`pnlCoverage` says how many were counted).
 */
import { optionGreeks } from '../pricing/option-pricer.js';
import type { Greeks } from '../pricing/types.js';
import type { RiskResult } from '../risk/errors.js';
import { riskErrors } from '../risk/errors.js';
import type { PositionCost } from './position-cost.js';
import { type MarketSnapshot, type Position, underlyingOf } from './types.js';
import { optionInputsOf } from './valuation.js';

/** Position Greeks (units in the file comment) with the figures derived from them. */
export interface GreekSums extends Omit<Greeks, 'price'> {
  marketValue: number;
  dollarDelta: number;
  dollarGamma: number;
  unrealisedPnl: number;
  realisedPnl: number;
}

export interface PositionRisk extends Omit<GreekSums, 'unrealisedPnl' | 'realisedPnl'> {
  readonly index: number;
  readonly symbol: string;
  readonly underlying: string;
  readonly spot: number;
  readonly qty: number;
  readonly multiplier: number;
  /** Per-unit price and Greeks. */
  readonly unit: Greeks;
  readonly unrealisedPnl?: number;
  readonly realisedPnl?: number;
}

export interface UnderlyingRisk extends GreekSums {
  readonly underlying: string;
  readonly spot: number;
  readonly positions: number;
}

/** Only the figures in currency: share counts of different underlyings do not add up. */
export interface PortfolioTotals extends Pick<Greeks, 'vega' | 'thetaPerYear' | 'rho' | 'volga'> {
  marketValue: number;
  dollarDelta: number;
  dollarGamma: number;
  /** Σ vanna × spot: currency change of dollar delta per 1.00 of vol. */
  dollarVanna: number;
  /** Σ charm × spot: currency change of dollar delta per year. */
  dollarCharmPerYear: number;
  unrealisedPnl: number;
  realisedPnl: number;
}

export interface PortfolioRisk {
  readonly positions: PositionRisk[];
  readonly byUnderlying: UnderlyingRisk[];
  readonly totals: PortfolioTotals;
  /** Positions with a cost, whose P&L is in the sums. */
  readonly pnlCoverage: number;
}

const ONE_SHARE = (spot: number): Greeks => ({
  price: spot, delta: 1, gamma: 0, vega: 0, thetaPerYear: 0, rho: 0, vanna: 0, volga: 0, charmPerYear: 0,
});

const zeroSums = (): GreekSums => ({
  marketValue: 0, delta: 0, dollarDelta: 0, gamma: 0, dollarGamma: 0, vega: 0, thetaPerYear: 0, rho: 0,
  vanna: 0, volga: 0, charmPerYear: 0, unrealisedPnl: 0, realisedPnl: 0,
});

/** Risk of one position; `costs[i]` (optional, parallel to `positions`) adds its P&L. */
export function positionRisk(p: Position, index: number, market: MarketSnapshot, cost?: PositionCost): RiskResult<PositionRisk> {
  const underlying = underlyingOf(p.instrument);
  const spot = market.spots.get(underlying);
  if (spot === undefined) return riskErrors.missingSpot(underlying);
  let unit: Greeks;
  if (p.instrument.kind === 'underlying') unit = ONE_SHARE(spot);
  else {
    if (p.vol === undefined || !(p.vol >= 0)) return riskErrors.missingVol(p.instrument.symbol);
    unit = optionGreeks(optionInputsOf(p as Position & { instrument: { kind: 'option' } }, market, spot, p.vol), p.style);
  }
  const units = p.qty * p.multiplier;
  const marketValue = units * unit.price;
  return {
    ok: true,
    value: {
      index,
      symbol: p.instrument.symbol,
      underlying,
      spot,
      qty: p.qty,
      multiplier: p.multiplier,
      unit,
      marketValue,
      delta: units * unit.delta,
      dollarDelta: units * unit.delta * spot,
      gamma: units * unit.gamma,
      dollarGamma: units * unit.gamma * spot * spot,
      vega: units * unit.vega,
      thetaPerYear: units * unit.thetaPerYear,
      rho: units * unit.rho,
      vanna: units * unit.vanna,
      volga: units * unit.volga,
      charmPerYear: units * unit.charmPerYear,
      ...(cost ? { unrealisedPnl: marketValue - units * cost.avgPrice, realisedPnl: cost.realisedPnl ?? 0 } : {}),
    },
  };
}

export function portfolioRisk(
  positions: readonly Position[],
  market: MarketSnapshot,
  costs?: ReadonlyArray<PositionCost | undefined>,
): RiskResult<PortfolioRisk> {
  const rows: PositionRisk[] = [];
  const byU = new Map<string, UnderlyingRisk & GreekSums>();
  const totals: PortfolioTotals = {
    marketValue: 0, dollarDelta: 0, dollarGamma: 0, vega: 0, thetaPerYear: 0, rho: 0, volga: 0,
    dollarVanna: 0, dollarCharmPerYear: 0, unrealisedPnl: 0, realisedPnl: 0,
  };
  let pnlCoverage = 0;
  for (let i = 0; i < positions.length; i++) {
    const r = positionRisk(positions[i] as Position, i, market, costs?.[i]);
    if (!r.ok) return r;
    const x = r.value;
    rows.push(x);
    let u = byU.get(x.underlying);
    if (!u) {
      u = { underlying: x.underlying, spot: x.spot, positions: 0, ...zeroSums() };
      byU.set(x.underlying, u);
    }
    (u as { positions: number }).positions++;
    for (const k of ['marketValue', 'delta', 'dollarDelta', 'gamma', 'dollarGamma', 'vega', 'thetaPerYear', 'rho', 'vanna', 'volga', 'charmPerYear'] as const) {
      u[k] += x[k];
    }
    totals.marketValue += x.marketValue;
    totals.dollarDelta += x.dollarDelta;
    totals.dollarGamma += x.dollarGamma;
    totals.vega += x.vega;
    totals.thetaPerYear += x.thetaPerYear;
    totals.rho += x.rho;
    totals.volga += x.volga;
    totals.dollarVanna += x.vanna * x.spot;
    totals.dollarCharmPerYear += x.charmPerYear * x.spot;
    if (x.unrealisedPnl !== undefined) {
      pnlCoverage++;
      u.unrealisedPnl += x.unrealisedPnl;
      u.realisedPnl += x.realisedPnl ?? 0;
      totals.unrealisedPnl += x.unrealisedPnl;
      totals.realisedPnl += x.realisedPnl ?? 0;
    }
  }
  return { ok: true, value: { positions: rows, byUnderlying: [...byU.values()], totals, pnlCoverage } };
}
