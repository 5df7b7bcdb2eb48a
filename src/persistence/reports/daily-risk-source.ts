/**
 * Loads the daily risk report: the book of the day (book-of-day-source.ts), the limit breaches the
 * engine recorded that day, then builds the document with the engine's models. The breaches come
 * from the risk snapshots the engine writes behind (risk_snapshots.figures.breaches, the same list
 * the risk stream carries): each (portfolio, code) seen in a snapshot computed during the UTC day.
 */
import { z } from 'zod';
import { isoToEpochDay } from '../../engine/market/dates.js';
import { MS_PER_DAY } from '../../engine/market/time-to-expiry.js';
import { type BreachRecord, type DailyRiskDocument, buildDailyRiskDocument } from '../../engine/reports/daily-risk/daily-risk-document.js';
import { type LoadedInput, ReportError, type ReportRequest, type ReportSources } from '../../workers/reports/report-definition.js';
import { loadBookOfDay } from './book-of-day-source.js';

const Breaches = z.array(z.object({ code: z.string().min(1), detail: z.string() }));

/** The breaches in the risk snapshots computed in [startMs, endMs), by portfolio and code; and how many snapshots carried any. */
export async function breachesOfDay(src: ReportSources, startMs: number, endMs: number, portfolioId?: string): Promise<{ breaches: BreachRecord[]; snapshots: number }> {
  const one = portfolioId !== undefined;
  const r = await src.pool.query<{ portfolio_id: string; computed_ms: number; breaches: unknown }>(
    `SELECT portfolio_id, computed_ms, figures->'breaches' AS breaches FROM risk_snapshots
     WHERE computed_ms >= $1 AND computed_ms < $2 ${one ? 'AND portfolio_id = $3' : ''}
       AND (CASE WHEN json_typeof(figures->'breaches') = 'array' THEN json_array_length(figures->'breaches') ELSE 0 END) > 0
     ORDER BY portfolio_id, computed_ms, seq`,
    one ? [startMs, endMs, portfolioId] : [startMs, endMs]);
  const byKey = new Map<string, { -readonly [K in keyof BreachRecord]: BreachRecord[K] }>();
  for (const row of r.rows) {
    const parsed = Breaches.safeParse(row.breaches);
    if (!parsed.success) {
      throw new ReportError('BAD_RISK_SNAPSHOT', `risk snapshot of ${row.portfolio_id} at ${row.computed_ms}: breaches are not [{code, detail}] (${parsed.error.issues[0]?.message ?? ''})`);
    }
    for (const b of parsed.data) {
      const key = `${row.portfolio_id}\u0000${b.code}`;
      const seen = byKey.get(key);
      if (seen) {
        seen.lastDetail = b.detail; seen.lastMs = row.computed_ms; seen.snapshots++;
      } else {
        byKey.set(key, { portfolioId: row.portfolio_id, code: b.code, firstDetail: b.detail, lastDetail: b.detail, firstMs: row.computed_ms, lastMs: row.computed_ms, snapshots: 1 });
      }
    }
  }
  const breaches = [...byKey.values()].sort((a, b) => (a.portfolioId < b.portfolioId ? -1 : a.portfolioId > b.portfolioId ? 1 : a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  return { breaches, snapshots: r.rows.length };
}

export async function loadDailyRisk(src: ReportSources, req: ReportRequest): Promise<LoadedInput<DailyRiskDocument>> {
  const { book, versions } = await loadBookOfDay(src, req);
  const start = isoToEpochDay(book.reportDate) * MS_PER_DAY;
  const { breaches, snapshots } = await breachesOfDay(src, start, start + MS_PER_DAY, req.portfolioId);
  const doc = buildDailyRiskDocument({ book, breaches, ...(req.portfolioId !== undefined ? { portfolioId: req.portfolioId } : {}) });
  if (!doc.ok) throw new ReportError(doc.code, `daily risk of ${book.reportDate}: ${doc.message}`);
  return { input: doc.value, versions: { ...versions, riskSnapshotsWithBreaches: snapshots } };
}
