/**
 * The positions every portfolio held at a moment in the past, for the reports of a day (daily
 * risk, capital, large positions): what it was opened with plus its fills made before the moment,
 * replayed in the order the engine made them (fill sequence), as reconcile.ts does.
 *
 * Why not the `positions` table: it holds the book now, so a report of a past day read from it
 * would change with every later fill, and regenerating it would not give the same bytes. Fills are
 * append-only, so the book at a moment is a fixed fact.
 *
 * The terms of a position (multiplier, vol, dividend yield, style) are not in the fills: they are
 * the stored position's (the engine sets them when a position opens and they do not change), else
 * those the portfolio was opened with, else the defaults of a listed contract.
 */
import type pg from 'pg';
import { standardMultiplierOf } from '../../engine/actors/position-update.js';

export interface HeldPosition {
  readonly portfolioId: string;
  /** The customer who owns the portfolio (null: a house or demo portfolio with no owner). */
  readonly ownerId: string | null;
  readonly instrument: string;
  /** Signed: long > 0, short < 0. Never 0 (a flat position is left out). */
  readonly qty: number;
  readonly multiplier: number;
  /** The position's own vol, or null: the market's. */
  readonly vol: number | null;
  readonly dividendYield: number;
  readonly style: 'european' | 'american';
}

interface Opening { instrument: string; qty: number; multiplier?: number; vol?: number | null; dividendYield?: number; style?: 'european' | 'american' }

/** The fills' order: the engine's fill sequence (`<portfolio>-f<n>`), then the id. */
const FILL_ORDER = `CAST(substring(fill_id FROM '-f([0-9]+)$') AS bigint), fill_id`;

/**
 * Positions held just before `endMs` (epoch ms, exclusive: a day's book is `positionsAsOf(pool,
 * startOfNextDayMs)`), by portfolio then instrument. `portfolioId` narrows it to one portfolio.
 * Also answers the number of fills read, one of the versions a report records.
 */
export async function positionsAsOf(pool: pg.Pool, endMs: number, portfolioId?: string): Promise<{ positions: HeldPosition[]; fills: number }> {
  if (!Number.isFinite(endMs)) throw new RangeError(`positionsAsOf: endMs = ${endMs}`);
  const one = portfolioId !== undefined;
  const [portfolios, terms, fills] = await Promise.all([
    pool.query<{ portfolio_id: string; owner_id: string | null; initial_positions: Opening[] }>(
      `SELECT portfolio_id, owner_id, initial_positions FROM portfolios WHERE created_at < to_timestamp($1 / 1000.0) ${one ? 'AND portfolio_id = $2' : ''} ORDER BY portfolio_id`,
      one ? [endMs, portfolioId] : [endMs]),
    pool.query<{ portfolio_id: string; instrument: string; multiplier: number; vol: number | null; dividend_yield: number; style: 'european' | 'american' }>(
      `SELECT portfolio_id, instrument, multiplier, vol, dividend_yield, style FROM positions ${one ? 'WHERE portfolio_id = $1' : ''}`, one ? [portfolioId] : []),
    pool.query<{ portfolio_id: string; instrument: string; side: 'buy' | 'sell'; qty: number }>(
      `SELECT portfolio_id, instrument, side, qty FROM fills WHERE ts_ms < $1 ${one ? 'AND portfolio_id = $2' : ''} ORDER BY portfolio_id, ${FILL_ORDER}`,
      one ? [endMs, portfolioId] : [endMs]),
  ]);
  const termsOf = new Map<string, (typeof terms.rows)[number]>();
  for (const t of terms.rows) termsOf.set(`${t.portfolio_id}\u0000${t.instrument}`, t);
  const books = new Map<string, { ownerId: string | null; qty: Map<string, number>; opened: Map<string, Opening> }>();
  for (const p of portfolios.rows) {
    const qty = new Map<string, number>();
    const opened = new Map<string, Opening>();
    for (const o of p.initial_positions) {
      qty.set(o.instrument, (qty.get(o.instrument) ?? 0) + o.qty);
      opened.set(o.instrument, o);
    }
    books.set(p.portfolio_id, { ownerId: p.owner_id, qty, opened });
  }
  for (const f of fills.rows) {
    const b = books.get(f.portfolio_id);
    if (!b) continue; // a fill of a portfolio created after endMs cannot exist; of a missing one, reconcile reports it
    b.qty.set(f.instrument, (b.qty.get(f.instrument) ?? 0) + (f.side === 'buy' ? f.qty : -f.qty));
  }
  const positions: HeldPosition[] = [];
  for (const [portfolioId, b] of books) {
    for (const instrument of [...b.qty.keys()].sort()) {
      const qty = b.qty.get(instrument) as number;
      if (qty === 0) continue;
      const t = termsOf.get(`${portfolioId}\u0000${instrument}`);
      const o = b.opened.get(instrument);
      positions.push({
        portfolioId, ownerId: b.ownerId, instrument, qty,
        multiplier: t?.multiplier ?? o?.multiplier ?? standardMultiplierOf(instrument) ?? 1,
        vol: t ? t.vol : (o?.vol ?? null),
        dividendYield: t?.dividend_yield ?? o?.dividendYield ?? 0,
        style: t?.style ?? o?.style ?? 'european',
      });
    }
  }
  return { positions, fills: fills.rows.length };
}
