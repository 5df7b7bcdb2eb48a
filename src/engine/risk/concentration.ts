/**
 * Concentration per underlying: its share of the book's gross exposure (gross-exposure.ts), so the
 * shares sum to 1. Sorted from the largest. An empty or all-zero book has no concentration (empty list).
 */
import type { MarketSnapshot, Position } from '../portfolio/types.js';
import type { RiskResult } from './errors.js';
import { grossExposure } from './gross-exposure.js';

export interface Concentration {
  readonly underlying: string;
  readonly grossExposure: number;
  readonly share: number;
}

export function concentration(positions: readonly Position[], market: MarketSnapshot): RiskResult<Concentration[]> {
  const g = grossExposure(positions, market);
  if (!g.ok) return g;
  if (!(g.value.total > 0)) return { ok: true, value: [] };
  const rows = [...g.value.byUnderlying].map(([underlying, x]) => ({ underlying, grossExposure: x, share: x / g.value.total }));
  return { ok: true, value: rows.sort((a, b) => b.share - a.share) };
}
