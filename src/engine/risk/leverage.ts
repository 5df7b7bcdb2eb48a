/**
 * Leverage ratio = gross exposure / equity.
 *
 * Gross exposure is the sum of absolute delta-equivalent notionals, position by position
 * (gross-exposure.ts): |stock value| + |option delta × qty × multiplier × spot|. Equity is the
 * account's net liquidation value (cash + market value of positions), which the caller knows and the
 * positions alone do not; it must be positive. A ratio of 2 means 2 currency units of exposure per
 * unit of equity.
 */
import type { MarketSnapshot, Position } from '../portfolio/types.js';
import { type RiskResult, riskErrors } from './errors.js';
import { grossExposure } from './gross-exposure.js';

export function leverageRatio(
  positions: readonly Position[],
  market: MarketSnapshot,
  equity: number,
): RiskResult<{ grossExposure: number; equity: number; leverage: number }> {
  if (!(equity > 0) || !Number.isFinite(equity)) return riskErrors.badEquity(equity);
  const g = grossExposure(positions, market);
  if (!g.ok) return g;
  return { ok: true, value: { grossExposure: g.value.total, equity, leverage: g.value.total / equity } };
}
