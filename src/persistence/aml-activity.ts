/**
 * The activity the AML rules read (src/engine/compliance/aml/activity.ts), from the journal's
 * tables: for each customer owning a fill of a job, the fills of all their portfolios over the
 * rules' look-back (amlLookbackMs) and the UNUSUAL_SIZE history before it, the orders placed within
 * the layering window before each fill with the touch at placement (the last market_snapshots price
 * of the instrument), and the market price at the start of each close window a fill falls in.
 * A customer is a portfolio's owner_id, or the portfolio itself when it has none. A fill's
 * counterpartyCountry is the country its order's counterparty was given with (migration 0017).
 */
import type pg from 'pg';
import { standardMultiplierOf } from '../engine/actors/position-update.js';
import type { AmlFill, AmlOrder, CustomerActivity, PriceMark, RiskLevel } from '../engine/compliance/aml/activity.js';
import { type AmlRuleParams, amlLookbackMs } from '../engine/compliance/aml/rule-defaults.js';
import type { AmlFillJob } from './queue-payloads.js';

/** What KYC knows of a customer; an unknown customer is unrated, with no country. */
export interface CustomerProfile {
  readonly riskLevel?: RiskLevel;
  readonly countries: readonly string[];
}

export interface CustomerProfiles {
  profilesOf(customerIds: readonly string[]): Promise<ReadonlyMap<string, CustomerProfile>>;
}

/** Everyone unrated, no country (a source without KYC: tests, PERSISTENCE=memory). */
export const NO_PROFILES: CustomerProfiles = { profilesOf: async () => new Map() };

/**
 * The risk level KYC gave each customer (kyc_submissions.risk_level, kept in clear for this and the
 * officers' counts), so that LARGE_NOTIONAL takes the threshold of the customer's level. The
 * customer's countries are sealed with their data key (field encryption) and the aml processor,
 * which may run in a queue thread without the master key, does not read them: HIGH_RISK_COUNTRY
 * judges the counterparty's country, and KYC's own score already counts the customer's
 * (docs/AML-RULES.md).
 */
export function pgCustomerProfiles(pool: pg.Pool): CustomerProfiles {
  return {
    async profilesOf(customerIds) {
      const out = new Map<string, CustomerProfile>();
      if (customerIds.length === 0) return out;
      const r = await pool.query<{ user_id: string; risk_level: RiskLevel | null }>(
        'SELECT user_id, risk_level FROM kyc_submissions WHERE user_id = ANY($1::text[])', [customerIds]);
      for (const row of r.rows) out.set(row.user_id, { ...(row.risk_level !== null ? { riskLevel: row.risk_level } : {}), countries: [] });
      return out;
    },
  };
}

export interface AmlActivitySource {
  /** The activity of every customer owning one of `fills` (the fills themselves included), one entry per customer. */
  activityOf(fills: readonly AmlFillJob[], params: AmlRuleParams): Promise<CustomerActivity[]>;
}

/** A stored fill as the rules read it. */
export function amlFillFrom(f: AmlFillJob): AmlFill {
  return {
    fillId: f.fillId, orderId: f.orderId, portfolioId: f.portfolioId, instrument: f.instrument, side: f.side, qty: f.qty, price: f.price, multiplier: f.multiplier ?? 1, ts: f.ts,
    ...(f.counterpartyCountry !== undefined ? { counterpartyCountry: f.counterpartyCountry } : {}),
  };
}

const DAY_MS = 86_400_000;

/** The start of each close window (ms) that one of `fills` falls in, by instrument. */
function closeWindowsOf(fills: readonly AmlFill[], p: AmlRuleParams): { instrument: string; at: number }[] {
  const out = new Map<string, { instrument: string; at: number }>();
  for (const f of fills) {
    const close = Math.floor(f.ts / DAY_MS) * DAY_MS + p.markingTheClose.closeMinuteUtc * 60_000;
    const start = close - p.markingTheClose.windowMinutes * 60_000;
    if (f.ts >= start && f.ts < close) out.set(`${f.instrument}\u0000${start}`, { instrument: f.instrument, at: start });
  }
  return [...out.values()];
}

const OWNERS = `
SELECT p.portfolio_id, coalesce(p.owner_id, 'portfolio:' || p.portfolio_id) AS customer_id,
       coalesce((SELECT array_agg(q.portfolio_id) FROM portfolios q WHERE q.owner_id = p.owner_id), ARRAY[p.portfolio_id]) AS portfolios
  FROM portfolios p WHERE p.portfolio_id = ANY($1::text[])`;

const FILL_COLUMNS = 'fill_id, order_id, portfolio_id, instrument, side, qty, price, ts_ms, counterparty_country';
const WINDOW_FILLS = `SELECT ${FILL_COLUMNS} FROM fills WHERE portfolio_id = ANY($1::text[]) AND ts_ms >= $2 AND ts_ms <= $3`;
// Per portfolio, so each reads its index (portfolio_id, ts_ms) backwards; the newest overall are kept in JS.
const HISTORY_FILLS = `
SELECT f.* FROM unnest($1::text[]) AS p(id),
LATERAL (SELECT ${FILL_COLUMNS} FROM fills WHERE portfolio_id = p.id AND ts_ms < $2 ORDER BY ts_ms DESC LIMIT $3) f`;
const ORDERS = `
SELECT o.order_id, o.portfolio_id, o.instrument, o.side, o.qty, o.order_type, o.limit_price, o.status, o.filled_qty, o.created_ms, o.updated_ms,
       (SELECT m.price FROM market_snapshots m WHERE m.symbol = o.instrument AND m.ts_ms <= o.created_ms ORDER BY m.ts_ms DESC LIMIT 1) AS touch
  FROM orders o WHERE o.portfolio_id = ANY($1::text[]) AND o.created_ms >= $2 AND o.created_ms <= $3`;
const MARKS = `
SELECT x.instrument, m.ts_ms, m.price FROM json_to_recordset($1::json) AS x(instrument text, at float8),
LATERAL (SELECT ts_ms, price FROM market_snapshots WHERE symbol = x.instrument AND ts_ms <= x.at ORDER BY ts_ms DESC LIMIT 1) m`;

interface FillRow { fill_id: string; order_id: string; portfolio_id: string; instrument: string; side: 'buy' | 'sell'; qty: number; price: number; ts_ms: number; counterparty_country: string | null }
interface OrderRow {
  order_id: string; portfolio_id: string; instrument: string; side: 'buy' | 'sell'; qty: number; order_type: AmlOrder['orderType']; limit_price: number | null;
  status: AmlOrder['status']; filled_qty: number; created_ms: number; updated_ms: number; touch: number | null;
}

const fillOf = (r: FillRow): AmlFill => ({
  fillId: r.fill_id, orderId: r.order_id, portfolioId: r.portfolio_id, instrument: r.instrument, side: r.side, qty: r.qty, price: r.price,
  multiplier: standardMultiplierOf(r.instrument) ?? 1, ts: r.ts_ms,
  ...(r.counterparty_country !== null ? { counterpartyCountry: r.counterparty_country } : {}),
});

const orderOf = (r: OrderRow): AmlOrder => ({
  orderId: r.order_id, portfolioId: r.portfolio_id, instrument: r.instrument, side: r.side, qty: r.qty, orderType: r.order_type,
  ...(r.limit_price !== null ? { limitPrice: r.limit_price } : {}), status: r.status, filledQty: r.filled_qty, createdMs: r.created_ms, updatedMs: r.updated_ms,
  ...(r.touch !== null ? { touchAtPlacement: r.touch } : {}),
});

export function pgAmlActivity(pool: pg.Pool, profiles: CustomerProfiles = NO_PROFILES): AmlActivitySource {
  return {
    async activityOf(jobFills, p) {
      if (jobFills.length === 0) return [];
      const owners = (await pool.query<{ portfolio_id: string; customer_id: string; portfolios: string[] }>(OWNERS, [[...new Set(jobFills.map((f) => f.portfolioId))]])).rows;
      const byPortfolio = new Map(owners.map((o) => [o.portfolio_id, o]));
      const groups = new Map<string, { portfolios: string[]; anchors: AmlFill[] }>();
      for (const f of jobFills) {
        const o = byPortfolio.get(f.portfolioId);
        const customerId = o?.customer_id ?? `portfolio:${f.portfolioId}`;
        const g = groups.get(customerId) ?? { portfolios: o?.portfolios ?? [f.portfolioId], anchors: [] };
        g.anchors.push(amlFillFrom(f));
        groups.set(customerId, g);
      }
      const known = await profiles.profilesOf([...groups.keys()]);
      const lookbackMs = amlLookbackMs(p);
      const out: CustomerActivity[] = [];
      for (const [customerId, g] of groups) {
        const times = g.anchors.map((f) => f.ts);
        const from = Math.min(...times) - lookbackMs, to = Math.max(...times);
        const [window, history, orders, marks] = await Promise.all([
          pool.query<FillRow>(WINDOW_FILLS, [g.portfolios, from, to]),
          pool.query<FillRow>(HISTORY_FILLS, [g.portfolios, from, p.unusualSize.historyFills]),
          pool.query<OrderRow>(ORDERS, [g.portfolios, Math.min(...times) - p.layering.windowSeconds * 1000, to]),
          pool.query<{ instrument: string; ts_ms: number; price: number }>(MARKS, [JSON.stringify(closeWindowsOf(g.anchors, p))]),
        ]);
        const older = history.rows.sort((a, b) => b.ts_ms - a.ts_ms).slice(0, p.unusualSize.historyFills);
        const profile = known.get(customerId);
        out.push({
          customerId,
          ...(profile?.riskLevel !== undefined ? { riskLevel: profile.riskLevel } : {}),
          countries: profile?.countries ?? [],
          fills: [...older.map(fillOf), ...window.rows.map(fillOf), ...g.anchors],
          orders: orders.rows.map(orderOf),
          marks: marks.rows.map((m): PriceMark => ({ instrument: m.instrument, ts: m.ts_ms, price: m.price })),
        });
      }
      return out;
    },
  };
}

/**
 * For unit tests of the processor: every fill it was given, each portfolio its own customer unless
 * `owners` says otherwise (no orders, no market prices).
 */
export function memoryAmlActivity(all: readonly AmlFillJob[], owners: ReadonlyMap<string, string> = new Map(), profiles: ReadonlyMap<string, CustomerProfile> = new Map()): AmlActivitySource {
  const customerOf = (portfolioId: string): string => owners.get(portfolioId) ?? `portfolio:${portfolioId}`;
  return {
    async activityOf(jobFills) {
      const customers = [...new Set(jobFills.map((f) => customerOf(f.portfolioId)))];
      return customers.map((customerId) => {
        const profile = profiles.get(customerId);
        return {
          customerId, ...(profile?.riskLevel !== undefined ? { riskLevel: profile.riskLevel } : {}), countries: profile?.countries ?? [],
          fills: [...all, ...jobFills].filter((f) => customerOf(f.portfolioId) === customerId).map(amlFillFrom), orders: [],
        };
      });
    },
  };
}
