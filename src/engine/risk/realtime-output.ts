/**
 * Reading the kernel's figures (layout: PORTFOLIO_OUT and GROUP_OUT in realtime-risk.ts) back as the engine's
 * types, wherever they were copied to: the pool's leg store and the in-process calculator both
 * keep a portfolio's figures followed by its groups' figures at these offsets.
 */
import type { GreekTotals, UnderlyingRisk } from '../actors/types.js';
import { PORTFOLIO_OUT, GROUP_OUT } from './realtime-risk.js';

/** The portfolio's Greek totals from its figures at `at` (PORTFOLIO_OUT offsets). */
export function greeksAt(f: Float64Array, at: number): GreekTotals {
  return {
    delta: f[at + PORTFOLIO_OUT.delta] as number, gamma: f[at + PORTFOLIO_OUT.gamma] as number, vega: f[at + PORTFOLIO_OUT.vega] as number,
    thetaPerYear: f[at + PORTFOLIO_OUT.thetaPerYear] as number, rho: f[at + PORTFOLIO_OUT.rho] as number,
  };
}

/** One underlying's figures from its group at `at` (GROUP_OUT offsets), priced at `spot`. */
export function underlyingRiskAt(f: Float64Array, at: number, spot: number): UnderlyingRisk {
  return {
    delta: f[at + GROUP_OUT.delta] as number, gamma: f[at + GROUP_OUT.gamma] as number, vega: f[at + GROUP_OUT.vega] as number,
    thetaPerYear: f[at + GROUP_OUT.thetaPerYear] as number, rho: f[at + GROUP_OUT.rho] as number, spot,
    dollarDelta: f[at + GROUP_OUT.dollarDelta] as number, dollarGamma: f[at + GROUP_OUT.dollarGamma] as number,
  };
}
