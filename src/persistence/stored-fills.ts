/**
 * Fills as the journal stored them, by id: what the AML worker screens. A job's payload only
 * names the fills; their amounts are read here, because a payload can be replayed with edited
 * data (a dead letter "corrected" by an operator) and a queue is a trust boundary, while the
 * `fills` table is written by the journal alone.
 */
import type pg from 'pg';
import { standardMultiplierOf } from '../engine/actors/position-update.js';
import type { AmlFillJob } from './queue-payloads.js';

export interface StoredFills {
  /** The stored fills among `fillIds` (an id the journal never committed is absent). */
  byIds(fillIds: readonly string[]): Promise<ReadonlyMap<string, AmlFillJob>>;
}

interface FillRow { fill_id: string; order_id: string; portfolio_id: string; instrument: string; side: 'buy' | 'sell'; qty: number; price: number; ts_ms: number; counterparty_country?: string | null }

const BY_IDS = `SELECT fill_id, order_id, portfolio_id, instrument, side, qty, price, ts_ms, counterparty_country FROM fills WHERE fill_id = ANY($1::text[])`;

/** A stored fill as the AML rules read it, with its contract's standard multiplier (as the feeder and the sweep give it). */
export function amlFillOf(r: FillRow): AmlFillJob {
  const multiplier = standardMultiplierOf(r.instrument);
  return {
    fillId: r.fill_id, orderId: r.order_id, portfolioId: r.portfolio_id, instrument: r.instrument, side: r.side, qty: r.qty, price: r.price, ts: r.ts_ms,
    ...(multiplier !== undefined ? { multiplier } : {}),
    ...(r.counterparty_country !== null && r.counterparty_country !== undefined ? { counterpartyCountry: r.counterparty_country } : {}),
  };
}

export function pgStoredFills(pool: pg.Pool): StoredFills {
  const read = async (ids: readonly string[], into: Map<string, AmlFillJob>): Promise<void> => {
    for (const r of (await pool.query<FillRow>(BY_IDS, [ids])).rows) into.set(r.fill_id, amlFillOf(r));
  };
  return {
    async byIds(fillIds) {
      const found = new Map<string, AmlFillJob>();
      if (fillIds.length === 0) return found;
      await read(fillIds, found);
      const missing = fillIds.filter((id) => !found.has(id));
      if (missing.length > 0) {
        // A fill is queued once durable in `journal`, and projected into `fills` a few ms later:
        // a job that overtook the projection projects the committed batches itself.
        await pool.query('SELECT journal_apply()');
        await read(missing, found);
      }
      return found;
    },
  };
}

/** Fills held in memory, for the processors' unit tests. */
export function memoryStoredFills(fills: readonly AmlFillJob[]): StoredFills {
  const byId = new Map(fills.map((f) => [f.fillId, f]));
  return {
    async byIds(ids) {
      return new Map(ids.flatMap((id) => { const f = byId.get(id); return f ? [[id, f] as const] : []; }));
    },
  };
}
