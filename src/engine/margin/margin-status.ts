import type { MarketSnapshot, Position } from '../portfolio/types.js';
import { positionValue } from '../portfolio/valuation.js';

/**
 * Margin excess or call against initial and maintenance requirements, and a liquidation-risk
 * classification with stable codes. Thresholds are documented in docs/MARGIN-AND-LIMITS.md.
 */

/** Stable codes, safe to send to clients as they are. */
export type LiquidationRisk = 'none' | 'low' | 'margin_call' | 'liquidate';

export interface MarginStatusThresholds {
  /**
   * Below this fraction of the maintenance requirement the account is to be liquidated rather than
   * called: a call takes days to meet, and by then the loss may exceed the remaining equity.
   */
  readonly liquidationFraction: number;
}

export const DEFAULT_MARGIN_STATUS_THRESHOLDS: MarginStatusThresholds = Object.freeze({ liquidationFraction: 0.8 });

export interface RequirementStatus {
  readonly requirement: number;
  /** equity − requirement when non-negative, else 0. */
  readonly excess: number;
  /** requirement − equity when positive, else 0. */
  readonly call: number;
}

export interface MarginStatus {
  /** Cash plus the signed market value of all positions. */
  readonly equity: number;
  readonly initial: RequirementStatus;
  readonly maintenance: RequirementStatus;
  readonly liquidationRisk: LiquidationRisk;
}

export interface MarginRequirements {
  readonly initial: number;
  readonly maintenance: number;
}

/** Account equity: cash plus the signed model value of the positions (short options count negative). */
export function accountEquity(cash: number, positions: readonly Position[], market: MarketSnapshot): number {
  return positions.reduce((acc, p) => acc + positionValue(p, market), cash);
}

function requirementStatus(equity: number, requirement: number): RequirementStatus {
  const diff = equity - requirement;
  return { requirement, excess: Math.max(0, diff), call: Math.max(0, -diff) };
}

/**
 * Classification, first match wins:
 * - 'liquidate'   equity < 0, or equity < liquidationFraction × maintenance;
 * - 'margin_call' equity < maintenance;
 * - 'low'         equity < initial (no new risk-increasing positions, but no call yet);
 * - 'none'        equity ≥ initial.
 */
export function marginStatus(
  equity: number,
  req: MarginRequirements,
  thresholds: MarginStatusThresholds = DEFAULT_MARGIN_STATUS_THRESHOLDS,
): MarginStatus {
  let liquidationRisk: LiquidationRisk;
  if (equity < 0 || equity < thresholds.liquidationFraction * req.maintenance) liquidationRisk = 'liquidate';
  else if (equity < req.maintenance) liquidationRisk = 'margin_call';
  else if (equity < req.initial) liquidationRisk = 'low';
  else liquidationRisk = 'none';
  return {
    equity,
    initial: requirementStatus(equity, req.initial),
    maintenance: requirementStatus(equity, req.maintenance),
    liquidationRisk,
  };
}
