/**
 * Reconciliation: positions and cash re-derived from what the portfolio was opened with plus its
 * fills, compared with what is stored. The fills are replayed in the order the engine made them
 * (fill sequence), with the actor's own arithmetic, so an intact book agrees to the last bit; a
 * difference is reported beyond a relative 1e-9 (never expected, but not worth an alarm).
 */
import type pg from 'pg';
import { standardMultiplierOf } from '../engine/actors/position-update.js';
import { signOf } from '../engine/limits/types.js';

export interface Difference {
  readonly portfolioId: string;
  /** An instrument symbol, or `cash`. */
  readonly item: string;
  readonly stored: number;
  readonly derived: number;
}

export interface ReconcileReport {
  readonly portfolios: number;
  readonly fills: number;
  readonly differences: readonly Difference[];
}

interface Opening { instrument: string; qty: number; multiplier: number }

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

export async function reconcile(pool: pg.Pool): Promise<ReconcileReport> {
  const [portfolios, positions, fills] = await Promise.all([
    pool.query<{ portfolio_id: string; initial_cash: number; initial_positions: Opening[]; cash: number }>(
      'SELECT portfolio_id, initial_cash, initial_positions, cash FROM portfolios ORDER BY portfolio_id'),
    pool.query<{ portfolio_id: string; instrument: string; qty: number; multiplier: number }>('SELECT portfolio_id, instrument, qty, multiplier FROM positions'),
    pool.query<{ portfolio_id: string; instrument: string; side: 'buy' | 'sell'; qty: number; price: number }>(
      `SELECT portfolio_id, instrument, side, qty, price FROM fills
       ORDER BY portfolio_id, CAST(substring(fill_id FROM '-f([0-9]+)$') AS bigint), fill_id`),
  ]);
  const stored = new Map<string, Map<string, { qty: number; multiplier: number }>>();
  for (const r of positions.rows) {
    let m = stored.get(r.portfolio_id);
    if (!m) stored.set(r.portfolio_id, (m = new Map()));
    m.set(r.instrument, { qty: r.qty, multiplier: r.multiplier });
  }
  const derived = new Map<string, { cash: number; qty: Map<string, number> }>();
  for (const p of portfolios.rows) {
    const qty = new Map<string, number>();
    for (const o of p.initial_positions) qty.set(o.instrument, o.qty);
    derived.set(p.portfolio_id, { cash: p.initial_cash, qty });
  }
  const differences: Difference[] = [];
  for (const f of fills.rows) {
    const d = derived.get(f.portfolio_id);
    if (!d) {
      differences.push({ portfolioId: f.portfolio_id, item: f.instrument, stored: 0, derived: Number.NaN });
      continue;
    }
    const signed = signOf(f.side) * f.qty;
    // The stored position's terms; a fill whose position row is missing gets the terms a fill opens with.
    const multiplier = stored.get(f.portfolio_id)?.get(f.instrument)?.multiplier ?? standardMultiplierOf(f.instrument) ?? 1;
    d.qty.set(f.instrument, (d.qty.get(f.instrument) ?? 0) + signed);
    d.cash -= signed * multiplier * f.price;
  }
  for (const p of portfolios.rows) {
    const d = derived.get(p.portfolio_id)!;
    if (!close(p.cash, d.cash)) differences.push({ portfolioId: p.portfolio_id, item: 'cash', stored: p.cash, derived: d.cash });
    const s = stored.get(p.portfolio_id) ?? new Map<string, { qty: number; multiplier: number }>();
    const instruments = new Set([...s.keys(), ...d.qty.keys()]);
    for (const i of [...instruments].sort()) {
      const sq = s.get(i)?.qty ?? 0;
      const dq = d.qty.get(i) ?? 0;
      if (!close(sq, dq)) differences.push({ portfolioId: p.portfolio_id, item: i, stored: sq, derived: dq });
    }
  }
  return { portfolios: portfolios.rows.length, fills: fills.rows.length, differences };
}

