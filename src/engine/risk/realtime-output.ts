/**
 * Reading the kernel's figures (layout: OUT and SLOT_OUT in realtime-risk.ts) back as the engine's
 * types, wherever they were copied to: the pool's shared book and the in-process calculator both
 * keep a portfolio's figures followed by its slots' figures at these offsets.
 */
import type { GreekTotals, UnderlyingRisk } from '../actors/types.js';
import { OUT, SLOT_OUT } from './realtime-risk.js';

/** The portfolio's Greek totals from its figures at `at` (OUT offsets). */
export function greeksAt(f: Float64Array, at: number): GreekTotals {
  return {
    delta: f[at + OUT.delta] as number, gamma: f[at + OUT.gamma] as number, vega: f[at + OUT.vega] as number,
    theta: f[at + OUT.theta] as number, rho: f[at + OUT.rho] as number,
  };
}

/** One underlying's figures from its slot at `at` (SLOT_OUT offsets), priced at `spot`. */
export function underlyingRiskAt(f: Float64Array, at: number, spot: number): UnderlyingRisk {
  return {
    delta: f[at + SLOT_OUT.delta] as number, gamma: f[at + SLOT_OUT.gamma] as number, vega: f[at + SLOT_OUT.vega] as number,
    theta: f[at + SLOT_OUT.theta] as number, rho: f[at + SLOT_OUT.rho] as number, spot,
    dollarDelta: f[at + SLOT_OUT.dollarDelta] as number, dollarGamma: f[at + SLOT_OUT.dollarGamma] as number,
  };
}
